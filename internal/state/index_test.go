package state

import (
	"math/rand/v2"
	"testing"
)

// TestIndexChurn drives random inserts and removals against a reference map
// and checks every lookup, so probe chains broken by a removal would show.
func TestIndexChurn(t *testing.T) {
	tests := []struct {
		name     string
		capacity int
		universe int
	}{
		{name: "scanned", capacity: 12, universe: 40},
		{name: "hashed", capacity: 40, universe: 120},
		{name: "hashed, table nearly half full", capacity: 64, universe: 70},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, uint64(tc.capacity)))
			ix := newIndex[int](tc.capacity, nil)
			ref := map[int]int{} // key -> id
			var freeIDs []int
			for id := tc.capacity - 1; id >= 0; id-- {
				freeIDs = append(freeIDs, id)
			}
			for step := range 20000 {
				k := rng.IntN(tc.universe)
				id, h := ix.find(k)
				if want, ok := ref[k]; ok != (id >= 0) || ok && want != id {
					t.Fatalf("step %d: find(%d) = %d, want %d (present %v)", step, k, id, want, ok)
				}
				switch {
				case id >= 0:
					ix.remove(id)
					delete(ref, k)
					freeIDs = append(freeIDs, id)
				case len(freeIDs) > 0:
					nid := freeIDs[len(freeIDs)-1]
					freeIDs = freeIDs[:len(freeIDs)-1]
					ix.insert(nid, k, h)
					ref[k] = nid
				}
				if step%1000 == 999 {
					ix.reset()
					clear(ref)
					freeIDs = freeIDs[:0]
					for id := tc.capacity - 1; id >= 0; id-- {
						freeIDs = append(freeIDs, id)
					}
				}
			}
		})
	}
}
