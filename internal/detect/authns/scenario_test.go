package authns

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/dnsname"
	"github.com/dnsvigil/dnsvigil/internal/enrich"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// referral is a response for qname carrying zone's NS set (authority),
// glue, and optionally an SOA; the client asks under zone.
func referral(at time.Duration, qname, zone string, ttl uint32, soa string, hosts ...string) *event.Event {
	ev := &event.Event{Kind: event.KindDNS, Time: t0.Add(at)}
	ev.Client = netip.MustParseAddrPort("10.1.1.1:40000")
	ev.Server = netip.MustParseAddrPort("10.0.0.53:53")
	ev.DNS.HasQuery, ev.DNS.HasResponse = true, true
	ev.DNS.QName, ev.DNS.QType = qname, event.TypeA
	for i, h := range hosts {
		ev.DNS.Authority = append(ev.DNS.Authority, event.RR{Name: zone, Type: event.TypeNS, TTL: ttl, Data: h})
		ev.DNS.Additional = append(ev.DNS.Additional, event.RR{Name: h, Type: event.TypeA, TTL: ttl, Data: "198.51.100." + strconv.Itoa(10+i)})
	}
	if soa != "" {
		ev.DNS.Authority = append(ev.DNS.Authority, event.RR{Name: zone, Type: event.TypeSOA, TTL: ttl, Data: soa})
	}
	return ev
}

func runEvents(t *testing.T, cfg Config, evs ...*event.Event) []*alert.Alert {
	t.Helper()
	d, err := New(cfg, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	names := enrich.NewNames(dnsname.NewPSL(dnsname.PSLOptions{}))
	var out []*alert.Alert
	emit := func(a *alert.Alert) { out = append(out, a) }
	for _, ev := range evs {
		names.Enrich(ev)
		d.Observe(ev, emit)
	}
	d.Flush(emit)
	return out
}

func TestScenarios(t *testing.T) {
	const day = 86400
	excluded := DefaultConfig()
	excluded.Exclusions = []Exclusion{{Domain: "victim.com", Reason: "planned migration to in-house DNS"}}
	tests := []struct {
		name string
		cfg  Config
		evs  []*event.Event
		want []string // zones alerted
	}{
		{
			name: "a zone moves from a provider-like host to self-hosted servers of another domain",
			cfg:  DefaultConfig(),
			evs: []*event.Event{
				referral(0, "www.victim.com", "victim.com", day, "", "ns1.hoster.net", "ns2.hoster.net"),
				referral(time.Minute, "www.other.com", "other.com", day, "", "ns1.hoster.net", "ns2.hoster.net"),
				referral(time.Hour, "mail.victim.com", "victim.com", day, "", "ns1.attacker.org", "ns2.attacker.org"),
			},
			want: []string{"victim.com"},
		},
		{
			name: "the same move to a managed provider is damped",
			cfg:  DefaultConfig(),
			evs: []*event.Event{
				referral(0, "www.victim.com", "victim.com", day, "", "ns1.hoster.net", "ns2.hoster.net"),
				referral(time.Hour, "mail.victim.com", "victim.com", day, "", "ns-1.awsdns-01.com", "ns-2.awsdns-02.net"),
			},
		},
		{
			name: "an excluded zone is not reported",
			cfg:  excluded,
			evs: []*event.Event{
				referral(0, "www.victim.com", "victim.com", day, "", "ns1.hoster.net", "ns2.hoster.net"),
				referral(time.Hour, "mail.victim.com", "victim.com", day, "", "ns1.attacker.org", "ns2.attacker.org"),
			},
		},
		{
			// 20 + 10 + 10 + 5 = 45: the shape alone stays below medium
			// without a change, intel or a bad neighbour.
			name: "a self-hosted zone with an SOA primary outside its NS set and a very low TTL",
			cfg:  DefaultConfig(),
			evs: []*event.Event{
				referral(0, "x.c2zone.net", "c2zone.net", 60, "hidden.c2zone.net. admin.c2zone.net. 1 2 3 4 5", "ns1.c2zone.net", "ns2.c2zone.net"),
			},
		},
		{
			name: "a zone on servers that also serve a reported zone",
			cfg:  DefaultConfig(),
			evs: []*event.Event{
				referral(0, "www.victim.com", "victim.com", 86400, "", "ns1.hoster.net", "ns2.hoster.net"),
				referral(time.Hour, "mail.victim.com", "victim.com", 86400, "", "ns1.attacker.org", "ns2.attacker.org"),
				referral(2*time.Hour, "x.c2zone.net", "c2zone.net", 60, "hidden.c2zone.net. admin.c2zone.net. 1 2 3 4 5", "ns1.attacker.org", "ns2.attacker.org"),
			},
			want: []string{"victim.com", "c2zone.net"},
		},
		{
			name: "a self-hosted zone alone is not enough",
			cfg:  DefaultConfig(),
			evs: []*event.Event{
				referral(0, "www.bigcorp.com", "bigcorp.com", day, "ns1.bigcorp.com. hostmaster.bigcorp.com. 1 2 3 4 5", "ns1.bigcorp.com", "ns2.bigcorp.com"),
			},
		},
		{
			name: "a revert to the first NS set is no change",
			cfg:  DefaultConfig(),
			evs: []*event.Event{
				referral(0, "www.victim.com", "victim.com", day, "", "ns1.attacker.org"),
				referral(time.Hour, "www.victim.com", "victim.com", day, "", "ns1.hoster.net", "ns2.hoster.net"),
				referral(2*time.Hour, "www.victim.com", "victim.com", day, "", "ns1.attacker.org"),
			},
			want: []string{"victim.com"}, // the move to hoster.net is a change too, once
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, a := range runEvents(t, tc.cfg, tc.evs...) {
				got = append(got, a.Domain)
				t.Logf("%s %s", a.Severity, a.Summary)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("alerts for %v, want %v", got, tc.want)
			}
		})
	}
}

// TestFlood sends a million zones with their own servers through a
// detector capped at 10,000 zones and servers: the tables stay at the cap,
// evictions are counted.
func TestFlood(t *testing.T) {
	n := 1_000_000
	if testing.Short() {
		n = 50_000
	}
	cfg := DefaultConfig()
	cfg.MaxDomains, cfg.MaxNameServers = 10_000, 10_000
	d, err := New(cfg, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	names := enrich.NewNames(dnsname.NewPSL(dnsname.PSLOptions{}))
	alerts := 0
	emit := func(*alert.Alert) { alerts++ }
	for i := range n {
		zone := "z" + strconv.Itoa(i) + ".example"
		ev := referral(time.Duration(i)*time.Millisecond, "www."+zone, zone, 86400, "", "ns1."+zone, "ns2."+zone)
		names.Enrich(ev)
		d.Observe(ev, emit)
	}
	counts := map[string]int64{}
	for _, s := range d.Counts() {
		counts[s.Name] = s.Value
	}
	if counts["zones tracked"] > 10_000 || counts["name servers tracked"] > 10_000 || counts["zones evicted"] < int64(n-10_000) {
		t.Errorf("counts %v", counts)
	}
	if alerts != 0 {
		t.Errorf("%d alerts for plain self-hosted zones", alerts)
	}
}

// TestHistory scores a zone against the delegation history of earlier
// scans: a move away from every server it had is a change, and servers
// first seen within new_ns_age count as new only when the history reaches
// back that far.
func TestHistory(t *testing.T) {
	now := t0.Add(time.Hour)
	hist := func(since time.Duration) *History {
		return NewHistory(now.Add(-since), []HistoryRecord{
			{Zone: "victim.com", Server: "ns1.hoster.net", First: now.Add(-since), Last: now.Add(-time.Hour)},
			{Zone: "victim.com", Server: "ns2.hoster.net", First: now.Add(-since), Last: now.Add(-time.Hour)},
		})
	}
	moved := referral(time.Hour, "mail.victim.com", "victim.com", 86400, "", "ns1.attacker.org", "ns2.attacker.org")
	tests := []struct {
		name    string
		history *History
		want    string // severity, or "" for no alert
		feats   []string
	}{
		{"no history: the shape alone", nil, "", nil},
		{"60 days of history: changed and new servers", hist(60 * 24 * time.Hour), "high", []string{"delegation_changed", "new_servers"}},
		{"a day of history: changed, newness unknown", hist(24 * time.Hour), "medium", []string{"delegation_changed"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := New(DefaultConfig(), Deps{History: tc.history})
			if err != nil {
				t.Fatal(err)
			}
			names := enrich.NewNames(dnsname.NewPSL(dnsname.PSLOptions{}))
			ev := *moved
			names.Enrich(&ev)
			var got []*alert.Alert
			d.Observe(&ev, func(a *alert.Alert) { got = append(got, a) })
			if tc.want == "" {
				if len(got) != 0 {
					t.Errorf("alert %s", got[0].Summary)
				}
				return
			}
			if len(got) != 1 || got[0].Severity.String() != tc.want {
				t.Fatalf("alerts %v, want one %s", got, tc.want)
			}
			for _, f := range tc.feats {
				if _, ok := got[0].Get("contribution_" + f); !ok {
					t.Errorf("no %s in %s", f, got[0].Summary)
				}
			}
			if prev, _ := got[0].Get("previous_name_servers"); fmt.Sprint(prev) != "[ns1.hoster.net ns2.hoster.net]" {
				t.Errorf("previous name servers %v", prev)
			}
		})
	}
}

// TestLameDelegation: a listed server's own answer for the zone is a
// refusal: the delegation to it is lame, which adds to the score and is
// named in the evidence.
func TestLameDelegation(t *testing.T) {
	d, err := New(DefaultConfig(), Deps{})
	if err != nil {
		t.Fatal(err)
	}
	names := enrich.NewNames(dnsname.NewPSL(dnsname.PSLOptions{}))
	var got []*alert.Alert
	emit := func(a *alert.Alert) { got = append(got, a) }
	// The parent delegates c2zone.net to its own servers, with glue
	// 198.51.100.10 and .11 (see referral), with a 60 s TTL: 20+10+5.
	ref := referral(0, "x.c2zone.net", "c2zone.net", 60, "", "ns1.c2zone.net", "ns2.c2zone.net")
	names.Enrich(ref)
	d.Observe(ref, emit)
	// ns1 itself refuses the zone; the client asks again.
	refused := &event.Event{Kind: event.KindDNS, Time: t0.Add(time.Second)}
	refused.Client = netip.MustParseAddrPort("10.0.0.53:5300")
	refused.Server = netip.MustParseAddrPort("198.51.100.10:53")
	refused.DNS.HasQuery, refused.DNS.HasResponse, refused.DNS.FlagsKnown = true, true, true
	refused.DNS.QName, refused.DNS.QType, refused.DNS.RCode = "x.c2zone.net", event.TypeA, event.RcodeRefused
	names.Enrich(refused)
	d.Observe(refused, emit)
	again := referral(2*time.Second, "y.c2zone.net", "c2zone.net", 60, "hidden.c2zone.net. admin.c2zone.net. 1 2 3 4 5", "ns1.c2zone.net", "ns2.c2zone.net")
	names.Enrich(again)
	d.Observe(again, emit)
	if len(got) != 1 {
		t.Fatalf("%d alerts, want 1", len(got))
	}
	if c, ok := got[0].Get("contribution_lame_delegation"); !ok || c.(float64) != wLame {
		t.Errorf("no lame delegation in %s", got[0].Summary)
	}
	if !strings.Contains(got[0].Summary, "ns1.c2zone.net (198.51.100.10) gave REFUSED") {
		t.Errorf("summary %s", got[0].Summary)
	}
}
