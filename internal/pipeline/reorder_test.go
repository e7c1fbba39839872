package pipeline

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/event"
)

func TestReorder(t *testing.T) {
	base := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name   string
		window time.Duration
		max    int
		in     []int // seconds after base, in arrival order
		want   []int // release order
		late   int64
	}{
		{"restores order within the window", 10 * time.Second, 100, []int{1, 3, 2, 5, 4, 20, 6}, []int{1, 2, 3, 4, 5, 6, 20}, 0},
		{"later than the window passes through, counted", 2 * time.Second, 100, []int{1, 2, 10, 3, 1, 11}, []int{1, 2, 3, 1, 10, 11}, 1},
		{"a full buffer releases early", time.Hour, 2, []int{5, 4, 3, 2}, []int{4, 3, 2, 5}, 2},
		{"equal times keep arrival order", time.Second, 100, []int{7, 7, 7}, []int{7, 7, 7}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newReorder(tc.window, tc.max)
			var got []int
			out := func(e *event.Event) { got = append(got, int(e.Time.Sub(base)/time.Second)) }
			var ev event.Event
			for _, s := range tc.in {
				ev.Time = base.Add(time.Duration(s) * time.Second)
				if r.isLate(&ev) {
					out(&ev)
					continue
				}
				r.push(&ev)
				for e := r.pop(false); e != nil; e = r.pop(false) {
					out(e)
				}
			}
			for e := r.pop(true); e != nil; e = r.pop(true) {
				out(e)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("release order (-want +got):\n%s", d)
			}
			if r.late != tc.late {
				t.Errorf("late = %d, want %d", r.late, tc.late)
			}
		})
	}
}

func BenchmarkReorder(b *testing.B) {
	r := newReorder(time.Second, 4096)
	var ev event.Event
	ev.Kind = event.KindDNS
	ev.DNS.QName = "www.example.com"
	base := time.Unix(1_700_000_000, 0)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		ev.Time = base.Add(time.Duration(i) * time.Millisecond)
		if r.isLate(&ev) {
			continue
		}
		r.push(&ev)
		for e := r.pop(false); e != nil; e = r.pop(false) {
		}
	}
}
