package state

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func at(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

// lruOp is one call: "put k v", "get k", "upsert k", "del k", "expire".
type lruOp struct {
	op   string
	key  string
	val  int
	sec  int
	want string // "k=v" found, "-" absent, "new"/"old" for upsert, "n" for expire count
}

type lruResult struct {
	Results                []string
	Len                    int
	Evictions, Expirations int64
	Present                []string
}

func runLRU(t *testing.T, capacity int, ttl time.Duration, ops []lruOp, keys []string) lruResult {
	t.Helper()
	m, err := NewLRU[string, int](capacity, ttl, strings.Clone)
	if err != nil {
		t.Fatal(err)
	}
	var res lruResult
	for _, o := range ops {
		now := at(o.sec)
		switch o.op {
		case "put":
			m.Put(o.key, o.val, now)
			continue
		case "get":
			v, ok := m.Get(o.key, now)
			res.Results = append(res.Results, found(o.key, v, ok))
		case "upsert":
			p, inserted := m.Upsert(o.key, now)
			*p += o.val
			res.Results = append(res.Results, map[bool]string{true: "new", false: "old"}[inserted])
		case "del":
			res.Results = append(res.Results, strconv.FormatBool(m.Delete(o.key)))
		case "expire":
			res.Results = append(res.Results, strconv.Itoa(m.Expire(now)))
		}
	}
	res.Len, res.Evictions, res.Expirations = m.Len(), m.Evictions(), m.Expirations()
	for _, k := range keys {
		v, ok := m.Peek(k)
		res.Present = append(res.Present, found(k, v, ok))
	}
	return res
}

func found(k string, v int, ok bool) string {
	if !ok {
		return k + "-"
	}
	return k + "=" + strconv.Itoa(v)
}

func TestLRU(t *testing.T) {
	tests := []struct {
		name     string
		capacity int
		ttl      time.Duration
		ops      []lruOp
		want     lruResult
	}{
		{
			name: "least recently touched is evicted", capacity: 2,
			ops:  []lruOp{{op: "put", key: "a", val: 1}, {op: "put", key: "b", val: 2}, {op: "get", key: "a"}, {op: "put", key: "c", val: 3}},
			want: lruResult{Results: []string{"a=1"}, Len: 2, Evictions: 1, Present: []string{"a=1", "b-", "c=3"}},
		},
		{
			name: "put on a present key updates it without eviction", capacity: 2,
			ops:  []lruOp{{op: "put", key: "a", val: 1}, {op: "put", key: "b", val: 2}, {op: "put", key: "a", val: 9}, {op: "put", key: "c", val: 3}},
			want: lruResult{Len: 2, Evictions: 1, Present: []string{"a=9", "b-", "c=3"}},
		},
		{
			name: "upsert inserts zero then accumulates", capacity: 2,
			ops:  []lruOp{{op: "upsert", key: "a", val: 1}, {op: "upsert", key: "a", val: 1}, {op: "upsert", key: "b", val: 5}},
			want: lruResult{Results: []string{"new", "old", "new"}, Len: 2, Present: []string{"a=2", "b=5", "c-"}},
		},
		{
			name: "delete frees a slot for reuse", capacity: 2,
			ops:  []lruOp{{op: "put", key: "a", val: 1}, {op: "put", key: "b", val: 2}, {op: "del", key: "a"}, {op: "del", key: "a"}, {op: "put", key: "c", val: 3}},
			want: lruResult{Results: []string{"true", "false"}, Len: 2, Present: []string{"a-", "b=2", "c=3"}},
		},
		{
			name: "ttl counts from the last touch and expires at exactly ttl", capacity: 4, ttl: 10 * time.Second,
			ops:  []lruOp{{op: "put", key: "a", val: 1, sec: 0}, {op: "get", key: "a", sec: 9}, {op: "get", key: "a", sec: 19}},
			want: lruResult{Results: []string{"a=1", "a-"}, Len: 0, Expirations: 1, Present: []string{"a-", "b-", "c-"}},
		},
		{
			name: "upsert of an expired key starts from zero", capacity: 4, ttl: 10 * time.Second,
			ops:  []lruOp{{op: "upsert", key: "a", val: 3, sec: 0}, {op: "upsert", key: "a", val: 1, sec: 30}},
			want: lruResult{Results: []string{"new", "new"}, Len: 1, Expirations: 1, Present: []string{"a=1", "b-", "c-"}},
		},
		{
			name: "expire walks from the oldest and stops at a fresh entry", capacity: 4, ttl: 10 * time.Second,
			ops: []lruOp{
				{op: "put", key: "a", sec: 0}, {op: "put", key: "b", sec: 5}, {op: "put", key: "c", sec: 12},
				{op: "expire", sec: 15}, {op: "expire", sec: 15},
			},
			want: lruResult{Results: []string{"2", "0"}, Len: 1, Expirations: 2, Present: []string{"a-", "b-", "c=0"}},
		},
		{
			name: "an out-of-order touch does not move an entry back in time", capacity: 4, ttl: 10 * time.Second,
			ops: []lruOp{
				{op: "put", key: "a", val: 1, sec: 20}, {op: "get", key: "a", sec: 5}, {op: "expire", sec: 29},
			},
			want: lruResult{Results: []string{"a=1", "0"}, Len: 1, Present: []string{"a=1", "b-", "c-"}},
		},
		{
			name: "no ttl never expires", capacity: 2,
			ops:  []lruOp{{op: "put", key: "a", val: 1, sec: 0}, {op: "expire", sec: 1 << 30}, {op: "get", key: "a", sec: 1 << 30}},
			want: lruResult{Results: []string{"0", "a=1"}, Len: 1, Present: []string{"a=1", "b-", "c-"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := runLRU(t, tc.capacity, tc.ttl, tc.ops, []string{"a", "b", "c"})
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestNewLRUErrors(t *testing.T) {
	tests := []struct {
		name     string
		capacity int
		ttl      time.Duration
	}{
		{"zero capacity", 0, 0},
		{"negative ttl", 4, -time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewLRU[string, int](tc.capacity, tc.ttl, nil); err == nil {
				t.Error("no error")
			}
		})
	}
}

// TestLRUFlood inserts a million unique keys into a map of 1000 (hashed
// index) and of 8 (scanned index): the size stays at the cap, every
// eviction is counted, and exactly the most recent keys remain.
func TestLRUFlood(t *testing.T) {
	for _, capacity := range []int{8, 1000} {
		t.Run("cap="+strconv.Itoa(capacity), func(t *testing.T) {
			m, err := NewLRU[uint64, uint64](capacity, time.Hour, nil)
			if err != nil {
				t.Fatal(err)
			}
			const n = 1_000_000
			for i := range uint64(n) {
				m.Put(i, i, t0.Add(time.Duration(i)*time.Millisecond))
			}
			if m.Len() != capacity {
				t.Errorf("Len = %d, want %d", m.Len(), capacity)
			}
			if want := int64(n - capacity); m.Evictions() != want {
				t.Errorf("evictions = %d, want %d", m.Evictions(), want)
			}
			for i := uint64(n - capacity); i < n; i++ {
				if v, ok := m.Peek(i); !ok || v != i {
					t.Fatalf("recent key %d: %d, %v", i, v, ok)
				}
			}
			if _, ok := m.Peek(n - uint64(capacity) - 1); ok {
				t.Error("an evicted key is still present")
			}
		})
	}
}

func TestLRUNoAllocs(t *testing.T) {
	m, err := NewLRU[string, int](64, time.Minute, strings.Clone)
	if err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 128)
	for i := range keys {
		keys[i] = "name-" + strconv.Itoa(i) + ".example.org"
		m.Put(keys[i], i, t0)
	}
	i := 0
	// Hits on the 64 resident keys: no allocation.
	if a := testing.AllocsPerRun(1000, func() {
		p, _ := m.Upsert(keys[64+i%64], at(i))
		*p++
		i++
	}); a != 0 {
		t.Errorf("Upsert of resident keys allocates %.1f times, want 0", a)
	}
}

func BenchmarkLRUGetHit(b *testing.B) {
	m, _ := NewLRU[string, int](100000, time.Hour, strings.Clone)
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = "name-" + strconv.Itoa(i) + ".example.org"
		m.Put(keys[i], i, t0)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m.Get(keys[i&1023], t0)
		i++
	}
}

func BenchmarkLRUUpsertEvict(b *testing.B) {
	m, _ := NewLRU[uint64, int](100000, 0, nil)
	b.ReportAllocs()
	var i uint64
	for b.Loop() {
		p, _ := m.Upsert(i, t0)
		*p++
		i++
	}
}

func TestLRUEach(t *testing.T) {
	m, err := NewLRU[string, int](3, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, k := range []string{"a", "b", "c", "d"} {
		m.Put(k, i, t0)
	}
	var got []string
	m.Each(func(k string, v *int) bool {
		got = append(got, k)
		return k != "c"
	})
	if strings.Join(got, ",") != "d,c" {
		t.Errorf("Each visited %v, want d,c (most recent first, stopping at c)", got)
	}
}
