package delegation

import (
	"compress/gzip"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/input/pcap"
	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// nsAnswer is a resolver's answer to "zone NS" for client, at t0+at.
func nsAnswer(client, zone string, at time.Duration, hosts ...string) *event.Event {
	ev := &event.Event{Kind: event.KindDNS, Time: t0.Add(at)}
	ev.Client = netip.AddrPortFrom(netip.MustParseAddr(client), 40000)
	ev.Server = netip.MustParseAddrPort("10.0.0.53:53")
	ev.DNS.HasQuery, ev.DNS.HasResponse = true, true
	ev.DNS.QName, ev.DNS.QType = zone, event.TypeNS
	for _, h := range hosts {
		ev.DNS.Answers = append(ev.DNS.Answers, event.RR{Name: zone, Type: event.TypeNS, TTL: 300, Data: h})
	}
	return ev
}

// withGlue adds addresses for name servers to ev's additional section.
func withGlue(ev *event.Event, glue ...string) *event.Event {
	for i := 0; i+1 < len(glue); i += 2 {
		ev.DNS.Additional = append(ev.DNS.Additional, event.RR{Name: glue[i], Type: event.TypeA, TTL: 300, Data: glue[i+1]})
	}
	return ev
}

func withSOA(ev *event.Event, zone, data string) *event.Event {
	ev.DNS.Authority = append(ev.DNS.Authority, event.RR{Name: zone, Type: event.TypeSOA, TTL: 300, Data: data})
	return ev
}

type got struct {
	Key, Severity, Old, New, First string
	Update                         bool
}

func run(t *testing.T, cfg Config, evs ...*event.Event) []*alert.Alert {
	t.Helper()
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out []*alert.Alert
	emit := func(a *alert.Alert) { out = append(out, a) }
	for _, ev := range evs {
		d.Observe(ev, emit)
	}
	d.Flush(emit)
	return out
}

func summarise(as []*alert.Alert) []got {
	var out []got
	for _, a := range as {
		old, _ := a.Get("old")
		nw, _ := a.Get("new")
		first, _ := a.Get("first_client")
		_, upd := a.Get("update")
		out = append(out, got{Key: a.Key, Severity: a.Severity.String(), Old: old.(string), New: nw.(string), First: first.(string), Update: upd})
	}
	return out
}

func watch(zones ...Watched) Config {
	c := DefaultConfig()
	c.Watched = zones
	return c
}

func TestChanges(t *testing.T) {
	const zone = "example.com"
	legit := []string{"ns1.provider.net", "ns2.provider.net"}
	evil := []string{"ns1.evil.example", "ns2.evil.example"}
	tests := []struct {
		name string
		cfg  Config
		evs  []*event.Event
		want []got
	}{
		{
			name: "the first NS set is the baseline; a new one alerts once, with the first client, then an update with the count",
			cfg:  watch(Watched{Zone: zone}),
			evs: []*event.Event{
				nsAnswer("10.1.1.1", zone, 0, legit...),
				nsAnswer("10.1.1.2", zone, time.Minute, "ns2.provider.net", "ns1.provider.net"),
				nsAnswer("10.1.1.3", zone, 2*time.Minute, evil...),
				nsAnswer("10.1.1.4", zone, 3*time.Minute, evil...),
			},
			want: []got{
				{Key: "DNSV-DEL-001|example.com|ns|example.com|ns1.evil.example, ns2.evil.example", Severity: "high",
					Old: "ns1.provider.net, ns2.provider.net", New: "ns1.evil.example, ns2.evil.example", First: "10.1.1.3"},
				{Key: "DNSV-DEL-001|example.com|ns|example.com|ns1.evil.example, ns2.evil.example", Severity: "high",
					Old: "ns1.provider.net, ns2.provider.net", New: "ns1.evil.example, ns2.evil.example", First: "10.1.1.3", Update: true},
			},
		},
		{
			name: "a configured expectation is the baseline from the first response",
			cfg:  watch(Watched{Zone: zone, ExpectedNS: legit}),
			evs:  []*event.Event{nsAnswer("10.1.1.9", zone, 0, evil...)},
			want: []got{{Key: "DNSV-DEL-001|example.com|ns|example.com|ns1.evil.example, ns2.evil.example", Severity: "high",
				Old: "ns1.provider.net, ns2.provider.net", New: "ns1.evil.example, ns2.evil.example", First: "10.1.1.9"}},
		},
		{
			name: "a name server's address changes",
			cfg:  watch(Watched{Zone: zone}),
			evs: []*event.Event{
				withGlue(nsAnswer("10.1.1.1", zone, 0, legit...), "ns1.provider.net", "198.51.100.10"),
				withGlue(nsAnswer("10.1.1.2", zone, time.Minute, legit...), "ns1.provider.net", "203.0.113.53"),
			},
			want: []got{{Key: "DNSV-DEL-001|example.com|addresses|ns1.provider.net|203.0.113.53", Severity: "high",
				Old: "198.51.100.10", New: "203.0.113.53", First: "10.1.1.2"}},
		},
		{
			name: "the SOA's primary server changes",
			cfg:  watch(Watched{Zone: zone}),
			evs: []*event.Event{
				withSOA(nsAnswer("10.1.1.1", zone, 0), zone, "ns1.provider.net. hostmaster.example.com. 1 2 3 4 5"),
				withSOA(nsAnswer("10.1.1.2", zone, time.Minute), zone, "ns1.evil.example. hostmaster.example.com. 2 2 3 4 5"),
			},
			want: []got{{Key: "DNSV-DEL-001|example.com|soa|example.com|mname ns1.evil.example, rname hostmaster.example.com", Severity: "medium",
				Old: "mname ns1.provider.net, rname hostmaster.example.com", New: "mname ns1.evil.example, rname hostmaster.example.com", First: "10.1.1.2"}},
		},
		{
			name: "other zones, and the same NS set in another order, raise nothing",
			cfg:  watch(Watched{Zone: zone}),
			evs: []*event.Event{
				nsAnswer("10.1.1.1", zone, 0, legit...),
				nsAnswer("10.1.1.1", zone, time.Second, "ns2.provider.net", "ns1.provider.net"),
				nsAnswer("10.1.1.1", "other.org", time.Second, evil...),
				nsAnswer("10.1.1.1", "notexample.com", time.Second, evil...),
			},
		},
		{
			name: "a referral for a name below the zone carries the delegation",
			cfg:  watch(Watched{Zone: zone, ExpectedNS: legit}),
			evs: func() []*event.Event {
				ev := nsAnswer("10.0.0.53", "mail.example.com", 0)
				ev.DNS.QType = event.TypeA
				ev.DNS.Authority = []event.RR{{Name: zone, Type: event.TypeNS, Data: "ns1.evil.example"}, {Name: zone, Type: event.TypeNS, Data: "ns2.evil.example"}}
				return []*event.Event{withGlue(ev, "ns1.evil.example", "203.0.113.53")}
			}(),
			want: []got{{Key: "DNSV-DEL-001|example.com|ns|example.com|ns1.evil.example, ns2.evil.example", Severity: "high",
				Old: "ns1.provider.net, ns2.provider.net", New: "ns1.evil.example, ns2.evil.example", First: "10.0.0.53"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, summarise(run(t, tc.cfg, tc.evs...))); d != "" {
				t.Errorf("alerts (-want +got):\n%s", d)
			}
		})
	}
}

// TestMaxVariants floods a watched zone with ever new NS sets: the changes
// kept stop at max_variants and the rest are counted.
func TestMaxVariants(t *testing.T) {
	cfg := watch(Watched{Zone: "example.com"})
	cfg.MaxVariants = 5
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	emit := func(*alert.Alert) { n++ }
	d.Observe(nsAnswer("10.1.1.1", "example.com", 0, "ns1.provider.net"), emit)
	for i := range 10_000 {
		d.Observe(nsAnswer("10.1.1.1", "example.com", time.Duration(i)*time.Millisecond, "ns"+strings.Repeat("x", i%50)+string(rune('a'+i%26))+".evil.example"), emit)
	}
	if n != 5 {
		t.Errorf("%d alerts, want 5 (max_variants)", n)
	}
	counts := map[string]int64{}
	for _, s := range d.Counts() {
		counts[s.Name] = s.Value
	}
	if counts["changes not kept (max_variants)"] == 0 {
		t.Errorf("drops not counted: %v", counts)
	}
}

func TestNothingWatched(t *testing.T) {
	d, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if d.UsesRecords() {
		t.Error("reads records with no zone watched")
	}
}

// TestLabHijack runs the lab capture of a registry-level re-delegation
// (testdata/lab/ns-change): corp-victim.test moves from
// ns1/ns2.legit-provider.test to ns1/ns2.evil-c2.test and back. The
// workstation ws2 (10.20.0.23) asks for the zone's NS set every 5 s and
// first received the adversary's set at 04:13:51.111 by its own log
// (meta.json).
func TestLabHijack(t *testing.T) {
	d, err := New(watch(Watched{Zone: "corp-victim.test"}))
	if err != nil {
		t.Fatal(err)
	}
	var alerts []*alert.Alert
	emit := func(a *alert.Alert) { alerts = append(alerts, a) }
	readLab(t, "lan.pcap.gz", func(ev *event.Event) { d.Observe(ev, emit) })
	d.Flush(emit)
	if len(alerts) == 0 {
		t.Fatal("no delegation alert")
	}
	a := alerts[0]
	old, _ := a.Get("old")
	nw, _ := a.Get("new")
	if old != "ns1.legit-provider.test, ns2.legit-provider.test" || nw != "ns1.evil-c2.test, ns2.evil-c2.test" {
		t.Errorf("change %q -> %q", old, nw)
	}
	// dig logged the answer at 04:13:51.111; the packet reached the
	// client's link shortly before.
	logged := time.Date(2026, 11, 28, 4, 13, 51, 111_000_000, time.UTC)
	if a.Client != netip.MustParseAddr("10.20.0.23") || a.Time.After(logged) || logged.Sub(a.Time) > 100*time.Millisecond {
		t.Errorf("first received by %v at %s, want 10.20.0.23 within 100 ms before 04:13:51.111", a.Client, a.Time.Format("15:04:05.000"))
	}
	for _, a := range alerts {
		t.Logf("%s %s: %s", a.Severity, a.Key, a.Summary)
	}
	// The capture of the client link holds no glue; the internet edge's
	// referrals do (TestLabHijackReferrals).
}

// TestLabHijackReferrals reads both captures of the lab run: the resolver
// received the registry's new referral (from a.nic.test 198.51.100.3)
// before any client, with glue for the adversary's name servers.
func TestLabHijackReferrals(t *testing.T) {
	var alerts []*alert.Alert
	d, err := New(watch(Watched{Zone: "corp-victim.test"}))
	if err != nil {
		t.Fatal(err)
	}
	emit := func(a *alert.Alert) { alerts = append(alerts, a) }
	// inet.pcap first: its referral precedes the client's answer.
	for _, name := range []string{"inet.pcap.gz", "lan.pcap.gz"} {
		readLab(t, name, func(ev *event.Event) { d.Observe(ev, emit) })
	}
	d.Flush(emit)
	if len(alerts) == 0 {
		t.Fatal("no delegation alert")
	}
	first := alerts[0]
	if first.Client != netip.MustParseAddr("10.20.1.53") || first.Server != netip.MustParseAddr("198.51.100.3") {
		t.Errorf("first received by %v from %v, want the resolver 10.20.1.53 from a.nic.test 198.51.100.3", first.Client, first.Server)
	}
	last := alerts[len(alerts)-1]
	glue, _ := last.Get("new_name_server_addresses")
	if d := cmp.Diff([]string{"ns1.evil-c2.test 203.0.113.53", "ns2.evil-c2.test 203.0.113.54"}, glue); d != "" {
		t.Errorf("glue (-want +got):\n%s", d)
	}
	clients, _ := last.Get("clients")
	if d := cmp.Diff([]string{"10.20.1.53", "10.20.0.23"}, clients); d != "" {
		t.Errorf("clients (-want +got):\n%s", d)
	}
}

// readLab decodes a capture of testdata/lab/ns-change with records.
func readLab(t *testing.T, name string, fn func(*event.Event)) {
	t.Helper()
	path := filepath.Join(testutil.RepoRoot(), "testdata", "lab", "ns-change", name)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	opts := input.DefaultOptions()
	opts.Name = path
	dec, err := pcap.Open(r, opts)
	if err != nil {
		t.Fatal(err)
	}
	var ev event.Event
	for {
		ev.Reset()
		err := dec.Next(&ev)
		if errors.Is(err, io.EOF) {
			return
		}
		if err == nil {
			fn(&ev)
		}
	}
}
