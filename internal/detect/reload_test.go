package detect

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/state"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// keysByRecency lists m's keys, most recently touched first.
func keysByRecency(m *state.LRU[string, int]) []string {
	var out []string
	m.Each(func(k string, _ *int) bool {
		out = append(out, k)
		return true
	})
	return out
}

func TestMoveLRU(t *testing.T) {
	for _, tc := range []struct {
		name        string
		capacity    int
		ttl         time.Duration
		wantKeys    []string
		wantEvicted int64
		// expireAt is when Expire runs on the copy; wantAfter what is left.
		expireAt  time.Time
		wantAfter []string
	}{
		{name: "larger", capacity: 10, wantKeys: []string{"d", "c", "b", "a"}},
		{name: "same", capacity: 4, wantKeys: []string{"d", "c", "b", "a"}},
		{name: "smaller evicts the least recent", capacity: 2, wantKeys: []string{"d", "c"}, wantEvicted: 2},
		{
			name: "ttl from at", capacity: 4, ttl: 90 * time.Second,
			wantKeys: []string{"d", "c", "b", "a"},
			expireAt: t0.Add(100 * time.Second), wantAfter: []string{"d", "c"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, err := state.NewLRU[string, int](4, 0, strings.Clone)
			if err != nil {
				t.Fatal(err)
			}
			for i, k := range []string{"a", "b", "c", "d"} {
				src.Put(k, i, t0.Add(time.Duration(i)*10*time.Second))
			}
			dst, err := state.NewLRU[string, int](tc.capacity, tc.ttl, strings.Clone)
			if err != nil {
				t.Fatal(err)
			}
			// The value holds the entry's time in tens of seconds.
			evicted := MoveLRU(dst, src, func(_ string, v *int) time.Time { return t0.Add(time.Duration(*v) * 10 * time.Second) })
			if evicted != tc.wantEvicted || dst.Evictions() != tc.wantEvicted {
				t.Errorf("evicted %d (counted %d), want %d", evicted, dst.Evictions(), tc.wantEvicted)
			}
			if diff := cmp.Diff(tc.wantKeys, keysByRecency(dst)); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
			for _, k := range tc.wantKeys {
				want, _ := src.Peek(k)
				if got, ok := dst.Peek(k); !ok || got != want {
					t.Errorf("%s = %d, %v; want %d", k, got, ok, want)
				}
			}
			if !tc.expireAt.IsZero() {
				dst.Expire(tc.expireAt)
				if diff := cmp.Diff(tc.wantAfter, keysByRecency(dst)); diff != "" {
					t.Errorf("keys after expiry (-want +got):\n%s", diff)
				}
			}
		})
	}
}
