package volume

import (
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

// BenchmarkObserve measures the event path that raises no alert: a steady
// mix of hosts, processes, servers and domains whose keys are already
// tracked, with event time crossing bin boundaries as it does in a long
// capture.
func BenchmarkObserve(b *testing.B) {
	for _, tc := range []struct {
		name string
		keys int
	}{
		{"keys=64", 64},
		{"keys=10000", 10000},
	} {
		b.Run(tc.name, func(b *testing.B) {
			cfg := DefaultConfig()
			cfg.Threshold = 1 << 39 // nothing alerts: measure counting only
			d, err := New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			evs := benchEvents(4096, tc.keys)
			emit := func(*alert.Alert) {}
			for i := range evs {
				d.Observe(&evs[i], emit)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				ev := &evs[i&(len(evs)-1)]
				// 100 µs apart: a bin closes every 3 million events.
				ev.Time = t0.Add(time.Duration(i) * 100 * time.Microsecond)
				d.Observe(ev, emit)
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// benchEvents returns n events spread over about keys device/process keys.
func benchEvents(n, keys int) []event.Event {
	images := []string{`C:\Windows\System32\svchost.exe`, `C:\Program Files\Mozilla Firefox\firefox.exe`, `C:\Windows\explorer.exe`, "/usr/sbin/sshd"}
	domains := []string{"microsoft.com", "example.org", "windowsupdate.com", "mozilla.net", "cdn.example", "office.com", "google.com"}
	hosts := max(1, keys/len(images))
	evs := make([]event.Event, n)
	for i := range evs {
		ev := &evs[i]
		ev.Kind = event.KindDNS
		ev.Time = t0
		h := (i * 7919) % hosts
		ev.Client = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(h >> 8), byte(h)}), 50000)
		ev.Server = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(53 + i%2)}), 53)
		ev.Host.Name = "ws-" + strconv.Itoa(h) + ".corp.example"
		ev.Process.Image = images[i%len(images)]
		ev.DNS.HasQuery = true
		ev.DNS.HasResponse = true
		ev.Enrich.Domain = domains[i%len(domains)]
		ev.DNS.QName = "www" + strconv.Itoa(i%5) + "." + ev.Enrich.Domain
	}
	return evs
}
