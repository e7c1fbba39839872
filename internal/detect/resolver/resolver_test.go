package resolver

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// at returns t0 plus d.
func at(d time.Duration) time.Time { return t0.Add(d) }

// dnsQuery is a DNS query event from client to server:port over tr.
func dnsQuery(t time.Time, client, server string, port uint16, tr event.Transport, qname string) event.Event {
	return event.Event{
		Kind:      event.KindDNS,
		Time:      t,
		Client:    netip.AddrPortFrom(netip.MustParseAddr(client), 50000),
		Server:    netip.AddrPortFrom(netip.MustParseAddr(server), port),
		Transport: tr,
		DNS:       event.DNS{QName: qname, QType: event.TypeA, HasQuery: true, RCode: event.RcodeUnknown},
	}
}

// udp53 is the common case: a plain DNS query over UDP to port 53.
func udp53(t time.Time, client, server, qname string) event.Event {
	return dnsQuery(t, client, server, 53, event.TransportUDP, qname)
}

// conn is a connection event.
func conn(t time.Time, client, server string, port uint16, tr event.Transport, proto uint8) event.Event {
	return event.Event{
		Kind:      event.KindConn,
		Time:      t,
		Client:    netip.AddrPortFrom(netip.MustParseAddr(client), 50000),
		Server:    netip.AddrPortFrom(netip.MustParseAddr(server), port),
		Transport: tr,
		Conn:      event.Conn{Proto: proto},
	}
}

func withHost(ev event.Event, name, image string) event.Event {
	ev.Host.Name = name
	ev.Process.Image = image
	return ev
}

// got is the part of an alert the scenarios compare.
type got struct {
	Key        string
	Severity   string
	Host       string
	Client     string
	Server     string
	Queries    int64
	Conns      int64
	First      time.Time
	Last       time.Time
	Time       time.Time
	Transports []string
	Names      []string
	Provider   string
	Report     string
	Expired    string
}

func view(a *alert.Alert) got {
	g := got{
		Key:        a.Key,
		Severity:   a.Severity.String(),
		Host:       a.Host,
		Client:     a.Client.String(),
		Server:     a.Server.String(),
		First:      a.FirstSeen,
		Last:       a.LastSeen,
		Time:       a.Time,
		Transports: field[[]string](a, FieldTransports),
		Names:      []string(field[alert.Names](a, FieldSampleNames)),
		Provider:   field[string](a, FieldCatalogueProvider),
		Report:     field[string](a, FieldReport),
		Expired:    field[string](a, FieldExpiredExclusion),
	}
	g.Queries = field[int64](a, FieldQueryCount)
	g.Conns = field[int64](a, FieldConnectionCount)
	return g
}

func field[T any](a *alert.Alert, name string) T {
	v, _ := a.Get(name)
	t, _ := v.(T)
	return t
}

func key(host, server string) string { return alert.MakeKey(RuleID, host, server) }

func TestScenarios(t *testing.T) {
	cat := testCatalogue(t)
	approved := func(c *Config) {
		c.Approved = []Approved{{CIDR: "10.0.0.1", Name: "corp-dns-1"}, {CIDR: "10.0.0.2", Name: "corp-dns-2"}}
	}
	type step struct {
		ev      *event.Event
		advance time.Time // when set, Advance instead of Observe
	}
	obs := func(evs ...event.Event) []step {
		var s []step
		for i := range evs {
			s = append(s, step{ev: &evs[i]})
		}
		return s
	}
	tests := []struct {
		name   string
		config func(*Config)
		steps  []step
		want   []got
	}{
		{
			name:   "approved resolver gives nothing",
			config: approved,
			steps:  obs(udp53(at(0), "10.1.1.10", "10.0.0.1", "www.example.com"), udp53(at(time.Second), "10.1.1.10", "10.0.0.2", "a.example")),
		},
		{
			name:   "private and special destinations give nothing",
			config: approved,
			steps: obs(
				udp53(at(0), "10.1.1.10", "10.9.9.9", "a.test"),
				udp53(at(0), "10.1.1.10", "192.168.1.1", "a.test"),
				udp53(at(0), "10.1.1.10", "172.17.0.1", "a.test"),
				udp53(at(0), "10.1.1.10", "127.0.0.53", "a.test"),
				udp53(at(0), "fd00::10", "fd00::53", "a.test"),
				udp53(at(0), "10.1.1.10", "::ffff:192.168.1.1", "a.test"),
				udp53(at(0), "10.1.1.10", "224.0.0.251", "a.test"),
			),
		},
		{
			name:   "known public resolver with policy alert is low",
			config: approved,
			steps:  obs(udp53(at(0), "10.1.1.10", "8.8.8.8", "www.example.com"), udp53(at(time.Minute), "10.1.1.10", "8.8.8.8", "mail.example.com")),
			want: []got{{
				Key: key("10.1.1.10", "8.8.8.8"), Severity: "low", Client: "10.1.1.10", Server: "8.8.8.8",
				Queries: 2, First: at(0), Last: at(time.Minute), Time: at(time.Minute), Transports: []string{"udp"},
				Names: []string{"www.example.com", "mail.example.com"}, Provider: "Google Public DNS", Report: "final",
			}},
		},
		{
			name:   "known public resolver with policy allow gives nothing",
			config: func(c *Config) { approved(c); c.Catalogue.Policy = PolicyAllow },
			steps:  obs(udp53(at(0), "10.1.1.10", "8.8.8.8", "www.example.com"), udp53(at(0), "10.1.1.10", "2606:4700:4700::1111", "a.example")),
		},
		{
			name:   "open resolver from a crawl list is medium",
			config: approved,
			steps:  obs(udp53(at(0), "10.1.1.10", "1.0.71.203", "x.example")),
			want: []got{{
				Key: key("10.1.1.10", "1.0.71.203"), Severity: "medium", Client: "10.1.1.10", Server: "1.0.71.203",
				Queries: 1, First: at(0), Last: at(0), Time: at(0), Transports: []string{"udp"},
				Names: []string{"x.example"}, Report: "final",
			}},
		},
		{
			name:   "unknown external v4 and v6 give one alert per pair",
			config: approved,
			steps: obs(
				udp53(at(0), "10.1.1.10", "203.0.113.53", "a.t.evil-c2.test"),
				udp53(at(time.Second), "10.1.1.10", "2001:db8::53", "b.t.evil-c2.test"),
				dnsQuery(at(2*time.Second), "10.1.1.10", "203.0.113.53", 53, event.TransportTCP, "c.t.evil-c2.test"),
				udp53(at(3*time.Second), "10.1.1.10", "203.0.113.53", "a.t.evil-c2.test"),
				udp53(at(4*time.Second), "10.1.1.11", "203.0.113.53", "d.t.evil-c2.test"),
			),
			want: []got{
				{
					Key: key("10.1.1.10", "203.0.113.53"), Severity: "high", Client: "10.1.1.10", Server: "203.0.113.53",
					Queries: 3, First: at(0), Last: at(3 * time.Second), Time: at(3 * time.Second), Transports: []string{"udp", "tcp"},
					Names: []string{"a.t.evil-c2.test", "c.t.evil-c2.test"}, Report: "final",
				},
				{
					Key: key("10.1.1.10", "2001:db8::53"), Severity: "high", Client: "10.1.1.10", Server: "2001:db8::53",
					Queries: 1, First: at(time.Second), Last: at(time.Second), Time: at(time.Second), Transports: []string{"udp"},
					Names: []string{"b.t.evil-c2.test"}, Report: "final",
				},
				{
					Key: key("10.1.1.11", "203.0.113.53"), Severity: "high", Client: "10.1.1.11", Server: "203.0.113.53",
					Queries: 1, First: at(4 * time.Second), Last: at(4 * time.Second), Time: at(4 * time.Second), Transports: []string{"udp"},
					Names: []string{"d.t.evil-c2.test"}, Report: "final",
				},
			},
		},
		{
			name:   "110.0.0.15 is not the approved 10.0.0.1",
			config: approved,
			steps:  obs(udp53(at(0), "10.1.1.10", "110.0.0.15", "a.example")),
			want: []got{{
				Key: key("10.1.1.10", "110.0.0.15"), Severity: "high", Client: "10.1.1.10", Server: "110.0.0.15",
				Queries: 1, First: at(0), Last: at(0), Time: at(0), Transports: []string{"udp"}, Names: []string{"a.example"}, Report: "final",
			}},
		},
		{
			name:   "172.32.0.1 is not private",
			config: approved,
			steps:  obs(udp53(at(0), "10.1.1.10", "172.32.0.1", "a.example")),
			want: []got{{
				Key: key("10.1.1.10", "172.32.0.1"), Severity: "high", Client: "10.1.1.10", Server: "172.32.0.1",
				Queries: 1, First: at(0), Last: at(0), Time: at(0), Transports: []string{"udp"}, Names: []string{"a.example"}, Report: "final",
			}},
		},
		{
			name: "exclusion with a reason suppresses",
			config: func(c *Config) {
				approved(c)
				c.Exclusions = []Exclusion{{ServerCIDR: "198.51.100.0/24", Reason: "branch office resolvers over VPN", Expires: "2026-12-31"}}
			},
			steps: obs(udp53(at(0), "10.1.1.10", "198.51.100.53", "intranet.branch")),
		},
		{
			name: "exclusion by process base name, case-insensitive",
			config: func(c *Config) {
				approved(c)
				c.Exclusions = []Exclusion{{Process: "NESSUSD.EXE", Reason: "vulnerability scanner"}}
			},
			steps: obs(
				withHost(udp53(at(0), "10.1.1.10", "198.51.100.53", "a.example"), "scan-01", `C:\Program Files\Tenable\Nessus\nessusd.exe`),
				withHost(udp53(at(time.Second), "10.1.1.10", "198.51.100.53", "b.example"), "scan-01", `C:\Windows\System32\svchost.exe`),
			),
			want: []got{{
				Key: key("scan-01", "198.51.100.53"), Severity: "high", Host: "scan-01", Client: "10.1.1.10", Server: "198.51.100.53",
				Queries: 1, First: at(time.Second), Last: at(time.Second), Time: at(time.Second), Transports: []string{"udp"},
				Names: []string{"b.example"}, Report: "final",
			}},
		},
		{
			name: "expired exclusion does not suppress and is shown",
			config: func(c *Config) {
				approved(c)
				c.Exclusions = []Exclusion{{ServerCIDR: "198.51.100.53", Reason: "migration", Expires: "2026-02-28"}}
			},
			steps: obs(udp53(at(0), "10.1.1.10", "198.51.100.53", "a.example")),
			want: []got{{
				Key: key("10.1.1.10", "198.51.100.53"), Severity: "high", Client: "10.1.1.10", Server: "198.51.100.53",
				Queries: 1, First: at(0), Last: at(0), Time: at(0), Transports: []string{"udp"}, Names: []string{"a.example"}, Report: "final",
				Expired: "exclusions[0] (migration) expired 2026-03-01T00:00:00Z",
			}},
		},
		{
			name:   "DoT connection event alerts with transport dot",
			config: approved,
			steps: obs(
				conn(at(0), "10.1.1.10", "203.0.113.9", 853, event.TransportDoT, 6),
				conn(at(time.Minute), "10.1.1.10", "203.0.113.9", 853, event.TransportTCP, 6),
			),
			want: []got{{
				Key: key("10.1.1.10", "203.0.113.9"), Severity: "high", Client: "10.1.1.10", Server: "203.0.113.9",
				Conns: 2, First: at(0), Last: at(time.Minute), Time: at(time.Minute), Transports: []string{"dot"}, Report: "final",
			}},
		},
		{
			name:   "DoH connection to a catalogue endpoint is inferred; other HTTPS is not DNS",
			config: approved,
			steps: obs(
				conn(at(0), "10.1.1.10", "1.1.1.1", 443, event.TransportUnknown, 6),
				conn(at(0), "10.1.1.10", "203.0.113.80", 443, event.TransportTCP, 6),
				conn(at(0), "10.1.1.10", "203.0.113.81", 80, event.TransportUnknown, 6),
			),
			want: []got{{
				Key: key("10.1.1.10", "1.1.1.1"), Severity: "low", Client: "10.1.1.10", Server: "1.1.1.1",
				Conns: 1, First: at(0), Last: at(0), Time: at(0), Transports: []string{"doh"}, Provider: "Cloudflare 1.1.1.1", Report: "final",
			}},
		},
		{
			name:   "DoH-labelled DNS event to an unknown server",
			config: approved,
			steps:  obs(dnsQuery(at(0), "10.1.1.10", "203.0.113.44", 443, event.TransportDoH, "c2.example")),
			want: []got{{
				Key: key("10.1.1.10", "203.0.113.44"), Severity: "high", Client: "10.1.1.10", Server: "203.0.113.44",
				Queries: 1, First: at(0), Last: at(0), Time: at(0), Transports: []string{"doh"}, Names: []string{"c2.example"}, Report: "final",
			}},
		},
		{
			name:   "DNS on a port that is not configured is ignored; responses alone are ignored",
			config: approved,
			steps: func() []step {
				resp := udp53(at(0), "10.1.1.10", "203.0.113.53", "a.example")
				resp.DNS.HasQuery, resp.DNS.HasResponse = false, true
				return obs(dnsQuery(at(0), "10.1.1.10", "203.0.113.53", 5353, event.TransportUDP, "a.example"), resp)
			}(),
		},
		{
			name:   "an approved resolver's own recursion is skipped",
			config: approved,
			steps:  obs(udp53(at(0), "10.0.0.1", "198.51.100.7", "example.com")),
		},
		{
			name:   "an approved resolver's recursion alerts when skip_approved_clients is off",
			config: func(c *Config) { approved(c); c.SkipApprovedClients = false },
			steps:  obs(udp53(at(0), "10.0.0.1", "198.51.100.7", "example.com")),
			want: []got{{
				Key: key("10.0.0.1", "198.51.100.7"), Severity: "high", Client: "10.0.0.1", Server: "198.51.100.7",
				Queries: 1, First: at(0), Last: at(0), Time: at(0), Transports: []string{"udp"}, Names: []string{"example.com"}, Report: "final",
			}},
		},
		{
			name:   "a host name keys the pair across client addresses",
			config: approved,
			steps: obs(
				withHost(udp53(at(0), "10.1.1.10", "203.0.113.53", "a.example"), "ws-042", ""),
				withHost(udp53(at(time.Second), "10.1.7.20", "203.0.113.53", "a.example"), "ws-042", ""),
			),
			want: []got{{
				Key: key("ws-042", "203.0.113.53"), Severity: "high", Host: "ws-042", Client: "10.1.7.20", Server: "203.0.113.53",
				Queries: 2, First: at(0), Last: at(time.Second), Time: at(time.Second), Transports: []string{"udp"}, Names: []string{"a.example"}, Report: "final",
			}},
		},
		{
			name:   "initial alert after first_report, then final at the end",
			config: approved,
			steps: obs(
				udp53(at(0), "10.1.1.10", "203.0.113.53", "a.example"),
				udp53(at(5*time.Minute), "10.1.1.10", "203.0.113.53", "b.example"),
				udp53(at(11*time.Minute), "10.1.1.10", "203.0.113.53", "c.example"),
				udp53(at(20*time.Minute), "10.1.1.10", "203.0.113.53", "d.example"),
			),
			want: []got{
				{
					Key: key("10.1.1.10", "203.0.113.53"), Severity: "high", Client: "10.1.1.10", Server: "203.0.113.53",
					Queries: 3, First: at(0), Last: at(11 * time.Minute), Time: at(11 * time.Minute), Transports: []string{"udp"},
					Names: []string{"a.example", "b.example", "c.example"}, Report: "initial",
				},
				{
					Key: key("10.1.1.10", "203.0.113.53"), Severity: "high", Client: "10.1.1.10", Server: "203.0.113.53",
					Queries: 4, First: at(0), Last: at(20 * time.Minute), Time: at(20 * time.Minute), Transports: []string{"udp"},
					Names: []string{"a.example", "b.example", "c.example", "d.example"}, Report: "final",
				},
			},
		},
		{
			name:   "Advance reports a quiet pair, then forgets it after an idle interval",
			config: func(c *Config) { approved(c); c.ReportInterval = time.Hour },
			steps: []step{
				{ev: ptr(udp53(at(0), "10.1.1.10", "203.0.113.53", "a.example"))},
				{advance: at(10 * time.Minute)},
				{advance: at(3 * time.Hour)},
				{ev: ptr(udp53(at(4*time.Hour), "10.1.1.10", "203.0.113.53", "z.example"))},
			},
			want: []got{
				{
					Key: key("10.1.1.10", "203.0.113.53"), Severity: "high", Client: "10.1.1.10", Server: "203.0.113.53",
					Queries: 1, First: at(0), Last: at(0), Time: at(10 * time.Minute), Transports: []string{"udp"},
					Names: []string{"a.example"}, Report: "initial",
				},
				{
					Key: key("10.1.1.10", "203.0.113.53"), Severity: "high", Client: "10.1.1.10", Server: "203.0.113.53",
					Queries: 1, First: at(4 * time.Hour), Last: at(4 * time.Hour), Time: at(4 * time.Hour), Transports: []string{"udp"},
					Names: []string{"z.example"}, Report: "final",
				},
			},
		},
		{
			name:   "an update every report_interval while active",
			config: func(c *Config) { approved(c); c.FirstReport = 0; c.ReportInterval = time.Hour },
			steps: obs(
				udp53(at(0), "10.1.1.10", "203.0.113.53", "a.example"),
				udp53(at(30*time.Minute), "10.1.1.10", "203.0.113.53", "a.example"),
				udp53(at(61*time.Minute), "10.1.1.10", "203.0.113.53", "a.example"),
			),
			want: []got{
				{
					Key: key("10.1.1.10", "203.0.113.53"), Severity: "high", Client: "10.1.1.10", Server: "203.0.113.53",
					Queries: 1, First: at(0), Last: at(0), Time: at(0), Transports: []string{"udp"}, Names: []string{"a.example"}, Report: "initial",
				},
				{
					Key: key("10.1.1.10", "203.0.113.53"), Severity: "high", Client: "10.1.1.10", Server: "203.0.113.53",
					Queries: 3, First: at(0), Last: at(61 * time.Minute), Time: at(61 * time.Minute), Transports: []string{"udp"}, Names: []string{"a.example"}, Report: "update",
				},
			},
		},
		{
			name:   "eviction reports the least recently seen pair",
			config: func(c *Config) { approved(c); c.MaxPairs = 2 },
			steps: obs(
				udp53(at(0), "10.1.1.1", "203.0.113.53", "a.example"),
				udp53(at(time.Second), "10.1.1.2", "203.0.113.53", "b.example"),
				udp53(at(2*time.Second), "10.1.1.1", "203.0.113.53", "a.example"),
				udp53(at(3*time.Second), "10.1.1.3", "203.0.113.53", "c.example"),
			),
			want: []got{
				{
					Key: key("10.1.1.2", "203.0.113.53"), Severity: "high", Client: "10.1.1.2", Server: "203.0.113.53",
					Queries: 1, First: at(time.Second), Last: at(time.Second), Time: at(time.Second), Transports: []string{"udp"}, Names: []string{"b.example"}, Report: "evicted",
				},
				{
					Key: key("10.1.1.1", "203.0.113.53"), Severity: "high", Client: "10.1.1.1", Server: "203.0.113.53",
					Queries: 2, First: at(0), Last: at(2 * time.Second), Time: at(2 * time.Second), Transports: []string{"udp"}, Names: []string{"a.example"}, Report: "final",
				},
				{
					Key: key("10.1.1.3", "203.0.113.53"), Severity: "high", Client: "10.1.1.3", Server: "203.0.113.53",
					Queries: 1, First: at(3 * time.Second), Last: at(3 * time.Second), Time: at(3 * time.Second), Transports: []string{"udp"}, Names: []string{"c.example"}, Report: "final",
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tt.config(&cfg)
			d, err := New(cfg, Deps{Catalogue: cat})
			if err != nil {
				t.Fatal(err)
			}
			var alerts []got
			emit := func(a *alert.Alert) { alerts = append(alerts, view(a)) }
			for _, s := range tt.steps {
				if s.ev == nil {
					d.Advance(s.advance, emit)
					continue
				}
				d.Observe(s.ev, emit)
			}
			d.Flush(emit)
			if diff := cmp.Diff(tt.want, alerts); diff != "" {
				t.Errorf("alerts mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestManyEventsOnePairOneAlert(t *testing.T) {
	d, err := New(DefaultConfig(), Deps{Catalogue: testCatalogue(t)})
	if err != nil {
		t.Fatal(err)
	}
	var alerts []*alert.Alert
	emit := func(a *alert.Alert) { alerts = append(alerts, a) }
	for i := range 10000 {
		ev := udp53(at(time.Duration(i)*time.Millisecond), "10.1.1.10", "198.51.100.53", fmt.Sprintf("n%d.t.evil-c2.test", i))
		d.Observe(&ev, emit)
	}
	d.Flush(emit)
	if len(alerts) != 1 {
		t.Fatalf("got %d alerts, want 1", len(alerts))
	}
	g := view(alerts[0])
	want := got{
		Key: key("10.1.1.10", "198.51.100.53"), Severity: "high", Client: "10.1.1.10", Server: "198.51.100.53",
		Queries: 10000, First: at(0), Last: at(9999 * time.Millisecond), Time: at(9999 * time.Millisecond),
		Transports: []string{"udp"}, Names: []string{"n0.t.evil-c2.test", "n1.t.evil-c2.test", "n2.t.evil-c2.test", "n3.t.evil-c2.test", "n4.t.evil-c2.test"},
		Report: "final",
	}
	if diff := cmp.Diff(want, g); diff != "" {
		t.Errorf("alert mismatch (-want +got):\n%s", diff)
	}
	if s := alerts[0].Summary; s != "10.1.1.10 sent 10000 DNS queries (udp) to 198.51.100.53, which is not an approved resolver [unknown (in no public resolver list)]" {
		t.Errorf("summary = %q", s)
	}
}

// TestSamplesOutliveTheEvent reuses the bytes behind the event's strings, as
// a decoder does, and checks that the alert kept its own copies.
func TestSamplesOutliveTheEvent(t *testing.T) {
	d, err := New(DefaultConfig(), Deps{Catalogue: testCatalogue(t)})
	if err != nil {
		t.Fatal(err)
	}
	buf := []byte("secret.t.evil-c2.test|ws-042|malware.exe")
	ev := udp53(at(0), "10.1.1.10", "198.51.100.53", "")
	ev.DNS.QName = unsafe.String(&buf[0], 21)
	ev.Host.Name = unsafe.String(&buf[22], 6)
	ev.Process.Image = unsafe.String(&buf[29], 11)
	var alerts []*alert.Alert
	emit := func(a *alert.Alert) { alerts = append(alerts, a) }
	d.Observe(&ev, emit)
	for i := range buf {
		buf[i] = 'X'
	}
	d.Flush(emit)
	if len(alerts) != 1 {
		t.Fatalf("got %d alerts, want 1", len(alerts))
	}
	a := alerts[0]
	gotStrings := []string{a.Host, a.QName, a.Process, field[alert.Names](a, FieldSampleNames)[0], field[[]string](a, FieldProcesses)[0]}
	want := []string{"ws-042", "secret.t.evil-c2.test", "malware.exe", "secret.t.evil-c2.test", "malware.exe"}
	if diff := cmp.Diff(want, gotStrings); diff != "" {
		t.Errorf("alert strings changed with the event buffer (-want +got):\n%s", diff)
	}
}

// TestFloodStaysBounded sprays a million distinct (client, server) pairs: the
// table never holds more than max_pairs, every eviction is counted, and no
// pair is lost without an alert.
func TestFloodStaysBounded(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxPairs = 10000
	d, err := New(cfg, Deps{Catalogue: testCatalogue(t)})
	if err != nil {
		t.Fatal(err)
	}
	alerts := 0
	var over *alert.Alert
	emit := func(a *alert.Alert) {
		alerts++
		if a.Key == alert.MakeKey(RuleID, "overflow") {
			over = a
		}
	}
	const n = 1_000_000
	ev := udp53(at(0), "10.0.0.0", "198.51.100.0", "flood.example")
	maxHeld := 0
	for i := range n {
		ev.Client = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 64, byte(i >> 8), byte(i)}), 50000)
		ev.Server = netip.AddrPortFrom(netip.AddrFrom4([4]byte{11, byte(i >> 16), byte(i >> 8), byte(i)}), 53)
		d.Observe(&ev, emit)
		maxHeld = max(maxHeld, d.pairs.len())
	}
	d.Flush(emit)
	counts := map[string]int64{}
	for _, s := range d.Counts() {
		counts[s.Name] = s.Value
	}
	if maxHeld > cfg.MaxPairs {
		t.Errorf("held %d pairs, cap is %d", maxHeld, cfg.MaxPairs)
	}
	// Every pair is reported, but the output stays bounded: one alert for
	// each of the first max_eviction_alerts evicted pairs, one for each pair
	// still held at the end, and one overflow alert for all the others.
	evicted := n - int64(cfg.MaxPairs)
	wantAlerts := int64(cfg.MaxEvictionAlerts) + int64(cfg.MaxPairs) + 1
	want := map[string]int64{
		"pairs tracked":  int64(cfg.MaxPairs),
		"pairs created":  n,
		"pairs evicted":  evicted,
		"alerts emitted": wantAlerts,
		"dns events":     n,
	}
	for name, v := range want {
		if counts[name] != v {
			t.Errorf("counter %q = %d, want %d", name, counts[name], v)
		}
	}
	if int64(alerts) != wantAlerts {
		t.Errorf("emitted %d alerts, want %d", alerts, wantAlerts)
	}
	if over == nil {
		t.Fatal("no overflow alert")
	}
	if v, _ := over.Get("pairs"); v != evicted-int64(cfg.MaxEvictionAlerts) {
		t.Errorf("overflow pairs = %v, want %d", v, evicted-int64(cfg.MaxEvictionAlerts))
	}
	if v, _ := over.Get(FieldQueryCount); v != evicted-int64(cfg.MaxEvictionAlerts) {
		t.Errorf("overflow query_count = %v, want one per folded pair", v)
	}
}

// A spray from one host folds into one overflow alert naming that host.
func TestOverflowNamesTheSprayingHost(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxPairs, cfg.MaxEvictionAlerts = 100, 5
	d, err := New(cfg, Deps{Catalogue: testCatalogue(t)})
	if err != nil {
		t.Fatal(err)
	}
	var got []*alert.Alert
	emit := func(a *alert.Alert) { got = append(got, a) }
	ev := udp53(at(0), "10.1.1.1", "198.51.100.0", "spray.example")
	for i := range 1000 {
		ev.Time = at(time.Duration(i) * time.Millisecond)
		if i%10 == 0 { // a quiet host, once in a while
			ev.Client = netip.MustParseAddrPort("10.2.2.2:5353")
		} else {
			ev.Client = netip.MustParseAddrPort("10.1.1.1:5353")
		}
		ev.Server = netip.AddrPortFrom(netip.AddrFrom4([4]byte{11, 0, byte(i >> 8), byte(i)}), 53)
		d.Observe(&ev, emit)
	}
	d.Flush(emit)
	var over *alert.Alert
	for _, a := range got {
		if a.Key == alert.MakeKey(RuleID, "overflow") {
			over = a
		}
	}
	if over == nil {
		t.Fatalf("no overflow alert among %d", len(got))
	}
	hosts, _ := over.Get("top_hosts")
	if d := cmp.Diff([]string{"10.1.1.1", "10.2.2.2"}, hosts); d != "" {
		t.Errorf("top hosts (-want +got):\n%s", d)
	}
	if len(got) > 5+100+3 {
		t.Errorf("%d alerts: the spray was not folded", len(got))
	}
}

func TestCounts(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Approved = []Approved{{CIDR: "10.0.0.1"}}
	cfg.Catalogue.Policy = PolicyAllow
	cfg.Exclusions = []Exclusion{
		{ServerCIDR: "198.51.100.1", Reason: "a"},
		{ServerCIDR: "198.51.100.2", Reason: "b", Expires: "2020-01-01"},
	}
	d, err := New(cfg, Deps{Catalogue: testCatalogue(t)})
	if err != nil {
		t.Fatal(err)
	}
	evs := []event.Event{
		udp53(at(0), "10.1.1.1", "10.0.0.1", "a"),         // approved
		udp53(at(0), "10.1.1.1", "192.168.0.1", "a"),      // special
		udp53(at(0), "10.1.1.1", "9.9.9.9", "a"),          // catalogue allowed
		udp53(at(0), "10.0.0.1", "198.51.100.9", "a"),     // sent by approved resolver
		udp53(at(0), "10.1.1.1", "198.51.100.1", "a"),     // excluded
		udp53(at(0), "10.1.1.1", "198.51.100.2", "a"),     // expired exclusion: a pair
		udp53(at(0), "10.1.1.1", "198.51.100.3", "a"),     // a pair
		conn(at(0), "10.1.1.1", "198.51.100.3", 22, 0, 6), // not DNS
	}
	emit := func(*alert.Alert) {}
	for i := range evs {
		d.Observe(&evs[i], emit)
	}
	d.Flush(emit)
	got := map[string]int64{}
	for _, s := range d.Counts() {
		got[s.Name] = s.Value
	}
	want := map[string]int64{
		"pairs tracked": 2, "dns events": 7, "approved destination": 1, "special-purpose destination": 1,
		"catalogue allowed": 1, "sent by approved resolver": 1, "sent by a resolver process": 0, "excluded": 1, "expired exclusion matched": 1,
		"no host identity": 0, "authoritative addresses not kept (full)": 0, "pairs created": 2, "pairs evicted": 0, "pairs forgotten idle": 0,
		"pairs forgotten at reload (now approved)": 0, "alerts emitted": 2,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("counts mismatch (-want +got):\n%s", diff)
	}
}

func TestAlertContext(t *testing.T) {
	d, err := New(DefaultConfig(), Deps{Catalogue: testCatalogue(t)})
	if err != nil {
		t.Fatal(err)
	}
	ev := withHost(dnsQuery(at(0), "10.20.0.23", "203.0.113.53", 53, event.TransportTCP, "update.evil-c2.test"), "ws2", `C:\Temp\svc.exe`)
	ev.Host.User = `CORP\bob`
	ev.Enrich.Domain = "evil-c2.test"
	var alerts []*alert.Alert
	d.Observe(&ev, func(a *alert.Alert) { alerts = append(alerts, a) })
	d.Flush(func(a *alert.Alert) { alerts = append(alerts, a) })
	if len(alerts) != 1 {
		t.Fatalf("got %d alerts, want 1", len(alerts))
	}
	a := alerts[0]
	type ctx struct {
		RuleID, RuleName, Technique, Strategy, Host, User, Process, QName, Domain, Transport, Summary string
		Port                                                                                          uint16
	}
	want := ctx{
		RuleID: RuleID, RuleName: RuleName, Technique: alert.TechniqueDNSServer, Strategy: alert.StrategyDNSServer,
		Host: "ws2", User: `CORP\bob`, Process: `C:\Temp\svc.exe`, QName: "update.evil-c2.test", Domain: "evil-c2.test",
		Transport: "tcp", Port: 53,
		Summary: "ws2 (10.20.0.23) sent 1 DNS query (tcp) to 203.0.113.53, which is not an approved resolver [unknown (in no public resolver list)]",
	}
	got := ctx{a.RuleID, a.RuleName, a.Technique, a.Strategy, a.Host, a.User, a.Process, a.QName, a.Domain, a.Transport, a.Summary, a.Port}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("alert context mismatch (-want +got):\n%s", diff)
	}
}

// A domain controller's DNS service recursing to the Internet is not a
// bypass; the same file name elsewhere, or another process, still alerts.
func TestResolverProcesses(t *testing.T) {
	tests := []struct {
		name   string
		image  string
		alerts int
	}{
		{"windows dns server by full path", `C:\Windows\System32\dns.exe`, 0},
		{"full path any case", `c:\windows\system32\DNS.EXE`, 0},
		{"dns.exe outside system32 is not the service", `C:\Users\bob\AppData\Local\Temp\dns.exe`, 1},
		{"unbound by file name", "/usr/sbin/unbound", 0},
		{"other process", `C:\Windows\System32\svchost.exe`, 1},
		{"no process known", "", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := New(DefaultConfig(), Deps{Catalogue: testCatalogue(t)})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			emit := func(*alert.Alert) { n++ }
			ev := udp53(at(0), "172.18.38.5", "199.4.138.53", "example.com")
			ev.Process.Image = tc.image
			d.Observe(&ev, emit)
			d.Flush(emit)
			if n != tc.alerts {
				t.Errorf("%d alerts, want %d", n, tc.alerts)
			}
		})
	}
}

// TestDirectToAuthoritative checks the evidence of direct-to-authoritative
// traffic: queries with recursion desired clear, counted only where the
// source has the header, and servers known as authoritative from earlier
// scans (Deps.Authoritative) or from referral glue in the input.
func TestDirectToAuthoritative(t *testing.T) {
	d, err := New(DefaultConfig(), Deps{Authoritative: map[netip.Addr]string{netip.MustParseAddr("203.0.113.53"): "evil-c2.test"}})
	if err != nil {
		t.Fatal(err)
	}
	var alerts []*alert.Alert
	emit := func(a *alert.Alert) { alerts = append(alerts, a) }
	// A referral from a TLD server naming 198.51.100.10 as a server of
	// victim.example (glue).
	ref := udp53(at(0), "10.1.1.1", "198.51.100.3", "www.victim.example")
	ref.DNS.HasResponse, ref.DNS.FlagsKnown, ref.DNS.Flags = true, true, event.FlagQR
	ref.DNS.Authority = []event.RR{{Name: "victim.example", Type: event.TypeNS, Data: "ns1.victim.example"}}
	ref.DNS.Additional = []event.RR{{Name: "ns1.victim.example", Type: event.TypeA, Data: "198.51.100.10"}}
	d.Observe(&ref, emit)
	for i, server := range []string{"203.0.113.53", "198.51.100.10"} {
		q := udp53(at(time.Duration(i+1)*time.Second), "10.1.1.1", server, "www.victim.example")
		q.DNS.FlagsKnown = true // RD clear, as a stub resolver never sends it
		d.Observe(&q, emit)
	}
	endpoint := udp53(at(5*time.Second), "10.1.1.2", "203.0.113.53", "www.victim.example") // no header: an endpoint log
	d.Observe(&endpoint, emit)
	d.Flush(emit)
	got := map[string]string{}
	for _, a := range alerts {
		n, _ := a.Get(FieldNoRecursion)
		z, _ := a.Get(FieldAuthoritativeFor)
		got[a.Client.String()+" "+a.Server.String()] = fmt.Sprint(n, " ", z)
	}
	want := map[string]string{
		"10.1.1.1 203.0.113.53":  "1 [evil-c2.test]",
		"10.1.1.1 198.51.100.10": "1 [victim.example]",
		"10.1.1.1 198.51.100.3":  "1 <nil>", // the paired exchange with the TLD server asked no recursion either
		"10.1.1.2 203.0.113.53":  "<nil> [evil-c2.test]",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("evidence (-want +got):\n%s", diff)
	}
}
