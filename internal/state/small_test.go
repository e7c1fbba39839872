package state

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSmallTopK(t *testing.T) {
	type op struct {
		h uint64
		n uint32
	}
	tests := []struct {
		name  string
		size  int
		ops   []op
		slots []SmallSlot
		want  SmallTopK
	}{
		{
			name: "fills empty entries then counts", size: 3,
			ops:   []op{{1, 1}, {2, 1}, {1, 2}},
			slots: []SmallSlot{{Index: 0, New: true}, {Index: 1, New: true}, {Index: 0}},
			want:  SmallTopK{{1, 3, 0}, {2, 1, 0}, {}},
		},
		{
			name: "full sketch replaces the minimum, which becomes the error", size: 2,
			ops:   []op{{1, 5}, {2, 2}, {3, 1}},
			slots: []SmallSlot{{Index: 0, New: true}, {Index: 1, New: true}, {Index: 1, New: true, Evicted: true}},
			want:  SmallTopK{{1, 5, 0}, {3, 3, 2}},
		},
		{
			name: "a hash after an empty entry is still found", size: 3,
			ops:   []op{{1, 1}, {2, 1}, {2, 1}},
			slots: []SmallSlot{{Index: 0, New: true}, {Index: 1, New: true}, {Index: 1}},
			want:  SmallTopK{{1, 1, 0}, {2, 2, 0}, {}},
		},
		{
			name: "counts saturate", size: 1,
			ops:   []op{{1, 1 << 31}, {1, 1 << 31}, {1, 1 << 31}},
			slots: []SmallSlot{{Index: 0, New: true}, {Index: 0}, {Index: 0}},
			want:  SmallTopK{{1, 1<<32 - 1, 0}},
		},
		{
			name: "zero-length sketch and zero adds change nothing", size: 0,
			ops:   []op{{1, 1}, {2, 0}},
			slots: []SmallSlot{{Index: -1}, {Index: -1}},
			want:  SmallTopK{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := make(SmallTopK, tc.size)
			var slots []SmallSlot
			for _, o := range tc.ops {
				slots = append(slots, s.Add(o.h, o.n))
			}
			if d := cmp.Diff(tc.slots, slots); d != "" {
				t.Errorf("slots (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.want, s); d != "" {
				t.Errorf("entries (-want +got):\n%s", d)
			}
			s.Reset()
			if d := cmp.Diff(make(SmallTopK, tc.size), s); d != "" {
				t.Errorf("after Reset (-want +got):\n%s", d)
			}
		})
	}
}

// TestSmallTopKFlood adds a million unique hashes to ten entries with one
// heavy hash among them: the sketch keeps its size and the heavy hash's
// guaranteed count stays within N/size of the truth.
func TestSmallTopKFlood(t *testing.T) {
	s := make(SmallTopK, 10)
	const n, heavyEvery = 1_000_000, 5
	heavy := HashString(0, "heavy")
	var heavyTrue, evictions uint32
	for i := range uint64(n) {
		if s.Add(HashUint64(0, i), 1).Evicted {
			evictions++
		}
		if i%heavyEvery == 0 {
			s.Add(heavy, 1)
			heavyTrue++
		}
	}
	total := uint32(n + n/heavyEvery)
	found := false
	for _, e := range s {
		if e.Hash == heavy {
			found = true
			if g := e.Count - e.Err; g > heavyTrue || g+total/10 < heavyTrue {
				t.Errorf("heavy guaranteed %d, true %d, bound %d", g, heavyTrue, total/10)
			}
		}
	}
	if !found {
		t.Error("heavy hash not tracked")
	}
	if evictions < n-10 {
		t.Errorf("evictions %d, want at least %d", evictions, n-10)
	}
}

func BenchmarkSmallTopKAdd(b *testing.B) {
	s := make(SmallTopK, 10)
	hs := []uint64{1, 2, 3, 4, 5, 6, 7}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s.Add(hs[i%len(hs)], 1)
		i++
	}
}
