package state

import "hash/maphash"

// smallIndex is the capacity up to which an index scans its keys instead of
// hashing them: for a handful of entries a scan is faster and smaller.
const smallIndex = 16

// index maps keys to the dense ids [0, capacity) that TopK and LRU keep their
// per-entry data under. Above smallIndex entries it is an open-addressing
// table with linear probing and backward-shift deletion (no tombstones, so it
// never needs rebuilding), at most half full. A table word holds the top 32
// bits of the key's hash beside the id, so probing, insertion and removal
// read only the table, and only a matching tag costs a key comparison. The
// hash seed is random per instance so that nobody can aim colliding keys at
// one probe chain; the seed affects only where keys sit in the table, never
// which key is found or evicted, so results stay deterministic.
type index[K comparable] struct {
	seed  maphash.Seed
	clone func(K) K
	ents  []ientry[K] // by id
	table []uint64    // hash tag << 32 | id+1 per position, 0 when empty; nil in small mode
	mask  uint64
	shift uint8 // a hash's home position is hash >> shift
	hi    int   // ids below hi have held a key at some point (scan bound)
}

type ientry[K comparable] struct {
	key K
	pos int32 // position in table; -1 when the id holds no key
}

func newIndex[K comparable](capacity int, clone func(K) K) index[K] {
	ix := index[K]{seed: maphash.MakeSeed(), clone: clone, ents: make([]ientry[K], capacity)}
	for i := range ix.ents {
		ix.ents[i].pos = -1
	}
	if capacity > smallIndex {
		bits := uint8(1)
		for 1<<bits < 2*capacity {
			bits++
		}
		ix.table = make([]uint64, 1<<bits)
		ix.mask = 1<<bits - 1
		ix.shift = 64 - bits
	}
	return ix
}

// find returns the id holding k, or -1, and the hash of k to pass to insert.
func (ix *index[K]) find(k K) (int, uint64) {
	if ix.table == nil {
		for id := 0; id < ix.hi; id++ {
			if e := &ix.ents[id]; e.pos >= 0 && e.key == k {
				return id, 0
			}
		}
		return -1, 0
	}
	h := maphash.Comparable(ix.seed, k)
	for i := h >> ix.shift; ; i = (i + 1) & ix.mask {
		w := ix.table[i]
		if w == 0 {
			return -1, h
		}
		if w>>32 == h>>32 {
			if id := int(uint32(w)) - 1; ix.ents[id].key == k {
				return id, h
			}
		}
	}
}

// insert stores k (cloned) under the free id; h is what find returned for k.
func (ix *index[K]) insert(id int, k K, h uint64) {
	if ix.clone != nil {
		k = ix.clone(k)
	}
	e := &ix.ents[id]
	e.key, e.pos = k, 0
	if id >= ix.hi {
		ix.hi = id + 1
	}
	if ix.table == nil {
		return
	}
	i := h >> ix.shift
	for ix.table[i] != 0 {
		i = (i + 1) & ix.mask
	}
	ix.table[i] = h>>32<<32 | uint64(id+1)
	e.pos = int32(i)
}

// remove frees id, shifting later members of its probe chain back so that
// lookups never stop early at the hole.
func (ix *index[K]) remove(id int) {
	e := &ix.ents[id]
	if e.pos < 0 {
		return
	}
	var zero K
	pos := uint64(e.pos)
	e.key, e.pos = zero, -1
	if ix.table == nil {
		return
	}
	for j := (pos + 1) & ix.mask; ix.table[j] != 0; j = (j + 1) & ix.mask {
		w := ix.table[j]
		home := w >> ix.shift
		// w may move back to pos unless its home lies cyclically in (pos, j].
		if (j-home)&ix.mask >= (j-pos)&ix.mask {
			ix.table[pos] = w
			ix.ents[uint32(w)-1].pos = int32(pos)
			pos = j
		}
	}
	ix.table[pos] = 0
}

// reset frees every id in O(ids used).
func (ix *index[K]) reset() {
	var zero K
	for id := 0; id < ix.hi; id++ {
		e := &ix.ents[id]
		if e.pos >= 0 && ix.table != nil {
			ix.table[e.pos] = 0
		}
		e.key, e.pos = zero, -1
	}
	ix.hi = 0
}

// key returns the key held by id.
func (ix *index[K]) key(id int) K { return ix.ents[id].key }
