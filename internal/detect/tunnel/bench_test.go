package tunnel

import (
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

// BenchmarkObserve measures the event path that raises no alert, with event
// time crossing window boundaries. mix=browsing is ordinary traffic: half
// the names short A/AAAA/HTTPS names (not scored), half longer host and
// CDN names of tracked client/domain keys, every key past min_queries and
// so scored regularly. mix=scored has only the longer names, each one
// aggregated and its key scored.
func BenchmarkObserve(b *testing.B) {
	for _, bc := range []struct {
		mix  string
		keys int
	}{{"browsing", 64}, {"browsing", 10000}, {"scored", 64}, {"scored", 10000}} {
		b.Run("mix="+bc.mix+"/keys="+strconv.Itoa(bc.keys), func(b *testing.B) {
			d, err := New(DefaultConfig())
			if err != nil {
				b.Fatal(err)
			}
			evs := benchEvents(4096, bc.keys, bc.mix == "scored")
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
// client/domain keys; with longOnly, only names long enough to be scored.
func benchEvents(n, keys int, longOnly bool) []event.Event {
	prefixes := []string{"www", "static-assets-eu-1", "api", "d3k2lwlzmbn2u0.cdn", "login", "e1234.dscb.akamai", "mail", "img-prod-7.static"}
	if longOnly {
		prefixes = []string{"static-assets-eu-1", "d3k2lwlzmbn2u0.cdn", "e1234.dscb.akamai", "img-prod-7.static"}
	}
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
