package pipeline

import (
	"time"

	"github.com/dnsvigil/dnsvigil/internal/event"
)

// reorder restores event-time order within a bounded window. Inputs are only
// nearly ordered: Zeek writes a DNS record when the exchange ends and a
// connection when it closes, a pcap decoder reports an unanswered query when
// its pairing timeout passes. The buffer holds events until the newest event
// time seen is window past them (or the buffer is full) and releases them
// oldest first. An event older than one already released is passed on at once
// and counted as late; detectors handle late events.
//
// Events that arrive in order (the common case) go to a FIFO ring, the others
// to a binary heap; release takes the earlier of the two heads, so ordered
// input costs O(1) per event. Events are copied into preallocated slots with
// their own string arenas, so in steady state the buffer does not allocate.
type reorder struct {
	window time.Duration
	max    int

	ring       []*slot // FIFO of in-order events, ring buffer
	head, size int
	heap       []*slot // out-of-order events, min-heap by (time, seq)
	free       []*slot

	seq    uint64
	newest time.Time
	// released is the time of the last event handed on.
	released time.Time
	late     int64
	// current is the slot handed out by the last call of pop; it returns to
	// the free list on the next call.
	current *slot
}

type slot struct {
	ev    event.Event
	arena []byte
	seq   uint64
}

func (a *slot) before(b *slot) bool {
	if !a.ev.Time.Equal(b.ev.Time) {
		return a.ev.Time.Before(b.ev.Time)
	}
	return a.seq < b.seq
}

func newReorder(window time.Duration, max int) *reorder {
	return &reorder{window: window, max: max, ring: make([]*slot, max)}
}

// isLate reports whether ev must bypass the buffer because an event after it
// was already released, and counts it.
func (r *reorder) isLate(ev *event.Event) bool {
	if ev.Time.Before(r.released) {
		r.late++
		return true
	}
	return false
}

func (r *reorder) buffered() int { return r.size + len(r.heap) }

// push copies ev into the buffer.
func (r *reorder) push(ev *event.Event) {
	var s *slot
	if n := len(r.free); n > 0 {
		s, r.free = r.free[n-1], r.free[:n-1]
	} else {
		s = &slot{}
	}
	s.arena = ev.CopyTo(&s.ev, s.arena)
	r.seq++
	s.seq = r.seq
	if ev.Time.After(r.newest) {
		r.newest = ev.Time
	}
	if r.size < len(r.ring) && (r.size == 0 || !ev.Time.Before(r.ring[(r.head+r.size-1)%len(r.ring)].ev.Time)) {
		r.ring[(r.head+r.size)%len(r.ring)] = s
		r.size++
		return
	}
	r.heapPush(s)
}

// pop returns the next event to release, or nil when none is due. With drain
// set every buffered event is due. The event stays valid until the next call.
func (r *reorder) pop(drain bool) *event.Event {
	if r.current != nil {
		r.free = append(r.free, r.current)
		r.current = nil
	}
	var oldest *slot
	fromRing := false
	switch {
	case r.size > 0 && (len(r.heap) == 0 || r.ring[r.head].before(r.heap[0])):
		oldest, fromRing = r.ring[r.head], true
	case len(r.heap) > 0:
		oldest = r.heap[0]
	default:
		return nil
	}
	if !drain && r.buffered() < r.max && oldest.ev.Time.Add(r.window).After(r.newest) {
		return nil
	}
	if fromRing {
		r.ring[r.head] = nil
		r.head = (r.head + 1) % len(r.ring)
		r.size--
	} else {
		r.heapPop()
	}
	r.current = oldest
	if oldest.ev.Time.After(r.released) {
		r.released = oldest.ev.Time
	}
	return &oldest.ev
}

func (r *reorder) heapPush(s *slot) {
	h := append(r.heap, s)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !h[i].before(h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
	r.heap = h
}

func (r *reorder) heapPop() {
	h := r.heap
	n := len(h) - 1
	h[0] = h[n]
	h[n] = nil
	h = h[:n]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < n && h[l].before(h[m]) {
			m = l
		}
		if l+1 < n && h[l+1].before(h[m]) {
			m = l + 1
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	r.heap = h
}
