package pcap

// table is a bounded map from K to slots holding a V, with the slots kept in
// a doubly linked list from oldest to newest. It backs the pending queries
// (ordered by arrival), the TCP streams and the DoT flows (ordered by last
// use). Slots are reused through a free list, so a table that has reached
// its working size no longer allocates, and each V keeps the buffers it grew.
//
// Indexes returned by the table stay valid until the slot is removed.
type table[K comparable, V any] struct {
	index      map[K]int32
	slots      []tslot[K, V]
	free       []int32
	head, tail int32 // oldest and newest, -1 when empty
	max        int
}

type tslot[K comparable, V any] struct {
	key        K
	prev, next int32
	val        V
}

const none int32 = -1

func newTable[K comparable, V any](max int) *table[K, V] {
	hint := min(max, 1024)
	return &table[K, V]{index: make(map[K]int32, hint), head: none, tail: none, max: max}
}

func (t *table[K, V]) len() int { return len(t.index) }

func (t *table[K, V]) full() bool { return len(t.index) >= t.max }

func (t *table[K, V]) get(k K) (int32, bool) {
	i, ok := t.index[k]
	return i, ok
}

func (t *table[K, V]) val(i int32) *V { return &t.slots[i].val }

// oldest returns the head of the list, or none.
func (t *table[K, V]) oldest() int32 { return t.head }

// alloc takes a free slot for a new entry. The caller fills its value (so a
// key may point into the value's own storage) and then calls insert. The
// caller makes room first when the table is full.
func (t *table[K, V]) alloc() int32 {
	if n := len(t.free); n > 0 {
		i := t.free[n-1]
		t.free = t.free[:n-1]
		return i
	}
	t.slots = append(t.slots, tslot[K, V]{prev: none, next: none})
	return int32(len(t.slots) - 1)
}

// insert indexes slot i under k and links it at the newest end.
func (t *table[K, V]) insert(i int32, k K) {
	t.slots[i].key = k
	t.index[k] = i
	t.link(i)
}

// remove unlinks slot i and puts it on the free list. Its value keeps its
// buffers for the next user.
func (t *table[K, V]) remove(i int32) {
	delete(t.index, t.slots[i].key)
	var zero K
	t.slots[i].key = zero
	t.unlink(i)
	t.free = append(t.free, i)
}

// touch moves slot i to the newest end.
func (t *table[K, V]) touch(i int32) {
	if t.tail == i {
		return
	}
	t.unlink(i)
	t.link(i)
}

func (t *table[K, V]) link(i int32) {
	s := &t.slots[i]
	s.prev, s.next = t.tail, none
	if t.tail != none {
		t.slots[t.tail].next = i
	} else {
		t.head = i
	}
	t.tail = i
}

func (t *table[K, V]) unlink(i int32) {
	s := &t.slots[i]
	if s.prev != none {
		t.slots[s.prev].next = s.next
	} else {
		t.head = s.next
	}
	if s.next != none {
		t.slots[s.next].prev = s.prev
	} else {
		t.tail = s.prev
	}
	s.prev, s.next = none, none
}
