package tunnel

import (
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// TestFlood sends ten million unique encoded subdomains under one domain,
// interleaved with ten million unique names under 100000 random domains (a
// hundredth of both with -short), from one client within one window. Tracked keys
// stay within max_keys with evictions counted, the channel's key survives
// the churn and alerts, and no flood domain alerts.
func TestFlood(t *testing.T) {
	n, domains := 10_000_000, 100_000
	if testing.Short() {
		n, domains = 100_000, 10_000
	}
	cfg := DefaultConfig()
	cfg.MaxKeys = domains / 2
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var alerts []*alert.Alert
	emit := func(a *alert.Alert) { alerts = append(alerts, a) }
	rng := rand.New(rand.NewPCG(3, 4))
	step := 4 * time.Minute / time.Duration(2*n)
	// Names are written into one reused buffer, as a zero-copy decoder
	// would: the detector must copy what it keeps.
	buf := make([]byte, 0, 128)
	var ev event.Event
	ev.Kind = event.KindDNS
	ev.DNS.HasQuery = true
	ev.Client = netip.MustParseAddrPort("10.9.9.9:40000")
	start := time.Now()
	for i := range 2 * n {
		buf = buf[:0]
		if i%2 == 0 {
			for range 40 {
				buf = append(buf, base32[rng.IntN(32)])
			}
			buf = strconv.AppendInt(buf, int64(i), 10)
			buf = append(buf, ".tunnel-flood.com"...)
			ev.DNS.QType = event.TypeTXT
		} else {
			// Long enough to be scored (not a plain query).
			buf = strconv.AppendInt(append(buf, "host-"...), int64(i), 10)
			buf = append(buf, "-cachenode-eu.d"...)
			buf = strconv.AppendInt(buf, int64(rng.IntN(domains)), 10)
			buf = append(buf, ".com"...)
			ev.DNS.QType = event.TypeA
		}
		ev.DNS.QName = unsafe.String(&buf[0], len(buf))
		dot := 0
		for buf[dot] != '.' {
			dot++
		}
		ev.Enrich.Domain = ev.DNS.QName[dot+1:]
		if i%2 == 0 {
			ev.Enrich.Domain = ev.DNS.QName[len(buf)-len("tunnel-flood.com"):]
		}
		ev.Time = t0.Add(time.Duration(i) * step)
		d.Observe(&ev, emit)
	}
	stats := map[string]int64{}
	for _, s := range d.Counts() {
		stats[s.Name] = s.Value
	}
	d.Flush(emit)
	t.Logf("%d queries in %v; keys tracked %d of %d, keys evicted %d; peak RSS %s",
		2*n, time.Since(start).Round(time.Millisecond), stats["keys tracked"], cfg.MaxKeys, stats["keys evicted"], testutil.PeakRSS())
	if stats["keys tracked"] > int64(cfg.MaxKeys) {
		t.Errorf("keys tracked %d above max_keys %d", stats["keys tracked"], cfg.MaxKeys)
	}
	if stats["keys evicted"] < int64(domains-cfg.MaxKeys) {
		t.Errorf("keys evicted %d, want at least %d", stats["keys evicted"], domains-cfg.MaxKeys)
	}
	if stats["queries scored"] != int64(2*n) {
		t.Errorf("queries scored %d, want %d", stats["queries scored"], 2*n)
	}
	// One alert at the crossing and, as the bytes carried pass
	// escalate_bytes, one update at the end of the window.
	var got []string
	for _, a := range alerts {
		_, upd := a.Get("update")
		got = append(got, a.Domain+" "+a.Severity.String()+" update="+strconv.FormatBool(upd))
	}
	want := []string{"tunnel-flood.com high update=false", "tunnel-flood.com critical update=true"}
	if d := cmp.Diff(want, got); d != "" {
		for _, a := range alerts {
			t.Logf("%s: %s; evidence %v", a.Key, a.Summary, a.Evidence)
		}
		t.Fatalf("alerts (-want +got):\n%s", d)
	}
	samples, _ := alerts[0].Get("sample_names")
	for _, name := range samples.(alert.Names) {
		if len(name) < 40+len(".tunnel-flood.com") || !strings.HasSuffix(name, ".tunnel-flood.com") {
			t.Errorf("sample name %q was not copied from the event", name)
		}
	}
	q, _ := alerts[0].Get("queries_this_bin")
	if q.(int64) != int64(cfg.MinQueries) {
		t.Errorf("alert at query %v, want at the crossing (%d)", q, cfg.MinQueries)
	}
}
