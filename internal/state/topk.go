package state

import (
	"errors"
	"fmt"
	"math"
)

// TopK counts occurrences of keys in a fixed number of entries with the
// Space-Saving algorithm (Metwally, Agrawal, El Abbadi, 2005). While fewer
// than Cap keys have been seen the counts are exact. When it is full, a new
// key takes over the entry with the smallest count and inherits that count as
// its error bound: its true count lies in [Count-Err, Count]. Any key whose
// true count exceeds N/Cap (N = the sum of all additions) is guaranteed to be
// tracked, so a caller that alerts on Count-Err > threshold never alerts on a
// key below the threshold, and misses no key above threshold+N/Cap.
//
// Entries live at stable ids in [0, Cap); Add reports the id so a caller can
// keep a payload per entry in its own slice, and reports when the id changed
// hands so the caller resets that payload. Ids are dense: after n distinct
// keys, ids [0, min(n, Cap)) are in use.
//
// Entries with equal counts share a bucket, and buckets form a list in
// increasing count order (the paper's Stream-Summary), so adding 1 and
// replacing the minimum take constant time and touch few cache lines even
// when a flood of unique keys cycles through every entry. Adding n > 1 walks
// past the buckets whose counts it jumps over. Among entries with the
// smallest count, the one that reached it first is replaced first. No
// operation allocates. A TopK is not safe for concurrent use.
type TopK[K comparable] struct {
	idx       index[K]
	nodes     []tnode   // by id; len = ids in use
	buckets   []tbucket // pool, at most one per entry
	freeB     int32     // free bucket list through next; -1 when empty
	head      int32     // bucket with the smallest count; -1 when empty
	evictions int64
}

// tnode is an entry's place: its bucket and its neighbours in the bucket's
// circular list.
type tnode struct {
	err        uint64
	bucket     int32
	prev, next int32
}

// tbucket holds the entries with one count; first is the entry that joined
// earliest.
type tbucket struct {
	count      uint64
	first      int32
	prev, next int32 // neighbouring buckets in count order; -1 at the ends
}

// Slot says where an Add landed.
type Slot struct {
	// ID is the entry's index in [0, Cap).
	ID int
	// Count is the entry's count after the Add, an upper bound of the key's
	// true count; Err bounds the overcount (Count-Err is guaranteed).
	Count, Err uint64
	// New is true when the key was not tracked before this Add, so any
	// payload the caller keeps under ID belongs to a previous key.
	New bool
	// Evicted is true when a tracked key was dropped to make room.
	Evicted bool
}

// Guaranteed returns Count-Err, the number of additions certainly made for
// the key.
func (s Slot) Guaranteed() uint64 { return s.Count - s.Err }

// ErrCapacity is returned by constructors given a capacity they cannot use.
var ErrCapacity = errors.New("capacity must be positive and fit in 30 bits")

// NewTopK returns a counter with capacity entries. clone, when not nil, is
// applied to a key when it is inserted, so lookups may pass keys holding
// borrowed memory (strings from an event) and only stored keys own theirs.
func NewTopK[K comparable](capacity int, clone func(K) K) (*TopK[K], error) {
	if capacity <= 0 || capacity > math.MaxInt32/2 {
		return nil, fmt.Errorf("new top-k with capacity %d: %w", capacity, ErrCapacity)
	}
	t := &TopK[K]{
		idx:     newIndex(capacity, clone),
		nodes:   make([]tnode, 0, capacity),
		buckets: make([]tbucket, capacity),
	}
	t.Reset()
	return t, nil
}

// Add counts n (at least 1) more occurrences of k; n 0 is taken as 1.
func (t *TopK[K]) Add(k K, n uint64) Slot {
	n = max(n, 1)
	id, h := t.idx.find(k)
	if id >= 0 {
		b := t.bump(id, n)
		return Slot{ID: id, Count: t.buckets[b].count, Err: t.nodes[id].err}
	}
	if len(t.nodes) < cap(t.nodes) {
		id = len(t.nodes)
		t.idx.insert(id, k, h)
		t.nodes = append(t.nodes, tnode{})
		b := t.place(id, n)
		return Slot{ID: id, Count: t.buckets[b].count, New: true}
	}
	low := t.buckets[t.head].count
	id = int(t.buckets[t.head].first)
	t.idx.remove(id)
	t.idx.insert(id, k, h)
	t.evictions++
	t.nodes[id].err = low
	b := t.bump(id, n)
	return Slot{ID: id, Count: t.buckets[b].count, Err: low, New: true, Evicted: true}
}

// Get returns the count and error bound of k, if k is tracked.
func (t *TopK[K]) Get(k K) (count, errBound uint64, ok bool) {
	id, _ := t.idx.find(k)
	if id < 0 {
		return 0, 0, false
	}
	return t.buckets[t.nodes[id].bucket].count, t.nodes[id].err, true
}

// Lookup returns the id of k, if k is tracked.
func (t *TopK[K]) Lookup(k K) (id int, ok bool) {
	id, _ = t.idx.find(k)
	return id, id >= 0
}

// Entry returns the key, count and error bound held by id, which must be
// below Len.
func (t *TopK[K]) Entry(id int) (k K, count, errBound uint64) {
	nd := &t.nodes[id]
	return t.idx.key(id), t.buckets[nd.bucket].count, nd.err
}

// Len returns the number of tracked keys; their ids are [0, Len).
func (t *TopK[K]) Len() int { return len(t.nodes) }

// Cap returns the fixed number of entries.
func (t *TopK[K]) Cap() int { return cap(t.nodes) }

// Min returns the smallest tracked count (0 when empty): the error bound a
// new key would inherit when the counter is full.
func (t *TopK[K]) Min() uint64 {
	if t.head < 0 {
		return 0
	}
	return t.buckets[t.head].count
}

// Evictions returns how many keys were dropped to make room since the
// counter was made (Reset does not clear it).
func (t *TopK[K]) Evictions() int64 { return t.evictions }

// Reset forgets every key in O(Len), keeping the storage.
func (t *TopK[K]) Reset() {
	t.idx.reset()
	t.nodes = t.nodes[:0]
	for i := range t.buckets {
		t.buckets[i].next = int32(i + 1)
	}
	t.buckets[len(t.buckets)-1].next = -1
	t.freeB, t.head = 0, -1
}

// bump moves id, which is in a bucket, n counts up and returns its bucket.
func (t *TopK[K]) bump(id int, n uint64) int32 {
	from := t.nodes[id].bucket
	c := addSat(t.buckets[from].count, n)
	// to: the last bucket whose count is at most c.
	to := from
	for nx := t.buckets[to].next; nx >= 0 && t.buckets[nx].count <= c; nx = t.buckets[nx].next {
		to = nx
	}
	if to == from {
		if t.nodes[id].next == int32(id) {
			// Alone in its bucket, which no other bucket separates from c.
			t.buckets[from].count = c
			return from
		}
		t.unlink(id)
		return t.join(id, t.newBucket(c, from))
	}
	t.unlink(id)
	if t.buckets[to].count != c {
		to = t.newBucket(c, to)
	}
	t.join(id, to)
	t.freeIfEmpty(from)
	return to
}

// place puts the new id with count n into the bucket list.
func (t *TopK[K]) place(id int, n uint64) int32 {
	prev := int32(-1)
	for b := t.head; b >= 0 && t.buckets[b].count <= n; b = t.buckets[b].next {
		prev = b
	}
	if prev < 0 || t.buckets[prev].count != n {
		prev = t.newBucket(n, prev)
	}
	return t.join(id, prev)
}

// newBucket takes a bucket from the pool with count c and links it after
// bucket after (-1: at the head).
func (t *TopK[K]) newBucket(c uint64, after int32) int32 {
	b := t.freeB
	t.freeB = t.buckets[b].next
	nb := &t.buckets[b]
	nb.count, nb.first, nb.prev = c, -1, after
	if after < 0 {
		nb.next = t.head
		t.head = b
	} else {
		nb.next = t.buckets[after].next
		t.buckets[after].next = b
	}
	if nb.next >= 0 {
		t.buckets[nb.next].prev = b
	}
	return b
}

// freeIfEmpty returns bucket b to the pool when no entry is left in it.
func (t *TopK[K]) freeIfEmpty(b int32) {
	bk := &t.buckets[b]
	if bk.first >= 0 {
		return
	}
	if bk.prev >= 0 {
		t.buckets[bk.prev].next = bk.next
	} else {
		t.head = bk.next
	}
	if bk.next >= 0 {
		t.buckets[bk.next].prev = bk.prev
	}
	bk.next = t.freeB
	t.freeB = b
}

// join appends id at the end of bucket b's list and returns b.
func (t *TopK[K]) join(id int, b int32) int32 {
	nd := &t.nodes[id]
	nd.bucket = b
	bk := &t.buckets[b]
	if bk.first < 0 {
		bk.first, nd.prev, nd.next = int32(id), int32(id), int32(id)
		return b
	}
	first := bk.first
	last := t.nodes[first].prev
	nd.prev, nd.next = last, first
	t.nodes[last].next = int32(id)
	t.nodes[first].prev = int32(id)
	return b
}

// unlink takes id out of its bucket's list, leaving the bucket possibly
// empty (first -1).
func (t *TopK[K]) unlink(id int) {
	nd := &t.nodes[id]
	bk := &t.buckets[nd.bucket]
	if nd.next == int32(id) {
		bk.first = -1
		return
	}
	t.nodes[nd.prev].next = nd.next
	t.nodes[nd.next].prev = nd.prev
	if bk.first == int32(id) {
		bk.first = nd.next
	}
}

func addSat(a, b uint64) uint64 {
	if s := a + b; s >= a {
		return s
	}
	return math.MaxUint64
}
