package volume

import (
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// TestFlood sends a million clients' unique names (10 million queries; a
// tenth of that with -short) into one bin with one heavy client mixed in.
// Tracked keys stay within max_keys, evictions are counted, no flood client
// alerts, and the heavy client still alerts with a guaranteed count within
// N/max_keys of its true count.
func TestFlood(t *testing.T) {
	clients, queries, maxKeys := 1_000_000, 10_000_000, DefaultConfig().MaxKeys
	if testing.Short() {
		clients, queries, maxKeys = 100_000, 1_000_000, 20_000
	}
	const heavyQueries = 500
	heavyEvery := queries / heavyQueries
	cfg := DefaultConfig()
	cfg.MaxKeys = maxKeys
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var alerts []*alert.Alert
	emit := func(a *alert.Alert) { alerts = append(alerts, a) }

	rng := rand.New(rand.NewPCG(1, 2))
	seen := make([]bool, clients)
	distinct := 0
	heavy := netip.MustParseAddr("192.0.2.66")
	step := 290 * time.Second / time.Duration(queries)
	// Names are written into one reused buffer, as a zero-copy decoder
	// would: the detector must copy what it keeps.
	buf := make([]byte, 0, 64)
	var ev event.Event
	ev.Kind = event.KindDNS
	ev.DNS.HasQuery = true
	start := time.Now()
	for i := range queries {
		buf = buf[:0]
		if i%heavyEvery == heavyEvery/2 {
			ev.Client = netip.AddrPortFrom(heavy, 40000)
			buf = strconv.AppendInt(append(buf, 'h'), int64(i), 10)
			buf = append(buf, ".heavy-tunnel.example"...)
			ev.Enrich.Domain = "heavy-tunnel.example"
		} else {
			c := rng.IntN(clients)
			if !seen[c] {
				seen[c], distinct = true, distinct+1
			}
			ev.Client = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(c >> 16), byte(c >> 8), byte(c)}), 40000)
			buf = strconv.AppendInt(append(buf, 'u'), int64(i), 10)
			buf = append(buf, ".flood.example"...)
			ev.Enrich.Domain = unsafe.String(&buf[0], len(buf))
		}
		ev.DNS.QName = unsafe.String(&buf[0], len(buf))
		ev.Server = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(53 + i%3)}), 53)
		ev.Time = t0.Add(time.Duration(i) * step)
		d.Observe(&ev, emit)
	}
	stats := map[string]int64{}
	for _, s := range d.Counts() {
		stats[s.Name] = s.Value
	}
	d.Flush(emit)
	t.Logf("%d queries from %d clients in %v; keys tracked %d of %d, keys evicted %d, domain sketch evictions %d; peak RSS %s",
		queries, distinct+1, time.Since(start).Round(time.Millisecond), stats["keys tracked"], maxKeys,
		stats["keys evicted"], stats["domain sketch evictions"], testutil.PeakRSS())

	if stats["keys tracked"] > int64(maxKeys) {
		t.Errorf("keys tracked %d above max_keys %d", stats["keys tracked"], maxKeys)
	}
	// Every key entered at least once; all entries past the first max_keys
	// replaced someone.
	if min := int64(distinct + 1 - maxKeys); stats["keys evicted"] < min {
		t.Errorf("keys evicted %d, want at least %d", stats["keys evicted"], min)
	}
	if stats["queries counted"] != int64(queries) {
		t.Errorf("queries counted %d, want %d", stats["queries counted"], queries)
	}
	if len(alerts) != 1 {
		t.Fatalf("got %d alerts, want only the heavy client's", len(alerts))
	}
	a := alerts[0]
	n, _ := a.Get("query_count")
	bound := int64(queries / maxKeys)
	if a.Client != heavy || n.(int64) > heavyQueries || n.(int64) < heavyQueries-bound {
		t.Errorf("alert for %v with query_count %v, want %v with %d-%d..%d", a.Client, n, heavy, heavyQueries, bound, heavyQueries)
	}
	if a.Domain != "heavy-tunnel.example" {
		t.Errorf("top domain %q, want heavy-tunnel.example", a.Domain)
	}
	samples, _ := a.Get("sample_names")
	for _, s := range samples.(alert.Names) {
		if !strings.HasPrefix(s, "h") || !strings.HasSuffix(s, ".heavy-tunnel.example") {
			t.Errorf("sample name %q was not copied from the event", s)
		}
	}
}
