package state

import (
	"fmt"
	"math"
	"time"
)

// LRU is a map of at most Cap entries that forgets the least recently touched
// entry to make room (an eviction) and, when its TTL is positive, treats an
// entry untouched for TTL of event time as absent (an expiration). Detectors
// use it for first-seen and novelty state keyed by names or addresses.
//
// Recency is the order of touches (Get, Upsert, Put), and an entry's touch
// time is the latest event time it was touched with, so events slightly out
// of order never move an entry back in time. Expire walks from the least
// recently touched entry and stops at the first one still within TTL.
//
// No operation allocates once the map is full: entries live in preallocated
// slices and a new key reuses the evicted entry's storage. An LRU is not safe
// for concurrent use.
type LRU[K comparable, V any] struct {
	idx         index[K]
	vals        []V
	touched     []time.Time
	prev, next  []int32 // recency list by id; head is the most recent
	head, tail  int32   // -1 when empty
	free        []int32 // ids freed by Delete and expiry
	n           int
	ttl         time.Duration
	evictions   int64
	expirations int64
}

// NewLRU returns a map of capacity entries; ttl 0 means entries never
// expire. clone, when not nil, is applied to a key when it is inserted (see
// NewTopK).
func NewLRU[K comparable, V any](capacity int, ttl time.Duration, clone func(K) K) (*LRU[K, V], error) {
	if capacity <= 0 || capacity > math.MaxInt32/2 {
		return nil, fmt.Errorf("new lru with capacity %d: %w", capacity, ErrCapacity)
	}
	if ttl < 0 {
		return nil, fmt.Errorf("new lru: ttl %v is negative", ttl)
	}
	return &LRU[K, V]{
		idx:     newIndex(capacity, clone),
		vals:    make([]V, capacity),
		touched: make([]time.Time, capacity),
		prev:    make([]int32, capacity),
		next:    make([]int32, capacity),
		head:    -1,
		tail:    -1,
		free:    make([]int32, 0, capacity),
		ttl:     ttl,
	}, nil
}

// Get returns the value of k and touches it at now. An entry older than the
// TTL is expired instead and reported absent.
func (m *LRU[K, V]) Get(k K, now time.Time) (V, bool) {
	id := m.live(k, now)
	if id < 0 {
		var zero V
		return zero, false
	}
	m.touch(id, now)
	return m.vals[id], true
}

// Ref returns a pointer to the value of k and touches it at now, without
// inserting: absent or expired keys give false (an expired entry is
// removed). The pointer is valid until the next call that inserts,
// deletes or expires.
func (m *LRU[K, V]) Ref(k K, now time.Time) (*V, bool) {
	id := m.live(k, now)
	if id < 0 {
		return nil, false
	}
	m.touch(id, now)
	return &m.vals[id], true
}

// Each calls fn for each entry, most recently touched first, until fn
// returns false. fn must not insert, delete or touch entries.
func (m *LRU[K, V]) Each(fn func(k K, v *V) bool) {
	for id := m.head; id >= 0; id = m.next[id] {
		if !fn(m.idx.key(int(id)), &m.vals[id]) {
			return
		}
	}
}

// Peek returns the value of k without touching it or expiring it.
func (m *LRU[K, V]) Peek(k K) (V, bool) {
	id, _ := m.idx.find(k)
	if id < 0 {
		var zero V
		return zero, false
	}
	return m.vals[id], true
}

// Upsert touches k at now and returns a pointer to its value, inserting a
// zero value (inserted true) when k was absent or expired. The pointer is
// valid until the next call that inserts, deletes or expires.
func (m *LRU[K, V]) Upsert(k K, now time.Time) (v *V, inserted bool) {
	id, h := m.idx.find(k)
	if id >= 0 && m.expired(id, now) {
		m.drop(id)
		m.expirations++
		id = -1
	}
	if id >= 0 {
		m.touch(id, now)
		return &m.vals[id], false
	}
	id = m.alloc()
	m.idx.insert(id, k, h)
	var zero V
	m.vals[id] = zero
	m.touched[id] = now
	m.pushFront(id)
	m.n++
	return &m.vals[id], true
}

// Put sets the value of k and touches it at now.
func (m *LRU[K, V]) Put(k K, v V, now time.Time) {
	p, _ := m.Upsert(k, now)
	*p = v
}

// Delete removes k and reports whether it was present.
func (m *LRU[K, V]) Delete(k K) bool {
	id, _ := m.idx.find(k)
	if id < 0 {
		return false
	}
	m.drop(id)
	return true
}

// Expire removes entries untouched for the TTL as of now, oldest first, and
// returns how many it removed. It does nothing when the TTL is 0.
func (m *LRU[K, V]) Expire(now time.Time) int {
	removed := 0
	for m.tail >= 0 && m.expired(int(m.tail), now) {
		m.drop(int(m.tail))
		m.expirations++
		removed++
	}
	return removed
}

// Len returns the number of entries held (expired ones included until they
// are touched or Expire runs).
func (m *LRU[K, V]) Len() int { return m.n }

// Cap returns the fixed capacity.
func (m *LRU[K, V]) Cap() int { return len(m.vals) }

// Evictions returns how many entries were dropped to make room.
func (m *LRU[K, V]) Evictions() int64 { return m.evictions }

// Expirations returns how many entries were dropped for age.
func (m *LRU[K, V]) Expirations() int64 { return m.expirations }

// live returns the id of k, or -1 when absent or expired (dropping it).
func (m *LRU[K, V]) live(k K, now time.Time) int {
	id, _ := m.idx.find(k)
	if id >= 0 && m.expired(id, now) {
		m.drop(id)
		m.expirations++
		return -1
	}
	return id
}

func (m *LRU[K, V]) expired(id int, now time.Time) bool {
	return m.ttl > 0 && !now.Before(m.touched[id].Add(m.ttl))
}

// alloc returns a free id, evicting the least recently touched entry when
// the map is full.
func (m *LRU[K, V]) alloc() int {
	if n := len(m.free); n > 0 {
		id := m.free[n-1]
		m.free = m.free[:n-1]
		return int(id)
	}
	if m.idx.hi < len(m.vals) {
		return m.idx.hi
	}
	id := int(m.tail)
	m.unlink(id)
	m.idx.remove(id)
	m.n--
	m.evictions++
	return id
}

// drop removes id and puts it on the free list.
func (m *LRU[K, V]) drop(id int) {
	m.unlink(id)
	m.idx.remove(id)
	var zero V
	m.vals[id] = zero
	m.free = append(m.free, int32(id))
	m.n--
}

func (m *LRU[K, V]) touch(id int, now time.Time) {
	if now.After(m.touched[id]) {
		m.touched[id] = now
	}
	if int32(id) != m.head {
		m.unlink(id)
		m.pushFront(id)
	}
}

func (m *LRU[K, V]) pushFront(id int) {
	m.prev[id], m.next[id] = -1, m.head
	if m.head >= 0 {
		m.prev[m.head] = int32(id)
	}
	m.head = int32(id)
	if m.tail < 0 {
		m.tail = int32(id)
	}
}

func (m *LRU[K, V]) unlink(id int) {
	p, n := m.prev[id], m.next[id]
	if p >= 0 {
		m.next[p] = n
	} else {
		m.head = n
	}
	if n >= 0 {
		m.prev[n] = p
	} else {
		m.tail = p
	}
}
