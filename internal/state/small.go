package state

import "math"

// HashCount is one entry of a SmallTopK: a value's hash, its count (an upper
// bound) and the error bound it inherited (Count-Err is guaranteed). Count 0
// marks an empty entry.
type HashCount struct {
	Hash       uint64
	Count, Err uint32
}

// SmallTopK is a Space-Saving heavy-hitter sketch (see TopK) over hashes,
// kept in a slice the caller owns, for the many small per-key sketches a
// detector needs: "the top domains of each client". Keeping only hashes and
// 32-bit counts makes an entry 16 bytes, and slicing one large array into
// sketches keeps each key's sketch in contiguous memory with no allocation of
// its own. Add scans the entries, so it suits sizes up to a few dozen.
//
// The zero value of every entry is empty; Reset empties the sketch. A caller
// that needs the value behind a hash (a name) keeps it in a parallel slice
// indexed like the entries and replaces it when Add reports a new entry.
type SmallTopK []HashCount

// SmallSlot says where an Add landed in a SmallTopK.
type SmallSlot struct {
	// Index is the entry's position in the sketch.
	Index int
	// New is true when the hash was not tracked before (the caller's
	// parallel value must be replaced); Evicted when another hash was dropped
	// to make room.
	New, Evicted bool
}

// Add counts n more occurrences of the value with hash h. A sketch of
// length 0, or n 0, changes nothing and reports Index -1.
func (s SmallTopK) Add(h uint64, n uint32) SmallSlot {
	if n == 0 {
		return SmallSlot{Index: -1}
	}
	lo, free := -1, -1
	for i := range s {
		e := &s[i]
		switch {
		case e.Count == 0:
			if free < 0 {
				free = i
			}
		case e.Hash == h:
			e.Count = addSat32(e.Count, n)
			return SmallSlot{Index: i}
		case lo < 0 || e.Count < s[lo].Count:
			lo = i
		}
	}
	if free >= 0 {
		s[free] = HashCount{Hash: h, Count: n}
		return SmallSlot{Index: free, New: true}
	}
	if lo < 0 {
		return SmallSlot{Index: -1}
	}
	e := &s[lo]
	*e = HashCount{Hash: h, Count: addSat32(e.Count, n), Err: e.Count}
	return SmallSlot{Index: lo, New: true, Evicted: true}
}

// Reset empties the sketch.
func (s SmallTopK) Reset() { clear(s) }

func addSat32(a, b uint32) uint32 {
	if s := a + b; s >= a {
		return s
	}
	return math.MaxUint32
}
