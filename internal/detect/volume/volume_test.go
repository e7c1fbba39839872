package volume

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// clock returns t0 plus minutes and seconds.
func clock(min, sec int) time.Time {
	return t0.Add(time.Duration(min)*time.Minute + time.Duration(sec)*time.Second)
}

// burst describes n DNS events sent from one source, the i-th at
// from + i*step.
type burst struct {
	n      int
	from   time.Time
	step   time.Duration
	client string // empty: unknown
	host   string
	image  string
	server string
	domain string // ev.Enrich.Domain; names are "q<i>.<domain>" unless qname is set
	qname  string
	// respOnly marks the events as responses seen without their query;
	// conn makes them connection events to port 53.
	respOnly bool
	conn     bool
	noTime   bool
}

func (b burst) events() []event.Event {
	out := make([]event.Event, b.n)
	for i := range out {
		ev := &out[i]
		ev.Kind = event.KindDNS
		if b.conn {
			ev.Kind = event.KindConn
		}
		if !b.noTime {
			ev.Time = b.from.Add(time.Duration(i) * b.step)
		}
		if b.client != "" {
			ev.Client = netip.AddrPortFrom(netip.MustParseAddr(b.client), 53000)
		}
		server := b.server
		if server == "" {
			server = "10.0.0.53"
		}
		ev.Server = netip.AddrPortFrom(netip.MustParseAddr(server), 53)
		ev.Host.Name = b.host
		ev.Process.Image = b.image
		ev.DNS.HasQuery = !b.respOnly
		ev.DNS.HasResponse = true
		if !b.conn {
			ev.DNS.QName = b.qname
			if ev.DNS.QName == "" {
				ev.DNS.QName = "q" + strconv.Itoa(i) + "." + b.domain
			}
			ev.Enrich.Domain = b.domain
		}
	}
	return out
}

// got is the part of an alert the scenario tables compare.
type got struct {
	Key             string
	Severity        alert.Severity
	Host, Process   string
	Client          string
	Domain          string
	QueryCount      any
	DistinctServers any
	TopDomains      any
	TopCounts       any
	Late            any
	AtFlush         bool
}

func summarize(a *alert.Alert, atFlush bool) got {
	ev := func(n string) any { v, _ := a.Get(n); return v }
	c := ""
	if a.Client.IsValid() {
		c = a.Client.String()
	}
	return got{
		Key: a.Key, Severity: a.Severity, Host: a.Host, Process: a.Process, Client: c, Domain: a.Domain,
		QueryCount: ev("query_count"), DistinctServers: ev("distinct_servers"),
		TopDomains: ev("top_domains"), TopCounts: ev("top_domain_counts"), Late: ev("late_queries"),
		AtFlush: atFlush,
	}
}

// run feeds the bursts in order (not merged by time: late events stay late),
// then Flush, and returns the alerts.
func run(t *testing.T, cfg Config, bursts ...burst) ([]got, *Detector) {
	t.Helper()
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out []got
	flushing := false
	emit := func(a *alert.Alert) { out = append(out, summarize(a, flushing)) }
	for _, b := range bursts {
		evs := b.events()
		for i := range evs {
			d.Observe(&evs[i], emit)
		}
	}
	flushing = true
	d.Flush(emit)
	return out, d
}

func bin0(parts ...string) string {
	return alert.MakeKey(RuleID, append(parts, "2026-03-01T12:00:00Z")...)
}

func TestScenarios(t *testing.T) {
	def := DefaultConfig()
	tests := []struct {
		name   string
		cfg    func(*Config)
		bursts []burst
		want   []got
	}{
		{
			name:   "201 queries from one client in one bin alert once",
			bursts: []burst{{n: 201, from: clock(0, 0), step: time.Second, client: "192.0.2.7", domain: "tunnel.example"}},
			want: []got{{
				Key: bin0("192.0.2.7", ""), Severity: alert.SeverityMedium, Client: "192.0.2.7", Domain: "tunnel.example",
				QueryCount: int64(201), DistinctServers: int64(1),
				TopDomains: alert.Names{"tunnel.example"}, TopCounts: []int64{201}, AtFlush: true,
			}},
		},
		{
			name:   "200 queries do not exceed the threshold",
			bursts: []burst{{n: 200, from: clock(0, 0), step: time.Second, client: "192.0.2.7", domain: "tunnel.example"}},
		},
		{
			name: "201 queries across a bin boundary stay under it in both bins",
			bursts: []burst{
				{n: 100, from: clock(4, 0), step: 500 * time.Millisecond, client: "192.0.2.7", domain: "tunnel.example"},
				{n: 101, from: clock(5, 0), step: 500 * time.Millisecond, client: "192.0.2.7", domain: "tunnel.example"},
			},
		},
		{
			name: "two processes on one host are counted apart",
			bursts: []burst{
				{n: 150, from: clock(0, 0), step: time.Second, host: "ws-17", image: `C:\Program Files\Google\Chrome\chrome.exe`, client: "10.1.1.17", domain: "google.com"},
				{n: 250, from: clock(0, 0), step: time.Second, host: "ws-17", image: `C:\Users\bob\AppData\Local\Temp\upd.exe`, client: "10.1.1.17", domain: "tunnel.example"},
			},
			want: []got{{
				Key: bin0("ws-17", "upd.exe"), Severity: alert.SeverityMedium, Host: "ws-17", Process: "upd.exe", Client: "10.1.1.17",
				Domain: "tunnel.example", QueryCount: int64(250), DistinctServers: int64(1),
				TopDomains: alert.Names{"tunnel.example"}, TopCounts: []int64{250}, AtFlush: true,
			}},
		},
		{
			name: "per_process off merges the processes of a host",
			cfg:  func(c *Config) { c.PerProcess = false },
			bursts: []burst{
				{n: 150, from: clock(0, 0), step: time.Second, host: "ws-17", image: "/usr/bin/curl", domain: "a.example"},
				{n: 60, from: clock(0, 0), step: time.Second, host: "ws-17", image: "/tmp/x", domain: "b.example"},
			},
			want: []got{{
				Key: bin0("ws-17", ""), Severity: alert.SeverityMedium, Host: "ws-17", Domain: "a.example",
				QueryCount: int64(210), DistinctServers: int64(1),
				TopDomains: alert.Names{"a.example", "b.example"}, TopCounts: []int64{150, 60}, AtFlush: true,
			}},
		},
		{
			name: "host name groups a device's changing addresses",
			bursts: []burst{
				{n: 110, from: clock(0, 0), step: time.Second, host: "laptop-3", client: "10.0.0.5", domain: "tunnel.example"},
				{n: 110, from: clock(2, 0), step: time.Second, host: "laptop-3", client: "10.0.0.99", server: "10.0.0.54", domain: "tunnel.example"},
			},
			want: []got{{
				Key: bin0("laptop-3", ""), Severity: alert.SeverityMedium, Host: "laptop-3", Client: "10.0.0.5",
				Domain: "tunnel.example", QueryCount: int64(220), DistinctServers: int64(2),
				TopDomains: alert.Names{"tunnel.example"}, TopCounts: []int64{220}, AtFlush: true,
			}},
		},
		{
			name: "a closed bin alerts when the next bin's first event arrives",
			bursts: []burst{
				{n: 201, from: clock(0, 0), step: time.Second, client: "192.0.2.7", domain: "tunnel.example"},
				{n: 1, from: clock(5, 0), client: "192.0.2.8", domain: "benign.example"},
			},
			want: []got{{
				Key: bin0("192.0.2.7", ""), Severity: alert.SeverityMedium, Client: "192.0.2.7", Domain: "tunnel.example",
				QueryCount: int64(201), DistinctServers: int64(1),
				TopDomains: alert.Names{"tunnel.example"}, TopCounts: []int64{201},
			}},
		},
		{
			name: "late queries fold into the current bin and are counted",
			bursts: []burst{
				{n: 150, from: clock(5, 0), step: time.Second, client: "192.0.2.7", domain: "tunnel.example"},
				{n: 60, from: clock(3, 0), step: time.Second, client: "192.0.2.7", domain: "tunnel.example"},
			},
			want: []got{{
				Key: alert.MakeKey(RuleID, "192.0.2.7", "", "2026-03-01T12:05:00Z"), Severity: alert.SeverityMedium,
				Client: "192.0.2.7", Domain: "tunnel.example", QueryCount: int64(210), DistinctServers: int64(1),
				TopDomains: alert.Names{"tunnel.example"}, TopCounts: []int64{210}, Late: int64(60), AtFlush: true,
			}},
		},
		{
			name:   "more than ten times the threshold is high severity",
			bursts: []burst{{n: 2001, from: clock(0, 0), step: 100 * time.Millisecond, client: "192.0.2.7", domain: "tunnel.example"}},
			want: []got{{
				Key: bin0("192.0.2.7", ""), Severity: alert.SeverityHigh, Client: "192.0.2.7", Domain: "tunnel.example",
				QueryCount: int64(2001), DistinctServers: int64(1),
				TopDomains: alert.Names{"tunnel.example"}, TopCounts: []int64{2001}, AtFlush: true,
			}},
		},
		{
			name: "an excluded client network is not counted",
			cfg: func(c *Config) {
				c.ExcludeClients = []ClientExclusion{{CIDR: netip.MustParsePrefix("10.0.0.0/24"), Reason: "resolvers"}}
			},
			bursts: []burst{{n: 500, from: clock(0, 0), step: 100 * time.Millisecond, client: "10.0.0.53", domain: "example.com"}},
		},
		{
			name: "an excluded process is not counted, case-insensitively",
			cfg: func(c *Config) {
				c.ExcludeProcesses = []ProcessExclusion{{Name: "dnscache.exe", Reason: "local cache"}}
			},
			bursts: []burst{{n: 500, from: clock(0, 0), step: 100 * time.Millisecond, host: "dc1", image: `C:\Windows\System32\DNSCache.EXE`, domain: "example.com"}},
		},
		{
			name:   "responses seen alone count as their queries",
			bursts: []burst{{n: 201, from: clock(0, 0), step: time.Second, client: "192.0.2.7", domain: "tunnel.example", respOnly: true}},
			want: []got{{
				Key: bin0("192.0.2.7", ""), Severity: alert.SeverityMedium, Client: "192.0.2.7", Domain: "tunnel.example",
				QueryCount: int64(201), DistinctServers: int64(1),
				TopDomains: alert.Names{"tunnel.example"}, TopCounts: []int64{201}, AtFlush: true,
			}},
		},
		{
			name:   "count_response_only off ignores lone responses",
			cfg:    func(c *Config) { c.CountResponseOnly = false },
			bursts: []burst{{n: 201, from: clock(0, 0), step: time.Second, client: "192.0.2.7", domain: "tunnel.example", respOnly: true}},
		},
		{
			name:   "connections to port 53 are ignored by default",
			bursts: []burst{{n: 300, from: clock(0, 0), step: time.Second, host: "ws-1", image: "evil.exe", conn: true}},
		},
		{
			name:   "count_connections counts connections to port 53",
			cfg:    func(c *Config) { c.CountConnections = true },
			bursts: []burst{{n: 300, from: clock(0, 0), step: time.Second, host: "ws-1", image: "evil.exe", conn: true}},
			want: []got{{
				Key: bin0("ws-1", "evil.exe"), Severity: alert.SeverityMedium, Host: "ws-1", Process: "evil.exe",
				QueryCount: int64(300), DistinctServers: int64(1), TopDomains: alert.Names{}, TopCounts: []int64{}, AtFlush: true,
			}},
		},
		{
			name:   "events naming neither host nor client are not attributed",
			bursts: []burst{{n: 300, from: clock(0, 0), step: time.Second, domain: "tunnel.example"}},
		},
		{
			name:   "events without a time are skipped",
			bursts: []burst{{n: 300, client: "192.0.2.7", domain: "tunnel.example", noTime: true}},
		},
		{
			name: "without enrichment the query name stands in for the domain",
			bursts: []burst{
				{n: 120, from: clock(0, 0), step: time.Second, client: "192.0.2.7", qname: "a.example"},
				{n: 90, from: clock(0, 0), step: time.Second, client: "192.0.2.7", qname: "b.example"},
			},
			want: []got{{
				Key: bin0("192.0.2.7", ""), Severity: alert.SeverityMedium, Client: "192.0.2.7", Domain: "a.example",
				QueryCount: int64(210), DistinctServers: int64(1),
				TopDomains: alert.Names{"a.example", "b.example"}, TopCounts: []int64{120, 90}, AtFlush: true,
			}},
		},
		{
			name:   "top_domains 0 and sample_names 0 keep no names",
			cfg:    func(c *Config) { c.TopDomains, c.SampleNames = 0, 0 },
			bursts: []burst{{n: 201, from: clock(0, 0), step: time.Second, client: "192.0.2.7", domain: "tunnel.example"}},
			want: []got{{
				Key: bin0("192.0.2.7", ""), Severity: alert.SeverityMedium, Client: "192.0.2.7",
				QueryCount: int64(201), DistinctServers: int64(1), TopDomains: alert.Names{}, TopCounts: []int64{}, AtFlush: true,
			}},
		},
		{
			name: "several alerts come largest first",
			cfg:  func(c *Config) { c.Threshold = 10 },
			bursts: []burst{
				{n: 20, from: clock(0, 0), step: time.Second, client: "192.0.2.1", domain: "a.example"},
				{n: 30, from: clock(0, 0), step: time.Second, client: "192.0.2.2", domain: "b.example"},
				{n: 5, from: clock(0, 0), step: time.Second, client: "192.0.2.3", domain: "c.example"},
			},
			want: []got{
				{Key: bin0("192.0.2.2", ""), Severity: alert.SeverityMedium, Client: "192.0.2.2", Domain: "b.example",
					QueryCount: int64(30), DistinctServers: int64(1), TopDomains: alert.Names{"b.example"}, TopCounts: []int64{30}, AtFlush: true},
				{Key: bin0("192.0.2.1", ""), Severity: alert.SeverityMedium, Client: "192.0.2.1", Domain: "a.example",
					QueryCount: int64(20), DistinctServers: int64(1), TopDomains: alert.Names{"a.example"}, TopCounts: []int64{20}, AtFlush: true},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := def
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			gotAlerts, _ := run(t, cfg, tc.bursts...)
			if d := cmp.Diff(tc.want, gotAlerts); d != "" {
				t.Errorf("alerts (-want +got):\n%s", d)
			}
		})
	}
}

// TestAlertContent checks one alert in full: identity, ATT&CK mapping,
// times and every evidence field an analyst reads.
func TestAlertContent(t *testing.T) {
	cfg := DefaultConfig()
	cfg.TopDomains = 2
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var alerts []*alert.Alert
	emit := func(a *alert.Alert) { alerts = append(alerts, a) }
	bursts := []burst{
		{n: 180, from: clock(1, 0), step: time.Second, host: "ws-9", image: "/usr/bin/iodine", client: "10.9.9.9", server: "10.0.0.53", domain: "tunnel.example"},
		{n: 20, from: clock(1, 30), step: time.Second, host: "ws-9", image: "/usr/bin/iodine", client: "10.9.9.9", server: "10.0.0.54", domain: "cdn.example"},
		{n: 5, from: clock(2, 0), step: time.Second, host: "ws-9", image: "/usr/bin/iodine", client: "10.9.9.9", server: "8.8.8.8", domain: "other.example"},
	}
	for _, b := range bursts {
		evs := b.events()
		for i := range evs {
			d.Observe(&evs[i], emit)
		}
	}
	d.Advance(clock(4, 59), emit)
	if len(alerts) != 0 {
		t.Fatalf("Advance inside the bin emitted %d alerts", len(alerts))
	}
	d.Advance(clock(5, 0), emit)
	d.Flush(emit)
	want := []*alert.Alert{{
		Key:       alert.MakeKey("DNSV-VOL-001", "ws-9", "iodine", "2026-03-01T12:00:00Z"),
		RuleID:    "DNSV-VOL-001",
		RuleName:  "High DNS query volume",
		Severity:  alert.SeverityMedium,
		Technique: alert.TechniqueDNSTunnel,
		Strategy:  alert.StrategyDNSServer,
		Time:      clock(5, 0),
		FirstSeen: clock(1, 0),
		LastSeen:  clock(3, 59),
		Summary:   "ws-9 (iodine) sent 205 DNS queries in the 5m0s bin starting 2026-03-01T12:00:00Z (threshold 200); top domain tunnel.example (180)",
		Host:      "ws-9",
		Process:   "iodine",
		Client:    netip.MustParseAddr("10.9.9.9"),
		Domain:    "tunnel.example",
		Evidence: []alert.Field{
			{Name: "query_count", Value: int64(205)},
			{Name: "threshold", Value: int64(200)},
			{Name: "window", Value: "5m0s"},
			{Name: "bin_start", Value: clock(0, 0)},
			{Name: "bin_end", Value: clock(5, 0)},
			{Name: "distinct_servers", Value: int64(3)},
			{Name: "distinct_domains", Value: int64(3)},
			{Name: "top_domains", Value: alert.Names{"tunnel.example", "cdn.example"}},
			{Name: "top_domain_counts", Value: []int64{180, 20}},
			{Name: "first_seen", Value: clock(1, 0)},
			{Name: "last_seen", Value: clock(3, 59)},
			{Name: "sample_names", Value: alert.Names{"q0.tunnel.example", "q1.tunnel.example", "q2.tunnel.example"}},
		},
	}}
	if diff := cmp.Diff(want, alerts, cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
		t.Errorf("alert (-want +got):\n%s", diff)
	}
}

func TestCounts(t *testing.T) {
	cfg := DefaultConfig()
	cfg.ExcludeClients = []ClientExclusion{{CIDR: netip.MustParsePrefix("10.0.0.0/8"), Reason: "lab"}}
	_, d := run(t, cfg,
		burst{n: 201, from: clock(0, 0), step: time.Second, client: "192.0.2.7", domain: "tunnel.example"},
		burst{n: 3, from: clock(1, 0), step: time.Second, client: "10.1.2.3", domain: "x.example"},
		burst{n: 2, from: clock(6, 0), step: time.Second, domain: "x.example"},
		burst{n: 4, from: clock(7, 0), step: time.Second, client: "192.0.2.8", domain: "x.example"},
		burst{n: 5, from: clock(2, 0), step: time.Second, client: "192.0.2.8", domain: "x.example"},
	)
	got := map[string]int64{}
	for _, s := range d.Counts() {
		got[s.Name] = s.Value
	}
	want := map[string]int64{
		"queries counted": 210, "late queries": 5, "excluded queries": 3, "unattributed queries": 2,
		"queries without time": 0, "keys tracked": 0, "keys evicted": 0, "domain sketch evictions": 0,
		"bins closed": 2, "alerts": 1,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
}

// TestNoAllocs holds the event path to zero allocations once its keys are
// tracked, across bin changes that raise no alert.
func TestNoAllocs(t *testing.T) {
	d, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	evs := steadyEvents(64)
	emit := func(*alert.Alert) { t.Fatal("unexpected alert") }
	for i := range evs {
		d.Observe(&evs[i], emit)
	}
	i := 0
	allocs := testing.AllocsPerRun(5000, func() {
		ev := &evs[i%len(evs)]
		ev.Time = t0.Add(time.Duration(i) * 100 * time.Millisecond)
		d.Observe(ev, emit)
		i++
	})
	if allocs != 0 {
		t.Errorf("Observe allocates %.2f times per event, want 0", allocs)
	}
}

// steadyEvents returns n events from hosts and processes spread over a few
// keys and domains, as a steady workload.
func steadyEvents(n int) []event.Event {
	evs := make([]event.Event, n)
	images := []string{`C:\Windows\System32\svchost.exe`, `C:\Program Files\Mozilla Firefox\firefox.exe`, "/usr/sbin/sshd"}
	domains := []string{"microsoft.com", "example.org", "windowsupdate.com", "mozilla.net", "cdn.example"}
	for i := range evs {
		ev := &evs[i]
		ev.Kind = event.KindDNS
		ev.Time = t0
		ev.Client = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, 0, byte(i % 16)}), 50000)
		ev.Server = netip.AddrPortFrom(netip.MustParseAddr("10.0.0.53"), 53)
		ev.Host.Name = "ws-" + strconv.Itoa(i%16)
		ev.Process.Image = images[i%len(images)]
		ev.DNS.HasQuery = true
		ev.Enrich.Domain = domains[i%len(domains)]
		ev.DNS.QName = "www" + strconv.Itoa(i%7) + "." + ev.Enrich.Domain
	}
	return evs
}

// TestDomainSketchEviction drives one key through more distinct domains than
// its sketch holds, with long names so that its name arena compacts many
// times: the heavy domain stays on top with its exact count, every listed
// name is one that was queried, and the evidence says what is approximate.
func TestDomainSketchEviction(t *testing.T) {
	d, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var alerts []*alert.Alert
	emit := func(a *alert.Alert) { alerts = append(alerts, a) }
	queried := map[string]bool{}
	observe := func(i int, domain string) {
		queried[domain] = true
		ev := event.Event{Kind: event.KindDNS, Time: clock(0, i%300)}
		ev.Client = netip.AddrPortFrom(netip.MustParseAddr("192.0.2.9"), 1)
		ev.DNS.HasQuery = true
		ev.DNS.QName = "x." + domain
		ev.Enrich.Domain = domain
		d.Observe(&ev, emit)
	}
	for i := range 300 {
		observe(i, "tunnel.example")
		observe(i, strings.Repeat("long-label-", 8)+strconv.Itoa(i)+".example")
	}
	d.Flush(emit)
	if len(alerts) != 1 {
		t.Fatalf("%d alerts, want 1", len(alerts))
	}
	a := alerts[0]
	names, _ := a.Get("top_domains")
	counts, _ := a.Get("top_domain_counts")
	if a.Domain != "tunnel.example" || counts.([]int64)[0] != 300 {
		t.Errorf("top domain %q with %v, want tunnel.example with 300", a.Domain, counts)
	}
	for _, n := range names.(alert.Names) {
		if !queried[n] {
			t.Errorf("top_domains lists %q, which was never queried", n)
		}
	}
	samples, _ := a.Get("sample_names")
	if d := cmp.Diff(alert.Names{"x.tunnel.example", "x." + strings.Repeat("long-label-", 8) + "0.example",
		"x." + strings.Repeat("long-label-", 8) + "1.example"}, samples); d != "" {
		t.Errorf("sample_names (-want +got):\n%s", d)
	}
	for _, f := range []string{"top_domains_approximate", "distinct_estimated"} {
		if v, ok := a.Get(f); !ok || v != true {
			t.Errorf("%s = %v, want true", f, v)
		}
	}
	nd, _ := a.Get("distinct_domains")
	if n := nd.(int64); n < 250 || n > 350 {
		t.Errorf("distinct_domains %d, want about 301", n)
	}
}
