package resolver

import (
	"fmt"
	"testing"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

func benchDetector(b *testing.B) *Detector {
	b.Helper()
	cfg := DefaultConfig()
	cfg.Approved = []Approved{{CIDR: "10.0.0.1", Name: "corp-dns-1"}, {CIDR: "10.0.0.2", Name: "corp-dns-2"}}
	cfg.Exclusions = []Exclusion{
		{ServerCIDR: "10.20.0.53", Reason: "branch office"},
		{Process: "nessusd.exe", Reason: "scanner"},
	}
	d, err := New(cfg, Deps{Catalogue: testCatalogue(b)})
	if err != nil {
		b.Fatal(err)
	}
	return d
}

func runObserve(b *testing.B, d *Detector, evs []event.Event) {
	emitted := 0
	emit := func(*alert.Alert) { emitted++ }
	for i := range evs {
		d.Observe(&evs[i], emit) // warm up: create pairs, fill samples
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		d.Observe(&evs[i%len(evs)], emit)
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	if emitted > len(evs) {
		b.Fatalf("emitted %d alerts on a path that should not alert", emitted)
	}
}

// BenchmarkObserveNotAlerting is the common event: DNS to an approved
// resolver or a private destination.
func BenchmarkObserveNotAlerting(b *testing.B) {
	evs := []event.Event{
		udp53(at(0), "10.1.1.10", "10.0.0.1", "www.example.com"),
		udp53(at(0), "10.1.1.11", "10.0.0.2", "mail.example.com"),
		udp53(at(0), "10.1.1.12", "192.168.1.1", "printer.local"),
		udp53(at(0), "fd00::10", "fd00::53", "a.example"),
		withHost(udp53(at(0), "10.1.1.13", "10.0.0.1", "update.example.com"), "ws-042", `C:\Windows\System32\svchost.exe`),
	}
	runObserve(b, benchDetector(b), evs)
}

// BenchmarkObserveKnownPair is further traffic of pairs already held.
func BenchmarkObserveKnownPair(b *testing.B) {
	var evs []event.Event
	for i := range 8 {
		ev := withHost(udp53(at(time.Duration(i)), "10.1.1.10", fmt.Sprintf("203.0.113.%d", i+1), "a.t.evil-c2.test"), "ws-042", `C:\Users\x\malware.exe`)
		evs = append(evs, ev)
	}
	runObserve(b, benchDetector(b), evs)
}

// BenchmarkObserveOtherTraffic is a connection that is not DNS (HTTPS to a
// host that is not a DoH endpoint).
func BenchmarkObserveOtherTraffic(b *testing.B) {
	evs := []event.Event{
		conn(at(0), "10.1.1.10", "203.0.113.80", 443, event.TransportTCP, 6),
		conn(at(0), "10.1.1.10", "198.51.100.80", 80, event.TransportUnknown, 6),
	}
	runObserve(b, benchDetector(b), evs)
}
