package pipeline

import (
	"container/heap"
	"errors"
	"io"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

// stream is one open input with its current (head) event. Each stream owns its
// Event, so the strings a decoder placed there stay valid while other streams
// advance.
type stream struct {
	in    *Opened
	order int // when it joined the merge: breaks ties between equal times
	ev    event.Event
	done  bool
}

// merger yields events from several streams in event-time order: a k-way merge
// on each stream's head. Within one stream the decoder's order is kept.
type merger struct {
	h streamHeap
	// waiting are inputs not opened yet, sorted by the time of their first
	// event; open opens one when the merge reaches that time and returns it
	// primed, or nil when it has no event. So files that follow each other
	// in time (hourly rotated logs) are open one at a time.
	waiting []waiting
	open    func(w waiting) *stream
	// maxOpen is the most inputs that were open at once.
	maxOpen int
	joined  int

	onError func(in *Opened, err error) // called for each RecordError and fatal error
	// onDone is called once when a stream ends, to collect its counters and
	// close it, so a finished input does not hold its buffers to the end.
	onDone func(in *Opened)
}

type streamHeap []*stream

func (h streamHeap) Len() int { return len(h) }
func (h streamHeap) Less(i, j int) bool {
	if !h[i].ev.Time.Equal(h[j].ev.Time) {
		return h[i].ev.Time.Before(h[j].ev.Time)
	}
	return h[i].order < h[j].order
}
func (h streamHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *streamHeap) Push(x any)   { *h = append(*h, x.(*stream)) }
func (h *streamHeap) Pop() any {
	old := *h
	s := old[len(old)-1]
	*h = old[:len(old)-1]
	return s
}

// waiting is an input known by the time of its first event.
type waiting struct {
	path  Path
	first time.Time
}

// admit opens the waiting inputs whose first event is due: not after the
// current earliest head.
func (m *merger) admit() {
	for len(m.waiting) > 0 && (len(m.h) == 0 || !m.waiting[0].first.After(m.h[0].ev.Time)) {
		w := m.waiting[0]
		m.waiting = m.waiting[1:]
		if s := m.open(w); s != nil {
			m.joined++
			s.order = m.joined
			heap.Push(&m.h, s)
			m.maxOpen = max(m.maxOpen, len(m.h))
		}
	}
}

// add primes a stream and puts it in the merge if it has an event.
func (m *merger) add(in *Opened) {
	m.joined++
	s := &stream{in: in, order: m.joined}
	if m.advance(s) {
		heap.Push(&m.h, s)
		m.maxOpen = max(m.maxOpen, len(m.h))
	}
}

// advance reads the stream's next event, skipping bad records (reported
// through onError). It reports false at the end of the stream or on a fatal
// error.
func (m *merger) advance(s *stream) bool {
	for {
		s.ev.Reset()
		err := s.in.Decoder.Next(&s.ev)
		switch {
		case err == nil:
			return true
		case errors.Is(err, io.EOF):
			m.finish(s)
			return false
		case input.IsRecordError(err):
			m.onError(s.in, err)
		default:
			m.onError(s.in, err)
			m.finish(s)
			return false
		}
	}
}

// next returns the earliest head event, or nil when every stream is done. The
// event stays valid until the following call of next.
func (m *merger) next(prev *stream) (*stream, *event.Event) {
	if prev != nil {
		if m.advance(prev) {
			heap.Fix(&m.h, 0)
		} else {
			heap.Pop(&m.h)
		}
	}
	if len(m.waiting) > 0 {
		m.admit()
	}
	if len(m.h) == 0 {
		return nil, nil
	}
	s := m.h[0]
	return s, &s.ev
}

func (m *merger) finish(s *stream) {
	s.done = true
	if m.onDone != nil {
		m.onDone(s.in)
	}
}
