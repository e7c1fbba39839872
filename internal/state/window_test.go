package state

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func hm(h, m, s int) time.Time { return time.Date(2026, 3, 1, h, m, s, 0, time.UTC) }

func bin(h, m int) Bin { return Bin{Start: hm(h, m, 0), End: hm(h, m, 0).Add(5 * time.Minute)} }

// winOp observes an event time, advances to a time, or flushes.
type winOp struct {
	op string // "observe", "advance", "flush"
	t  time.Time
}

type winStep struct {
	Closed   Bin
	DidClose bool
	Late     bool
}

func TestTumbling(t *testing.T) {
	tests := []struct {
		name   string
		ops    []winOp
		want   []winStep
		late   int64
		closed int64
		cur    Bin
		open   bool
	}{
		{
			name: "events inside one bin close nothing",
			ops:  []winOp{{"observe", hm(12, 0, 0)}, {"observe", hm(12, 4, 59)}},
			want: []winStep{{}, {}},
			cur:  bin(12, 0), open: true,
		},
		{
			name:   "an event at the bin end closes it",
			ops:    []winOp{{"observe", hm(12, 3, 0)}, {"observe", hm(12, 5, 0)}},
			want:   []winStep{{}, {Closed: bin(12, 0), DidClose: true}},
			closed: 1, cur: bin(12, 5), open: true,
		},
		{
			name:   "a gap skips empty bins",
			ops:    []winOp{{"observe", hm(12, 1, 0)}, {"observe", hm(12, 31, 0)}},
			want:   []winStep{{}, {Closed: bin(12, 0), DidClose: true}},
			closed: 1, cur: bin(12, 30), open: true,
		},
		{
			name: "a late event folds into the current bin",
			ops:  []winOp{{"observe", hm(12, 6, 0)}, {"observe", hm(12, 4, 0)}, {"observe", hm(12, 5, 0)}},
			want: []winStep{{}, {Late: true}, {}},
			late: 1, cur: bin(12, 5), open: true,
		},
		{
			name: "advance before the end does nothing",
			ops:  []winOp{{"observe", hm(12, 1, 0)}, {"advance", hm(12, 4, 59)}},
			want: []winStep{{}, {}},
			cur:  bin(12, 0), open: true,
		},
		{
			name: "advance past the end closes and later events for it are late",
			ops:  []winOp{{"observe", hm(12, 1, 0)}, {"advance", hm(12, 7, 0)}, {"observe", hm(12, 4, 0)}},
			want: []winStep{{}, {Closed: bin(12, 0), DidClose: true}, {Late: true}},
			late: 1, closed: 1, cur: bin(12, 5), open: true,
		},
		{
			name: "advance with nothing observed does nothing",
			ops:  []winOp{{"advance", hm(12, 7, 0)}},
			want: []winStep{{}},
		},
		{
			name:   "flush closes the open bin once",
			ops:    []winOp{{"observe", hm(12, 1, 0)}, {"flush", time.Time{}}, {"flush", time.Time{}}},
			want:   []winStep{{}, {Closed: bin(12, 0), DidClose: true}, {}},
			closed: 1, cur: bin(12, 0),
		},
		{
			name: "bins are in UTC whatever the event's zone",
			ops:  []winOp{{"observe", time.Date(2026, 3, 1, 14, 2, 0, 0, time.FixedZone("CEST", 2*3600))}},
			want: []winStep{{}},
			cur:  bin(12, 0), open: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, err := NewTumbling(5 * time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			var got []winStep
			for _, o := range tc.ops {
				switch o.op {
				case "observe":
					s := w.Observe(o.t)
					got = append(got, winStep(s))
				case "advance":
					b, ok := w.Advance(o.t)
					got = append(got, winStep{Closed: b, DidClose: ok})
				case "flush":
					b, ok := w.Flush()
					got = append(got, winStep{Closed: b, DidClose: ok})
				}
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("steps (-want +got):\n%s", d)
			}
			cur, open := w.Current()
			if open != tc.open || open && !cur.Start.Equal(tc.cur.Start) {
				t.Errorf("current = %v open %v, want %v open %v", cur, open, tc.cur, tc.open)
			}
			if w.Late() != tc.late || w.Closed() != tc.closed {
				t.Errorf("late %d closed %d, want %d %d", w.Late(), w.Closed(), tc.late, tc.closed)
			}
		})
	}
}

func TestNewTumblingWidth(t *testing.T) {
	for _, w := range []time.Duration{0, -time.Minute} {
		if _, err := NewTumbling(w); err == nil {
			t.Errorf("NewTumbling(%v): no error", w)
		}
	}
}

func TestBinContains(t *testing.T) {
	b := bin(12, 0)
	tests := []struct {
		name string
		t    time.Time
		want bool
	}{
		{"start is inside", hm(12, 0, 0), true},
		{"last instant is inside", hm(12, 5, 0).Add(-time.Nanosecond), true},
		{"end is outside", hm(12, 5, 0), false},
		{"before is outside", hm(11, 59, 59), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := b.Contains(tc.t); got != tc.want {
				t.Errorf("Contains(%v) = %v, want %v", tc.t, got, tc.want)
			}
		})
	}
}

// TestTumblingFlood sends a million late events and a million forward
// jumps: late ones are counted and never reopen bins; each jump closes one.
func TestTumblingFlood(t *testing.T) {
	w, err := NewTumbling(time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	base := hm(12, 0, 0)
	w.Observe(base)
	const n = 1_000_000
	for i := range n {
		if s := w.Observe(base.Add(-time.Duration(i+1) * time.Second)); !s.Late || s.DidClose {
			t.Fatalf("late event %d: step %+v", i, s)
		}
	}
	for i := range n {
		if s := w.Observe(base.Add(time.Duration(i+1) * time.Minute)); !s.DidClose {
			t.Fatalf("jump %d did not close a bin", i)
		}
	}
	if w.Late() != n || w.Closed() != n {
		t.Errorf("late %d closed %d, want %d each", w.Late(), w.Closed(), n)
	}
}

func BenchmarkTumblingObserve(b *testing.B) {
	w, _ := NewTumbling(5 * time.Minute)
	base := hm(12, 0, 0)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		w.Observe(base.Add(time.Duration(i) * time.Millisecond))
		i++
	}
}
