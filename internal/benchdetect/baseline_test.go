package benchdetect

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
	"unsafe"

	"github.com/dnsvigil/dnsvigil/internal/event"
)

// TestBaseline feeds names written into one reused buffer, as a zero-copy
// decoder does: the pairs a baseline flags are exactly those with enough
// distinct subdomains in one window, whatever the buffer holds later.
func TestBaseline(t *testing.T) {
	r := newBaselineRun(Baseline{Name: "test", Threshold: 8, Window: time.Hour})
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	buf := make([]byte, 0, 64)
	feed := func(client string, domain string, subs int, at time.Duration) {
		for i := range subs {
			buf = fmt.Appendf(buf[:0], "s%d.%s", i, domain)
			var ev event.Event
			ev.Kind = event.KindDNS
			ev.Time = t0.Add(at)
			ev.Client = netip.AddrPortFrom(netip.MustParseAddr(client), 5353)
			ev.DNS.QName = unsafe.String(&buf[0], len(buf))
			ev.Enrich.Domain = ev.DNS.QName[len(buf)-len(domain):]
			r.observe(&ev)
		}
	}
	feed("10.0.0.1", "many.example", 8, 0)           // flagged
	feed("10.0.0.1", "few.example", 7, 0)            // below
	feed("10.0.0.2", "many.example", 12, 0)          // flagged, other client
	feed("10.0.0.3", "split.example", 5, 0)          // 5 + 5 in two windows: below
	feed("10.0.0.3", "split.example", 5, time.Hour)  //
	feed("10.0.0.4", "aaaa.example", 9, 2*time.Hour) // same length as the others, flagged
	want := map[pairKey]bool{
		{client: netip.MustParseAddr("10.0.0.1"), domain: "many.example"}: true,
		{client: netip.MustParseAddr("10.0.0.2"), domain: "many.example"}: true,
		{client: netip.MustParseAddr("10.0.0.4"), domain: "aaaa.example"}: true,
	}
	if len(r.flagged) != len(want) {
		t.Fatalf("flagged %v, want %v", r.flagged, want)
	}
	for p := range want {
		if !r.flagged[p] {
			t.Errorf("%v not flagged; flagged %v", p, r.flagged)
		}
	}
}
