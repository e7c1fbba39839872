package delegation

import (
	"strconv"
	"testing"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

// BenchmarkObserve measures the non-alerting path with ten zones watched:
// responses about other names (most traffic), and NS answers for a watched
// zone that match its baseline.
func BenchmarkObserve(b *testing.B) {
	var zones []Watched
	for i := range 10 {
		zones = append(zones, Watched{Zone: "corp" + strconv.Itoa(i) + ".example"})
	}
	for _, bc := range []struct {
		name string
		ev   *event.Event
	}{
		{"other names", withGlue(nsAnswer("10.1.1.1", "www.news.example.org", 0), "www.news.example.org", "198.51.100.7")},
		{"watched zone, unchanged", withGlue(nsAnswer("10.1.1.1", "corp3.example", 0, "ns1.provider.net", "ns2.provider.net"), "ns1.provider.net", "198.51.100.10")},
	} {
		b.Run(bc.name, func(b *testing.B) {
			d, err := New(watch(zones...))
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			emit := func(*alert.Alert) { n++ }
			d.Observe(bc.ev, emit)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				bc.ev.Time = t0.Add(time.Duration(i) * time.Millisecond)
				d.Observe(bc.ev, emit)
				i++
			}
			if n > 0 {
				b.Fatalf("%d alerts on the non-alerting path", n)
			}
		})
	}
}
