package tunnel

import (
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

// BenchmarkObserve measures the event path that raises no alert: ordinary
// names of tracked client/domain keys, every key past min_queries and so
// scored regularly, with event time crossing window boundaries.
func BenchmarkObserve(b *testing.B) {
	for _, keys := range []int{64, 10000} {
		b.Run("keys="+strconv.Itoa(keys), func(b *testing.B) {
			d, err := New(DefaultConfig())
			if err != nil {
				b.Fatal(err)
			}
			evs := benchEvents(4096, keys)
			var alerts int
			emit := func(*alert.Alert) { alerts++ }
			for i := range evs {
				d.Observe(&evs[i], emit)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				ev := &evs[i&(len(evs)-1)]
				ev.Time = t0.Add(time.Duration(i) * 100 * time.Microsecond)
				d.Observe(ev, emit)
				i++
			}
			if alerts > 0 {
				b.Fatalf("%d alerts on the benign path", alerts)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// benchEvents returns n browsing-like events over about keys
// client/domain keys.
func benchEvents(n, keys int) []event.Event {
	prefixes := []string{"www", "api", "static", "img", "login", "cdn-3", "e1234", "mail"}
	evs := make([]event.Event, n)
	for i := range evs {
		ev := &evs[i]
		k := i % keys
		ev.Kind = event.KindDNS
		ev.Time = t0
		ev.Client = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(k % 16), 1}), 50000)
		ev.Server = netip.MustParseAddrPort("10.0.0.53:53")
		ev.Process.Image = `C:\Program Files\Mozilla Firefox\firefox.exe`
		ev.DNS.HasQuery, ev.DNS.HasResponse = true, true
		ev.DNS.QType = event.TypeA
		ev.Enrich.Domain = "site" + strconv.Itoa(k/16) + ".com"
		ev.DNS.QName = prefixes[i%len(prefixes)] + "." + ev.Enrich.Domain
	}
	return evs
}
