package incident

import (
	"net/netip"
	"testing"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
)

// BenchmarkAdd adds alerts of 1000 hosts, each joining its open incident.
func BenchmarkAdd(b *testing.B) {
	c, err := New(DefaultConfig(), Deps{})
	if err != nil {
		b.Fatal(err)
	}
	alerts := make([]*alert.Alert, 1000)
	for i := range alerts {
		alerts[i] = with(at("", "DNSV-RES-001", alert.SeverityLow, 0), func(a *alert.Alert) {
			a.Client = netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})
			a.Server = netip.MustParseAddr("203.0.113.7")
			a.Process = "dig.exe"
		})
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		a := alerts[i%len(alerts)]
		a.Time = t0.Add(time.Duration(i) * time.Millisecond)
		c.Add(a)
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "alerts/s")
}
