package state

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type countRow struct {
	Key        string
	Count, Err uint64
}

// rows lists a TopK's entries sorted by key.
func rows(t *TopK[string]) []countRow {
	var out []countRow
	for id := range t.Len() {
		k, c, e := t.Entry(id)
		out = append(out, countRow{k, c, e})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

type add struct {
	key string
	n   uint64
}

func adds(keys string) []add {
	var out []add
	for _, k := range strings.Fields(keys) {
		out = append(out, add{k, 1})
	}
	return out
}

func TestTopK(t *testing.T) {
	tests := []struct {
		name      string
		capacity  int
		adds      []add
		want      []countRow
		evictions int64
	}{
		{
			name: "under capacity counts are exact", capacity: 3,
			adds: adds("a b a c a"),
			want: []countRow{{"a", 3, 0}, {"b", 1, 0}, {"c", 1, 0}},
		},
		{
			name: "newcomer replaces the minimum and inherits its count as error", capacity: 2,
			adds: adds("a a b c"),
			want: []countRow{{"a", 2, 0}, {"c", 2, 1}}, evictions: 1,
		},
		{
			name: "weighted adds", capacity: 2,
			adds: []add{{"a", 5}, {"b", 3}, {"c", 1}},
			want: []countRow{{"a", 5, 0}, {"c", 4, 3}}, evictions: 1,
		},
		{
			name: "returning key is counted again from the minimum", capacity: 2,
			adds: adds("a a a b c b"),
			want: []countRow{{"a", 3, 0}, {"b", 3, 2}}, evictions: 2,
		},
		{
			name: "hashed index above the small size", capacity: 17,
			// k1..k17 with weights 1..17; z takes over k1, the unique minimum.
			adds: append(weighted("k", 17), add{"z", 1}),
			want: append(weightedRows("k", 17)[1:], countRow{"z", 2, 1}), evictions: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tk, err := NewTopK[string](tc.capacity, strings.Clone)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range tc.adds {
				tk.Add(a.key, a.n)
			}
			want := append([]countRow(nil), tc.want...)
			sort.Slice(want, func(i, j int) bool { return want[i].Key < want[j].Key })
			if d := cmp.Diff(want, rows(tk)); d != "" {
				t.Errorf("entries (-want +got):\n%s", d)
			}
			if tk.Evictions() != tc.evictions {
				t.Errorf("evictions = %d, want %d", tk.Evictions(), tc.evictions)
			}
		})
	}
}

// weighted adds prefix1..prefixN with weights 1..n.
func weighted(prefix string, n int) []add {
	var out []add
	for i := 1; i <= n; i++ {
		out = append(out, add{prefix + strconv.Itoa(i), uint64(i)})
	}
	return out
}

func weightedRows(prefix string, n int) []countRow {
	var out []countRow
	for i := 1; i <= n; i++ {
		out = append(out, countRow{prefix + strconv.Itoa(i), uint64(i), 0})
	}
	return out
}

func TestTopKSlot(t *testing.T) {
	tk, err := NewTopK[string](2, nil)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		key  string
		want Slot
	}{
		{"a", Slot{ID: 0, Count: 1, New: true}},
		{"b", Slot{ID: 1, Count: 1, New: true}},
		{"a", Slot{ID: 0, Count: 2}},
		{"c", Slot{ID: 1, Count: 2, Err: 1, New: true, Evicted: true}},
		{"c", Slot{ID: 1, Count: 3, Err: 1}},
	}
	for i, s := range steps {
		if d := cmp.Diff(s.want, tk.Add(s.key, 1)); d != "" {
			t.Errorf("step %d add %q (-want +got):\n%s", i, s.key, d)
		}
	}
	if c, e, ok := tk.Get("c"); !ok || c != 3 || e != 1 {
		t.Errorf("Get(c) = %d, %d, %v; want 3, 1, true", c, e, ok)
	}
	if _, _, ok := tk.Get("b"); ok {
		t.Error("Get(b) found an evicted key")
	}
	if tk.Min() != 2 {
		t.Errorf("Min = %d, want 2", tk.Min())
	}
	tk.Reset()
	if tk.Len() != 0 || tk.Min() != 0 {
		t.Errorf("after Reset Len = %d, Min = %d", tk.Len(), tk.Min())
	}
	if _, _, ok := tk.Get("a"); ok {
		t.Error("Get(a) found a key after Reset")
	}
	if d := cmp.Diff(Slot{ID: 0, Count: 1, New: true}, tk.Add("z", 1)); d != "" {
		t.Errorf("first add after Reset (-want +got):\n%s", d)
	}
	if tk.Evictions() != 1 {
		t.Errorf("evictions after Reset = %d, want 1 (cumulative)", tk.Evictions())
	}
}

func TestNewTopKCapacity(t *testing.T) {
	for _, c := range []int{0, -1, 1 << 31} {
		t.Run(strconv.Itoa(c), func(t *testing.T) {
			if _, err := NewTopK[int](c, nil); !errors.Is(err, ErrCapacity) {
				t.Errorf("NewTopK(%d) error = %v, want ErrCapacity", c, err)
			}
		})
	}
}

// TestTopKGuarantees checks the Space-Saving bounds against exact counts on
// skewed random streams, in both the scanning and the hashed index.
func TestTopKGuarantees(t *testing.T) {
	tests := []struct {
		name     string
		capacity int
		keys     int
		maxAdd   int // adds are 1..maxAdd
	}{
		{name: "small scanned index", capacity: 8, keys: 200, maxAdd: 1},
		{name: "hashed index", capacity: 64, keys: 5000, maxAdd: 1},
		{name: "hashed index, capacity above key count", capacity: 512, keys: 300, maxAdd: 1},
		{name: "weighted adds", capacity: 32, keys: 1000, maxAdd: 7},
		{name: "weighted adds, capacity one", capacity: 1, keys: 10, maxAdd: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(tc.capacity)))
			zipf := rand.NewZipf(rng, 1.2, 1, uint64(tc.keys-1))
			tk, err := NewTopK[uint64](tc.capacity, nil)
			if err != nil {
				t.Fatal(err)
			}
			exact := map[uint64]uint64{}
			var n uint64
			for i := range 200000 {
				k, w := zipf.Uint64(), uint64(1+rng.IntN(tc.maxAdd))
				exact[k] += w
				n += w
				tk.Add(k, w)
				if i%10007 == 0 {
					if err := tk.check(); err != nil {
						t.Fatalf("after %d adds: %v", i+1, err)
					}
				}
			}
			if err := tk.check(); err != nil {
				t.Fatal(err)
			}
			var sum uint64
			tracked := map[uint64]bool{}
			for id := range tk.Len() {
				k, c, e := tk.Entry(id)
				sum += c
				tracked[k] = true
				if tr := exact[k]; c-e > tr || tr > c {
					t.Errorf("key %d: true count %d outside [%d, %d]", k, tr, c-e, c)
				}
				if e > tk.Min() {
					t.Errorf("key %d: error %d above the minimum count %d", k, e, tk.Min())
				}
			}
			if sum != n {
				t.Errorf("sum of counts = %d, want %d", sum, n)
			}
			for k, c := range exact {
				if c > n/uint64(tc.capacity) && !tracked[k] {
					t.Errorf("key %d with %d > N/k = %d is not tracked", k, c, n/uint64(tc.capacity))
				}
			}
		})
	}
}

// check verifies the bucket structure: buckets in strictly increasing count
// order, none empty, every entry in exactly one bucket's circular list.
func (t *TopK[K]) check() error {
	seen := 0
	var last uint64
	prev := int32(-1)
	for b := t.head; b >= 0; b = t.buckets[b].next {
		bk := t.buckets[b]
		if bk.prev != prev {
			return fmt.Errorf("bucket %d: prev %d, want %d", b, bk.prev, prev)
		}
		if prev >= 0 && bk.count <= last {
			return fmt.Errorf("bucket %d: count %d not above %d", b, bk.count, last)
		}
		if bk.first < 0 {
			return fmt.Errorf("bucket %d is empty", b)
		}
		id := bk.first
		for {
			nd := t.nodes[id]
			if nd.bucket != b || t.nodes[nd.next].prev != id {
				return fmt.Errorf("entry %d: bucket %d (want %d), broken links", id, nd.bucket, b)
			}
			seen++
			if id = nd.next; id == bk.first {
				break
			}
			if seen > len(t.nodes) {
				return errors.New("entry list does not close")
			}
		}
		last, prev = bk.count, b
	}
	if seen != len(t.nodes) {
		return fmt.Errorf("%d entries in buckets, %d in use", seen, len(t.nodes))
	}
	return nil
}

type flowKey struct {
	client netip.Addr
	host   string
}

func cloneFlow(k flowKey) flowKey { k.host = strings.Clone(k.host); return k }

// TestTopKFlood sprays a million unique keys at a small counter: it stays at
// its capacity, counts every eviction, and still reports the heavy key with a
// guaranteed count within N/Cap of the truth.
func TestTopKFlood(t *testing.T) {
	const capacity, unique, heavyEvery = 1000, 1_000_000, 50
	tk, err := NewTopK[flowKey](capacity, cloneFlow)
	if err != nil {
		t.Fatal(err)
	}
	heavy := flowKey{client: netip.MustParseAddr("192.0.2.66"), host: "beacon"}
	var total, heavyTrue uint64
	for i := range unique {
		tk.Add(flowKey{client: netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})}, 1)
		total++
		if i%heavyEvery == 0 {
			tk.Add(heavy, 1)
			total++
			heavyTrue++
		}
	}
	if tk.Len() != capacity {
		t.Errorf("Len = %d, want %d", tk.Len(), capacity)
	}
	// Every unique key but the first capacity-1 evicted someone (the heavy
	// key entered without eviction while there was room).
	if want := int64(unique - (capacity - 1)); tk.Evictions() != want {
		t.Errorf("evictions = %d, want %d", tk.Evictions(), want)
	}
	c, e, ok := tk.Get(heavy)
	if !ok {
		t.Fatal("heavy key not tracked")
	}
	if c-e > heavyTrue || c-e+total/capacity < heavyTrue {
		t.Errorf("heavy guaranteed count %d, true %d, bound N/k = %d", c-e, heavyTrue, total/capacity)
	}
}

func TestTopKNoAllocs(t *testing.T) {
	tk, err := NewTopK[flowKey](64, cloneFlow)
	if err != nil {
		t.Fatal(err)
	}
	keys := make([]flowKey, 256)
	for i := range keys {
		keys[i] = flowKey{client: netip.AddrFrom4([4]byte{10, 0, 0, byte(i)})}
	}
	i := 0
	if a := testing.AllocsPerRun(10000, func() { tk.Add(keys[i%len(keys)], 1); i++ }); a != 0 {
		t.Errorf("Add allocates %.1f times per call, want 0", a)
	}
}

func BenchmarkTopKHit(b *testing.B) {
	for _, capacity := range []int{8, 200000} {
		b.Run("cap="+strconv.Itoa(capacity), func(b *testing.B) {
			tk, _ := NewTopK[flowKey](capacity, cloneFlow)
			keys := make([]flowKey, min(capacity, 1024))
			for i := range keys {
				keys[i] = flowKey{client: netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), host: "ws-" + strconv.Itoa(i)}
				tk.Add(keys[i], 1)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				tk.Add(keys[i&(len(keys)-1)], 1)
				i++
			}
		})
	}
}

func BenchmarkTopKReplace(b *testing.B) {
	tk, _ := NewTopK[uint64](200000, nil)
	b.ReportAllocs()
	var i uint64
	for b.Loop() {
		tk.Add(i, 1)
		i++
	}
}
