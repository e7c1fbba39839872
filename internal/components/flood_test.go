package components

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/detect"
	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// A flood of queries with unique names from a million clients, one in ten
// sent to one of thousands of external servers, keeps every detector's state under its configured cap,
// with the evictions counted. The names are written into one reused buffer,
// as a decoder does, so a detector that kept a name without copying it would
// show garbage in its samples.
func TestFloodKeepsStateBounded(t *testing.T) {
	queries, clients := 10_000_000, 1_000_000
	if testing.Short() {
		queries, clients = 1_000_000, 100_000
	}
	cfg := DefaultConfig()
	if testing.Short() { // smaller caps, so the smaller flood still overflows them
		cfg.Detectors.Resolver.MaxPairs = 10_000
		cfg.Detectors.Volume.MaxKeys = 20_000
	}
	built, err := Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	alerts := 0
	emit := func(a *alert.Alert) {
		alerts++
		if strings.Contains(a.QName, "\x00") {
			t.Fatalf("alert carries a corrupted name %q", a.QName)
		}
	}
	var ev event.Event
	name := make([]byte, 0, 64)
	base := time.Unix(1_800_000_000, 0)
	for i := 0; i < queries; i++ {
		c := uint32(i % clients)
		s := uint32(i % 7919)
		ev.Reset()
		ev.Kind = event.KindDNS
		ev.Time = base.Add(time.Duration(i) * 20 * time.Microsecond)
		ev.Transport = event.TransportUDP
		ev.Client = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(c >> 16), byte(c >> 8), byte(c)}), 40000)
		ev.Server = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, 53}), 53)
		if i%10 == 0 { // one query in ten bypasses the resolver
			ev.Server = netip.AddrPortFrom(netip.AddrFrom4([4]byte{203, 0, byte(s >> 8), byte(s)}), 53)
		}
		name = strconv.AppendUint(name[:0], uint64(i), 36)
		name = append(name, ".flood.example"...)
		ev.DNS.QName = string(name)
		ev.DNS.HasQuery = true
		ev.DNS.QType = event.TypeA
		ev.DNS.RCode = event.RcodeUnknown
		for _, e := range built.Enrichers {
			e.Enrich(&ev)
		}
		for _, d := range built.Detectors {
			d.Observe(&ev, emit)
			if i%50_000 == 0 {
				d.Advance(ev.Time, emit)
			}
		}
	}
	for _, d := range built.Detectors {
		d.Flush(emit)
	}
	caps := map[string]int64{
		"resolver: pairs tracked": int64(cfg.Detectors.Resolver.MaxPairs),
		"volume: keys tracked":    int64(cfg.Detectors.Volume.MaxKeys),
	}
	evicted := map[string]int64{}
	for _, d := range built.Detectors {
		c, ok := d.(detect.Counter)
		if !ok {
			continue
		}
		for _, s := range c.Counts() {
			k := d.Name() + ": " + s.Name
			if lim, ok := caps[k]; ok && s.Value > lim {
				t.Errorf("%s = %d, over its cap %d", k, s.Value, lim)
			}
			if strings.Contains(s.Name, "evict") {
				evicted[k] = s.Value
			}
		}
	}
	// The output stays bounded too: pairs evicted unreported past
	// max_eviction_alerts fold into one overflow alert.
	if limit := cfg.Detectors.Resolver.MaxEvictionAlerts + cfg.Detectors.Resolver.MaxPairs + 10; alerts > limit {
		t.Errorf("%d alerts, want at most %d", alerts, limit)
	}
	if evicted["resolver: pairs evicted"] == 0 {
		t.Errorf("no resolver pair evictions counted: %v", evicted)
	}
	t.Logf("%d queries from %d clients: %d alerts, evictions %v, peak RSS %s", queries, clients, alerts, evicted, testutil.PeakRSS())
}
