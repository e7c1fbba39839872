package incident

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/alert"
)

var t0 = time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)

// at returns an alert of host at t0+offset.
func at(host, rule string, sev alert.Severity, offset time.Duration) *alert.Alert {
	return &alert.Alert{
		Key:      alert.MakeKey(rule, host, offset.String()),
		RuleID:   rule,
		RuleName: "rule " + rule,
		Severity: sev,
		Time:     t0.Add(offset),
		Summary:  rule + " fired",
		Host:     host,
	}
}

// addrs compares netip.Addr values, whose fields are unexported.
var addrs = cmp.Comparer(func(a, b netip.Addr) bool { return a == b })

func with(a *alert.Alert, f func(*alert.Alert)) *alert.Alert { f(a); return a }

func server(s string) func(*alert.Alert) {
	return func(a *alert.Alert) { a.Server = netip.MustParseAddr(s) }
}

// view is the part of an Incident the scenarios compare.
type view struct {
	Host     string
	First    time.Duration
	Last     time.Duration
	Alerts   int
	Severity alert.Severity
	Rules    []string
	Raised   int
}

func viewOf(incs []Incident) []view {
	var out []view
	for _, inc := range incs {
		v := view{Host: inc.Host, First: inc.First.Sub(t0), Last: inc.Last.Sub(t0), Alerts: inc.Alerts, Severity: inc.Severity, Raised: len(inc.Raised)}
		for _, r := range inc.Rules {
			v.Rules = append(v.Rules, r.ID)
		}
		out = append(out, v)
	}
	return out
}

func correlate(t *testing.T, cfg Config, alerts []*alert.Alert) []Incident {
	t.Helper()
	c, err := New(cfg, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range alerts {
		c.Add(a)
	}
	return c.Close()
}

func TestCorrelate(t *testing.T) {
	const (
		res = "DNSV-RES-001"
		vol = "DNSV-VOL-001"
		cfg = "DNSV-CFG-001"
	)
	low, med, high := alert.SeverityLow, alert.SeverityMedium, alert.SeverityHigh
	tests := []struct {
		name    string
		alerts  []*alert.Alert
		want    []view
		summary []string // substrings of the first incident's summary
		absent  []string // substrings it must not have
	}{
		{
			name:   "two alerts 1h apart are one incident",
			alerts: []*alert.Alert{at("wks-1", res, med, 0), at("wks-1", res, med, time.Hour)},
			want:   []view{{Host: "wks-1", Last: time.Hour, Alerts: 2, Severity: med, Rules: []string{res}}},
		},
		{
			name:   "two alerts 25h apart are two incidents",
			alerts: []*alert.Alert{at("wks-1", res, med, 0), at("wks-1", res, med, 25*time.Hour)},
			want: []view{
				{Host: "wks-1", Alerts: 1, Severity: med, Rules: []string{res}},
				{Host: "wks-1", First: 25 * time.Hour, Last: 25 * time.Hour, Alerts: 1, Severity: med, Rules: []string{res}},
			},
		},
		{
			name:   "a chain of alerts 20h apart stays one incident",
			alerts: []*alert.Alert{at("wks-1", res, low, 0), at("wks-1", res, low, 20*time.Hour), at("wks-1", res, low, 40*time.Hour)},
			want:   []view{{Host: "wks-1", Last: 40 * time.Hour, Alerts: 3, Severity: low, Rules: []string{res}}},
		},
		{
			name:   "two hosts are two incidents",
			alerts: []*alert.Alert{at("wks-1", res, med, 0), at("wks-2", res, med, time.Minute)},
			want: []view{
				{Host: "wks-1", Alerts: 1, Severity: med, Rules: []string{res}},
				{Host: "wks-2", First: time.Minute, Last: time.Minute, Alerts: 1, Severity: med, Rules: []string{res}},
			},
		},
		{
			name:   "host names differing in case are one host",
			alerts: []*alert.Alert{at("WKS-1", res, med, 0), at("wks-1", res, med, time.Minute)},
			want:   []view{{Host: "WKS-1", Last: time.Minute, Alerts: 2, Severity: med, Rules: []string{res}}},
		},
		{
			name: "a client address identifies a host without a name",
			alerts: []*alert.Alert{
				with(at("", res, med, 0), func(a *alert.Alert) { a.Client = netip.MustParseAddr("10.1.2.3") }),
				with(at("", vol, low, time.Hour), func(a *alert.Alert) { a.Client = netip.MustParseAddr("10.1.2.3") }),
				with(at("", res, med, 0), func(a *alert.Alert) { a.Client = netip.MustParseAddr("10.1.2.4") }),
			},
			want: []view{
				{Last: time.Hour, Alerts: 2, Severity: high, Rules: []string{res, vol}, Raised: 1},
				{Alerts: 1, Severity: med, Rules: []string{res}},
			},
		},
		{
			name: "late alert bridging two incidents merges them",
			alerts: []*alert.Alert{
				at("wks-1", res, med, 0), at("wks-1", res, med, 30*time.Hour), at("wks-1", res, med, 15*time.Hour),
			},
			want: []view{{Host: "wks-1", Last: 30 * time.Hour, Alerts: 3, Severity: med, Rules: []string{res}}},
		},
		{
			name:   "late alert before an incident extends it backwards",
			alerts: []*alert.Alert{at("wks-1", res, med, 10*time.Hour), at("wks-1", res, med, 0)},
			want:   []view{{Host: "wks-1", Last: 10 * time.Hour, Alerts: 2, Severity: med, Rules: []string{res}}},
		},
		{
			name:    "two distinct rules raise the severity one level",
			alerts:  []*alert.Alert{at("wks-1", res, med, 0), at("wks-1", vol, low, time.Hour)},
			want:    []view{{Host: "wks-1", Last: time.Hour, Alerts: 2, Severity: high, Rules: []string{res, vol}, Raised: 1}},
			summary: []string{"2 distinct rules fired (medium raised to high)", "DNSV-RES-001, DNSV-VOL-001"},
		},
		{
			name:   "raise stops at critical",
			alerts: []*alert.Alert{at("wks-1", res, alert.SeverityCritical, 0), at("wks-1", vol, low, time.Hour)},
			want:   []view{{Host: "wks-1", Last: time.Hour, Alerts: 2, Severity: alert.SeverityCritical, Rules: []string{res, vol}}},
		},
		{
			name: "config change then resolver traffic to the server it set is high",
			alerts: []*alert.Alert{
				with(at("wks-1", cfg, low, 0), func(a *alert.Alert) {
					a.Evidence = []alert.Field{{Name: "new_servers", Value: []string{"203.0.113.7", "203.0.113.8"}}}
				}),
				with(at("wks-1", cfg, low, time.Minute), func(a *alert.Alert) {}),
				with(at("wks-1", cfg, low, 2*time.Minute), server("203.0.113.7")),
			},
			want:    []view{{Host: "wks-1", Last: 2 * time.Minute, Alerts: 3, Severity: high, Rules: []string{cfg}, Raised: 1}},
			summary: []string{"configuration change DNSV-CFG-001 at 2026-03-14T09:00:00Z set DNS server 203.0.113.7 and DNS traffic to it followed (DNSV-CFG-001 at 2026-03-14T09:02:00Z) (low raised to high)"},
		},
		{
			name: "config change then resolver alert to the same server is high",
			alerts: []*alert.Alert{
				with(at("wks-1", cfg, low, 0), func(a *alert.Alert) {
					a.Evidence = []alert.Field{{Name: "servers", Value: "203.0.113.7, 203.0.113.8"}}
				}),
				with(at("wks-1", res, low, time.Hour), server("203.0.113.8")),
			},
			want:    []view{{Host: "wks-1", Last: time.Hour, Alerts: 2, Severity: high, Rules: []string{cfg, res}, Raised: 2}},
			summary: []string{"set DNS server 203.0.113.8 and DNS traffic to it followed (DNSV-RES-001", "servers 203.0.113.8"},
		},
		{
			name: "change alert naming the server in Server does not follow itself",
			alerts: []*alert.Alert{
				with(at("wks-1", "DNSV-CFG-002", low, 0), server("203.0.113.7")),
			},
			want:   []view{{Host: "wks-1", Alerts: 1, Severity: low, Rules: []string{"DNSV-CFG-002"}}},
			absent: []string{"followed"},
		},
		{
			name: "config change and traffic to a different server is not raised for it",
			alerts: []*alert.Alert{
				with(at("wks-1", cfg, low, 0), func(a *alert.Alert) {
					a.Evidence = []alert.Field{{Name: "servers", Value: []netip.Addr{netip.MustParseAddr("203.0.113.7")}}}
				}),
				with(at("wks-1", res, low, time.Hour), server("198.51.100.1")),
			},
			want:   []view{{Host: "wks-1", Last: time.Hour, Alerts: 2, Severity: med, Rules: []string{cfg, res}, Raised: 1}},
			absent: []string{"followed"},
		},
		{
			name: "traffic before the change is not raised for it",
			alerts: []*alert.Alert{
				with(at("wks-1", res, low, 0), server("203.0.113.7")),
				with(at("wks-1", cfg, low, time.Hour), func(a *alert.Alert) {
					a.Evidence = []alert.Field{{Name: "servers", Value: "203.0.113.7"}}
				}),
			},
			want:   []view{{Host: "wks-1", Last: time.Hour, Alerts: 2, Severity: med, Rules: []string{cfg, res}, Raised: 1}},
			absent: []string{"followed"},
		},
		{
			name: "summary names processes and servers",
			alerts: []*alert.Alert{
				with(at("wks-1", res, med, 0), func(a *alert.Alert) {
					a.Process = `C:\tools\dig.exe`
					a.Server = netip.MustParseAddr("198.51.100.1")
				}),
			},
			want:    []view{{Host: "wks-1", Alerts: 1, Severity: med, Rules: []string{res}}},
			summary: []string{`1 alert on wks-1 over 0s from 1 rule (DNSV-RES-001), processes C:\tools\dig.exe, servers 198.51.100.1; severity medium.`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := correlate(t, DefaultConfig(), tt.alerts)
			if diff := cmp.Diff(tt.want, viewOf(got)); diff != "" {
				t.Fatalf("incidents (-want +got):\n%s", diff)
			}
			for _, s := range tt.summary {
				if !strings.Contains(got[0].Summary, s) {
					t.Errorf("summary %q does not contain %q", got[0].Summary, s)
				}
			}
			for _, s := range tt.absent {
				if strings.Contains(got[0].Summary, s) {
					t.Errorf("summary %q contains %q", got[0].Summary, s)
				}
			}
			// Arrival order must not change the result.
			reversed := slices.Clone(tt.alerts)
			slices.Reverse(reversed)
			if diff := cmp.Diff(got, correlate(t, DefaultConfig(), reversed), addrs); diff != "" {
				t.Errorf("reversed arrival gives other incidents (-forward +reversed):\n%s", diff)
			}
		})
	}
}

// idDigest is the first 12 hex digits of sha256("wks-1\x00" + "2026-03-14T09:00:00Z").
const idDigest = "116164a78ed7"

func TestIDsAreDeterministic(t *testing.T) {
	alerts := func() []*alert.Alert {
		return []*alert.Alert{at("wks-1", "DNSV-RES-001", alert.SeverityLow, 0), at("wks-2", "DNSV-RES-001", alert.SeverityLow, 0)}
	}
	a := correlate(t, DefaultConfig(), alerts())
	b := correlate(t, DefaultConfig(), alerts())
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"same input same id", b[0].ID, a[0].ID},
		{"fixed value", a[0].ID, incidentID("wks-1", t0)},
		{"fixed digest", a[0].ID, "INC-" + idDigest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
	if a[0].ID == a[1].ID {
		t.Errorf("two hosts share ID %s", a[0].ID)
	}
}

func TestTimelineCap(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxAlertsPerIncident = 3
	var alerts []*alert.Alert
	for i := 9; i >= 0; i-- {
		alerts = append(alerts, at("wks-1", "DNSV-RES-001", alert.SeverityLow, time.Duration(i)*time.Minute))
	}
	got := correlate(t, cfg, alerts)
	if len(got) != 1 {
		t.Fatalf("got %d incidents, want 1", len(got))
	}
	var times []time.Duration
	for _, e := range got[0].Timeline {
		times = append(times, e.Time.Sub(t0))
	}
	want := struct {
		Times            []time.Duration
		Alerts, Dropped  int
		FirstKey, LastTo time.Duration
	}{[]time.Duration{0, time.Minute, 2 * time.Minute}, 10, 7, 0, 9 * time.Minute}
	gotv := want
	gotv.Times, gotv.Alerts, gotv.Dropped, gotv.FirstKey, gotv.LastTo = times, got[0].Alerts, got[0].Dropped, got[0].First.Sub(t0), got[0].Last.Sub(t0)
	if diff := cmp.Diff(want, gotv); diff != "" {
		t.Errorf("timeline (-want +got):\n%s", diff)
	}
}

func TestValueCap(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxValues = 2
	var alerts []*alert.Alert
	for i := range 5 {
		alerts = append(alerts, with(at("wks-1", "DNSV-RES-001", alert.SeverityLow, time.Duration(i)*time.Minute), func(a *alert.Alert) {
			a.Process = string(rune('a'+i)) + ".exe"
		}))
	}
	got := correlate(t, cfg, alerts)
	if diff := cmp.Diff([]string{"a.exe", "b.exe"}, got[0].Processes); diff != "" {
		t.Errorf("processes (-want +got):\n%s", diff)
	}
	if got[0].Overflow != 3 {
		t.Errorf("overflow = %d, want 3", got[0].Overflow)
	}
}

// TestFloodIsBounded sends one alert from each of a million hosts through a
// Correlator capped at 1000 incidents: at most 1000 stay open, the others
// are evicted, counted and handed to Deps.Evicted, so none is lost.
func TestFloodIsBounded(t *testing.T) {
	hosts := 1_000_000
	if testing.Short() {
		hosts = 50_000
	}
	cfg := DefaultConfig()
	cfg.MaxIncidents = 1000
	var evicted, maxOpen int
	c, err := New(cfg, Deps{Evicted: func(inc *Incident) {
		if !inc.Evicted || inc.Alerts != 1 {
			t.Fatalf("evicted incident %+v", inc)
		}
		evicted++
	}})
	if err != nil {
		t.Fatal(err)
	}
	a := at("", "DNSV-RES-001", alert.SeverityLow, 0)
	for i := range hosts {
		a.Client = netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		a.Time = t0.Add(time.Duration(i) * time.Millisecond)
		c.Add(a)
		maxOpen = max(maxOpen, c.Counts().Open)
	}
	counts := c.Counts()
	rest := c.Close()
	type result struct {
		MaxOpen, Evicted, Callbacks, Rest int
		Hosts                             int
	}
	want := result{MaxOpen: 1000, Evicted: hosts - 1000, Callbacks: hosts - 1000, Rest: 1000, Hosts: len(c.hosts)}
	got := result{MaxOpen: maxOpen, Evicted: int(counts.Evicted), Callbacks: evicted, Rest: len(rest), Hosts: len(c.hosts)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("flood (-want +got):\n%s", diff)
	}
	// The most recent hosts stay: eviction takes the idlest incident.
	if last := rest[len(rest)-1].Client; last != a.Client {
		t.Errorf("last open incident is %s, want %s", last, a.Client)
	}
}

func TestHostKey(t *testing.T) {
	tests := []struct {
		name string
		a    alert.Alert
		want string
	}{
		{"host name lowercased", alert.Alert{Host: "WKS-1", Client: netip.MustParseAddr("10.0.0.1")}, "wks-1"},
		{"client address", alert.Alert{Client: netip.MustParseAddr("::ffff:10.0.0.1")}, "10.0.0.1"},
		{"neither", alert.Alert{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := HostKey(&tt.a); got != tt.want {
				t.Errorf("HostKey = %q, want %q", got, tt.want)
			}
		})
	}
}
