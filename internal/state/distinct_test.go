package state

import (
	"math"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDistinctExact(t *testing.T) {
	tests := []struct {
		name      string
		exact     int
		values    []string
		want      uint64
		wantExact bool
	}{
		{name: "empty", exact: 4, want: 0, wantExact: true},
		{name: "duplicates count once", exact: 4, values: []string{"a", "b", "a", "a", "b"}, want: 2, wantExact: true},
		{name: "exactly at capacity", exact: 3, values: []string{"a", "b", "c", "c"}, want: 3, wantExact: true},
		{name: "one past capacity switches to the sketch", exact: 3, values: []string{"a", "b", "c", "d"}, want: 4, wantExact: false},
		{name: "sketch never reports below capacity plus one", exact: 3, values: []string{"a", "b", "c", "d", "a", "b"}, want: 4, wantExact: false},
		{name: "values beyond the inline four spill exactly", exact: 8, values: []string{"a", "b", "c", "d", "e", "f", "e", "a"}, want: 6, wantExact: true},
		{name: "overflow carries inline and spilled values", exact: 6, values: []string{"a", "b", "c", "d", "e", "f", "g"}, want: 7, wantExact: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := NewDistinct(tc.exact, 8)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range tc.values {
				d.Add(HashString(0, v))
			}
			got := struct {
				Count uint64
				Exact bool
			}{d.Count(), d.Exact()}
			want := struct {
				Count uint64
				Exact bool
			}{tc.want, tc.wantExact}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestDistinctEstimate checks the sketch against the true count, allowing
// four standard errors (the hash is deterministic, so the result is too).
func TestDistinctEstimate(t *testing.T) {
	tests := []struct {
		name      string
		precision uint8
		n         int
	}{
		{name: "linear counting range", precision: 8, n: 100},
		{name: "p8 thousands", precision: 8, n: 5000},
		{name: "p12 hundred thousand", precision: 12, n: 100000},
		{name: "p4 coarse", precision: 4, n: 2000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := NewDistinct(16, tc.precision)
			if err != nil {
				t.Fatal(err)
			}
			for i := range tc.n {
				d.Add(HashString(3, "n"+strconv.Itoa(i)+".example.net"))
				d.Add(HashString(3, "n"+strconv.Itoa(i/2)+".example.net")) // repeats
			}
			se := 1.04 / math.Sqrt(float64(uint64(1)<<tc.precision))
			got := float64(d.Count())
			if rel := math.Abs(got-float64(tc.n)) / float64(tc.n); rel > 4*se {
				t.Errorf("estimate %v for %d values: relative error %.3f above %.3f", got, tc.n, rel, 4*se)
			}
		})
	}
}

func TestNewDistinctBounds(t *testing.T) {
	tests := []struct {
		name      string
		exact     int
		precision uint8
		ok        bool
	}{
		{"smallest", 1, MinPrecision, true},
		{"largest", MaxExact, MaxPrecision, true},
		{"zero exact", 0, 8, false},
		{"exact too large", MaxExact + 1, 8, false},
		{"precision too small", 8, MinPrecision - 1, false},
		{"precision too large", 8, MaxPrecision + 1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewDistinct(tc.exact, tc.precision)
			if (err == nil) != tc.ok {
				t.Errorf("NewDistinct(%d, %d) error = %v, want ok %v", tc.exact, tc.precision, err, tc.ok)
			}
		})
	}
}

// TestDistinctFlood adds a million distinct values: storage stays at its
// fixed size and the estimate stays within bounds; Reset returns to exact
// counting without allocating.
func TestDistinctFlood(t *testing.T) {
	d, err := NewDistinct(16, 10)
	if err != nil {
		t.Fatal(err)
	}
	const n = 1_000_000
	for i := range uint64(n) {
		d.Add(HashUint64(9, i))
	}
	if d.n > 16 || cap(d.extra.spill) > 16-distinctInline || len(d.extra.regs) != 1<<10 {
		t.Errorf("storage grew: exact %d (spill capacity %d), registers %d", d.n, cap(d.extra.spill), len(d.extra.regs))
	}
	if rel := math.Abs(float64(d.Count())-n) / n; rel > 4*1.04/32 {
		t.Errorf("estimate %d for %d: relative error %.3f", d.Count(), n, rel)
	}
	d.Reset()
	if d.Count() != 0 || !d.Exact() {
		t.Errorf("after Reset: count %d, exact %v", d.Count(), d.Exact())
	}
	var i uint64
	if a := testing.AllocsPerRun(1000, func() {
		d.Add(HashUint64(1, i))
		i++
		if i%100 == 0 {
			d.Reset()
		}
	}); a != 0 {
		t.Errorf("Add/Reset after the first overflow allocates %.1f times, want 0", a)
	}
}

func BenchmarkDistinctAdd(b *testing.B) {
	for _, tc := range []struct {
		name   string
		values uint64
	}{{"exact", 8}, {"sketch", 1 << 20}} {
		b.Run(tc.name, func(b *testing.B) {
			d, _ := NewDistinct(16, 8)
			b.ReportAllocs()
			var i uint64
			for b.Loop() {
				d.Add(HashUint64(1, i%tc.values))
				i++
			}
		})
	}
}

func TestDistinctMerge(t *testing.T) {
	tests := []struct {
		name         string
		a, b         int // values 0..a-1 in one, b/2..b/2+b-1 in the other
		exact        bool
		want, within int
	}{
		{name: "both exact, overlapping", a: 10, b: 10, exact: true, want: 15},
		{name: "exact into empty", a: 0, b: 8, exact: true, want: 8},
		{name: "union past the exact capacity", a: 40, b: 60, want: 90, within: 9},
		{name: "sketch into exact", a: 5, b: 1000, want: 1000, within: 100},
		{name: "sketch into empty", a: 0, b: 1000, want: 1000, within: 100},
		{name: "both sketches", a: 2000, b: 2000, want: 3000, within: 300},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, _ := NewDistinct(64, 8)
			b, _ := NewDistinct(64, 8)
			for i := range tc.a {
				a.Add(HashString(1, strconv.Itoa(i)))
			}
			for i := range tc.b {
				b.Add(HashString(1, strconv.Itoa(tc.b/2+i)))
			}
			a.Merge(b)
			got := int(a.Count())
			if a.Exact() != tc.exact {
				t.Errorf("Exact() = %v, want %v", a.Exact(), tc.exact)
			}
			if got < tc.want-tc.within || got > tc.want+tc.within {
				t.Errorf("Count() = %d, want %d ± %d", got, tc.want, tc.within)
			}
		})
	}
}
