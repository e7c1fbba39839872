package configchange

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/detect/resolver"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

const testCatalogueTSV = "# test catalogue\n" +
	"8.8.8.8\tGoogle\tresolver\tknown\tseed\n" +
	"8.8.4.4\tGoogle\tresolver\tknown\tseed\n" +
	"1.1.1.0/24\tCloudflare\tresolver,doh\tknown\tseed\n" +
	"198.51.100.53\t\tresolver\topen\tmisp\n"

func testCatalogue(t testing.TB) *resolver.Catalogue {
	t.Helper()
	c, err := resolver.ParseCatalogue(strings.NewReader(testCatalogueTSV), "test.tsv")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

const tcpipIface = `HKLM\System\CurrentControlSet\Services\Tcpip\Parameters\Interfaces\{3A5B1C2D-0000-1111-2222-333344445555}`

func reg(min int, host, image, key, value, data string) event.Event {
	return event.Event{Kind: event.KindRegistry, Time: t0.Add(time.Duration(min) * time.Minute),
		Host: event.Host{Name: host}, Process: event.Process{Image: image, User: `CORP\alice`},
		Registry: event.Registry{Op: "SetValue", Key: key, ValueName: value, Data: data}}
}

func proc(min int, host, image, user, cmd string) event.Event {
	return event.Event{Kind: event.KindProcess, Time: t0.Add(time.Duration(min) * time.Minute),
		Host: event.Host{Name: host}, Process: event.Process{Image: image, User: user, CommandLine: cmd}}
}

func dnsTo(min int, host, server string) event.Event {
	return event.Event{Kind: event.KindDNS, Time: t0.Add(time.Duration(min) * time.Minute),
		Host: event.Host{Name: host}, Server: netip.AddrPortFrom(netip.MustParseAddr(server), 53),
		Transport: event.TransportUDP, Process: event.Process{Image: `C:\Windows\System32\svchost.exe`},
		DNS: event.DNS{QName: "update.evil.example", QType: event.TypeA, HasQuery: true}}
}

func connTo(min int, host, server string, port uint16) event.Event {
	return event.Event{Kind: event.KindConn, Time: t0.Add(time.Duration(min) * time.Minute),
		Host: event.Host{Name: host}, Server: netip.AddrPortFrom(netip.MustParseAddr(server), port),
		Transport: event.TransportTCP, Conn: event.Conn{Proto: 6}}
}

// got is the comparable part of an alert.
type got struct {
	Rule, Severity, Server, Host string
}

func summarize(as []*alert.Alert) []got {
	var out []got
	for _, a := range as {
		s := ""
		if a.Server.IsValid() {
			s = a.Server.String()
		}
		out = append(out, got{a.RuleID, a.Severity.String(), s, a.Host})
	}
	return out
}

func run(t *testing.T, cfg Config, evs []event.Event) ([]*alert.Alert, *Detector) {
	t.Helper()
	d, err := New(cfg, Deps{Catalogue: testCatalogue(t)})
	if err != nil {
		t.Fatal(err)
	}
	var out []*alert.Alert
	emit := func(a *alert.Alert) { out = append(out, a) }
	for i := range evs {
		d.Observe(&evs[i], emit)
		d.Advance(evs[i].Time, emit)
	}
	d.Flush(emit)
	return out, d
}

func TestScenarios(t *testing.T) {
	const malware = `C:\Users\alice\AppData\Local\Temp\malware.exe`
	tests := []struct {
		name   string
		modify func(*Config)
		events []event.Event
		want   []got
	}{
		{"nameserver set then queried", nil, []event.Event{
			reg(0, "WS1", malware, tcpipIface, "NameServer", "203.0.113.5,10.0.0.1"),
			dnsTo(5, "WS1", "203.0.113.5"),
			dnsTo(6, "WS1", "203.0.113.5"),
			dnsTo(7, "WS2", "203.0.113.5"),
		}, []got{
			{RuleRegistry, "medium", "203.0.113.5", "WS1"},
			{RuleTraffic, "high", "203.0.113.5", "WS1"},
		}},
		{"connection to dot port counts", nil, []event.Event{
			reg(0, "WS1", malware, tcpipIface, "NameServer", "203.0.113.5"),
			connTo(1, "WS1", "203.0.113.5", 443),
			connTo(2, "WS1", "203.0.113.5", 853),
		}, []got{
			{RuleRegistry, "medium", "203.0.113.5", "WS1"},
			{RuleTraffic, "high", "203.0.113.5", "WS1"},
		}},
		{"traffic after window is not correlated", nil, []event.Event{
			reg(0, "WS1", malware, tcpipIface, "NameServer", "203.0.113.5"),
			dnsTo(25*60, "WS1", "203.0.113.5"),
		}, []got{{RuleRegistry, "medium", "203.0.113.5", "WS1"}}},
		{"traffic before change is not correlated", nil, []event.Event{
			dnsTo(0, "WS1", "203.0.113.5"),
			reg(1, "WS1", malware, tcpipIface, "NameServer", "203.0.113.5"),
		}, []got{{RuleRegistry, "medium", "203.0.113.5", "WS1"}}},
		{"repeat change not re-alerted", nil, []event.Event{
			reg(0, "WS1", malware, tcpipIface, "NameServer", "203.0.113.5"),
			reg(1, "WS1", malware, tcpipIface, "NameServer", "203.0.113.5"),
		}, []got{{RuleRegistry, "medium", "203.0.113.5", "WS1"}}},
		{"approved private and empty are silent", func(c *Config) {
			c.Approved = []Approved{{CIDR: "203.0.113.0/24", Name: "corp"}}
		}, []event.Event{
			reg(0, "WS1", malware, tcpipIface, "NameServer", "203.0.113.5"),
			reg(1, "WS1", malware, tcpipIface, "NameServer", "10.1.2.3 fd00::53"),
			reg(2, "WS1", malware, tcpipIface, "NameServer", ""),
			reg(3, "WS1", malware, tcpipIface, "NameServer", "(Empty)"),
		}, nil},
		{"guest wifi dhcp private is silent", nil, []event.Event{
			reg(0, "LAPTOP7", `C:\Windows\system32\svchost.exe`, tcpipIface, "DhcpNameServer", "192.168.1.1"),
		}, nil},
		{"private alerts when not treated as approved", func(c *Config) { c.TreatPrivateAsApproved = false }, []event.Event{
			reg(0, "LAPTOP7", `C:\Windows\system32\svchost.exe`, tcpipIface, "DhcpNameServer", "192.168.1.1"),
		}, []got{{RuleRegistry, "medium", "192.168.1.1", "LAPTOP7"}}},
		{"catalogued public with policy allow", func(c *Config) { c.Catalogue.Policy = PolicyAllow }, []event.Event{
			reg(0, "WS1", malware, tcpipIface, "NameServer", "8.8.8.8"),
		}, nil},
		{"catalogued public with policy alert is low", nil, []event.Event{
			reg(0, "WS1", malware, tcpipIface, "NameServer", "8.8.8.8"),
		}, []got{{RuleRegistry, "low", "8.8.8.8", "WS1"}}},
		{"open resolver is medium even under allow", func(c *Config) { c.Catalogue.Policy = PolicyAllow }, []event.Event{
			reg(0, "WS1", malware, tcpipIface, "NameServer", "198.51.100.53"),
		}, []got{{RuleRegistry, "medium", "198.51.100.53", "WS1"}}},
		{"unknown severity configurable", func(c *Config) { c.Severity.Unknown = "high" }, []event.Event{
			reg(0, "WS1", malware, tcpipIface, "NameServer", "203.0.113.5"),
		}, []got{{RuleRegistry, "high", "203.0.113.5", "WS1"}}},
		{"two unapproved servers give two alerts", nil, []event.Event{
			reg(0, "WS1", malware, `\REGISTRY\MACHINE\SYSTEM\ControlSet001\Services\Tcpip6\Parameters`, "NameServer", "2001:db8::53;203.0.113.5"),
		}, []got{
			{RuleRegistry, "medium", "2001:db8::53", "WS1"},
			{RuleRegistry, "medium", "203.0.113.5", "WS1"},
		}},
		{"delete is ignored", nil, []event.Event{func() event.Event {
			e := reg(0, "WS1", malware, tcpipIface, "NameServer", "203.0.113.5")
			e.Registry.Op = "DeleteValue"
			return e
		}()}, nil},
		{"nrpt and doh keys", nil, []event.Event{
			reg(0, "WS1", malware, `HKLM\SOFTWARE\Policies\Microsoft\Windows NT\DNSClient\DnsPolicyConfig\{r1}`, "GenericDNSServers", "203.0.113.10"),
			reg(1, "WS1", malware, `HKLM\SYSTEM\CurrentControlSet\Services\Dnscache\Parameters\DohWellKnownServers\203.0.113.11`, "Template", "https://evil.example/dns-query"),
			reg(2, "WS1", malware, `HKLM\SYSTEM\CurrentControlSet\Services\Dnscache\Parameters\DohWellKnownServers\203.0.113.11`, "AutoUpgrade", "1"),
			reg(3, "WS1", malware, `HKLM\SOFTWARE\Policies\Microsoft\Windows NT\DNSClient`, "DoHPolicy", "DWORD (0x00000003)"),
			reg(4, "WS1", malware, `HKLM\SYSTEM\CurrentControlSet\Services\Dnscache\Parameters\DohWellKnownServers\1.1.1.1`, "Template", "https://cloudflare-dns.com/dns-query"),
		}, []got{
			{RuleRegistry, "medium", "203.0.113.10", "WS1"},
			{RuleRegistry, "medium", "203.0.113.11", "WS1"},
			{RuleRegistry, "low", "", "WS1"},
			{RuleRegistry, "low", "1.1.1.1", "WS1"},
		}},
		{"command line change then traffic", nil, []event.Event{
			proc(0, "WS1", `C:\Windows\System32\netsh.exe`, `CORP\bob`, `netsh interface ip set dns name="Ethernet" static 203.0.113.5`),
			proc(1, "WS1", `C:\Windows\System32\netsh.exe`, `CORP\bob`, `netsh interface show interface`),
			dnsTo(2, "WS1", "203.0.113.5"),
		}, []got{
			{RuleCommand, "medium", "203.0.113.5", "WS1"},
			{RuleTraffic, "high", "203.0.113.5", "WS1"},
		}},
		{"command line reset and resets off", nil, []event.Event{
			proc(0, "WS1", `C:\Windows\System32\netsh.exe`, `CORP\bob`, `netsh interface ip set dns "Ethernet" dhcp`),
		}, []got{{RuleCommand, "info", "", "WS1"}}},
		{"resets not reported", func(c *Config) { c.ReportResets = false }, []event.Event{
			proc(0, "WS1", `C:\Windows\System32\netsh.exe`, `CORP\bob`, `netsh interface ip set dns "Ethernet" dhcp`),
		}, nil},
		{"linux resolv.conf", nil, []event.Event{
			proc(0, "srv1", "/usr/bin/bash", "root", `bash -c "echo nameserver 203.0.113.5 > /etc/resolv.conf"`),
			proc(1, "srv1", "/usr/bin/cat", "root", `cat /etc/resolv.conf`),
		}, []got{{RuleCommand, "medium", "203.0.113.5", "srv1"}}},
		{"exclusion by process", func(c *Config) {
			c.Exclusions = []Exclusion{{Process: "vpnagent.exe", Reason: "AnyConnect tunnel DNS"}}
		}, []event.Event{
			reg(0, "WS1", `C:\Program Files\Cisco\vpnagent.exe`, tcpipIface, "NameServer", "203.0.113.5"),
		}, nil},
		{"exclusion by account without domain", func(c *Config) {
			c.Exclusions = []Exclusion{{User: "bob", Reason: "network admin"}}
		}, []event.Event{
			proc(0, "WS1", `C:\Windows\System32\netsh.exe`, `CORP\bob`, `netsh interface ip set dns name="Ethernet" static 203.0.113.5`),
		}, nil},
		{"exclusion by host and server does not cover other server", func(c *Config) {
			c.Exclusions = []Exclusion{{Host: "ws1", Server: "203.0.113.0/28", Reason: "lab"}}
		}, []event.Event{
			reg(0, "WS1", malware, tcpipIface, "NameServer", "203.0.113.5,203.0.113.99"),
		}, []got{{RuleRegistry, "medium", "203.0.113.99", "WS1"}}},
		{"expired exclusion alerts", func(c *Config) {
			c.Exclusions = []Exclusion{{Process: "malware.exe", Reason: "old test", Expires: "2026-02-28"}}
		}, []event.Event{
			reg(0, "WS1", malware, tcpipIface, "NameServer", "203.0.113.5"),
		}, []got{{RuleRegistry, "medium", "203.0.113.5", "WS1"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if tc.modify != nil {
				tc.modify(&cfg)
			}
			as, _ := run(t, cfg, tc.events)
			if diff := cmp.Diff(tc.want, summarize(as)); diff != "" {
				t.Errorf("alerts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAlertEvidence(t *testing.T) {
	const malware = `C:\Temp\malware.exe`
	evs := []event.Event{
		reg(0, "WS1", malware, tcpipIface, "NameServer", "203.0.113.5,10.0.0.1"),
		dnsTo(5, "WS1", "203.0.113.5"),
	}
	as, d := run(t, DefaultConfig(), evs)
	if len(as) != 2 {
		t.Fatalf("got %d alerts, want 2", len(as))
	}
	change, traffic := as[0], as[1]
	if want := alert.MakeKey(RuleRegistry, "WS1", "203.0.113.5", "tcpip"); change.Key != want {
		t.Errorf("change key %q, want %q", change.Key, want)
	}
	checks := []struct {
		a    *alert.Alert
		name string
		want any
	}{
		{change, "registry_key", tcpipIface},
		{change, "value_name", "NameServer"},
		{change, "new_data", "203.0.113.5,10.0.0.1"},
		{change, "servers", []string{"203.0.113.5", "10.0.0.1"}},
		{change, "unapproved", []string{"203.0.113.5"}},
		{change, "catalogue_tier", "none"},
		{change, "account", `CORP\alice`},
		{traffic, "changed_at", t0},
		{traffic, "first_traffic_at", t0.Add(5 * time.Minute)},
		{traffic, "changed_by", malware},
		{traffic, "queried_by", `C:\Windows\System32\svchost.exe`},
		{traffic, "queries", int64(1)},
		{traffic, "first_qname", alert.Names{"update.evil.example"}},
	}
	for _, c := range checks {
		t.Run(c.a.RuleID+"/"+c.name, func(t *testing.T) {
			v, ok := c.a.Get(c.name)
			if !ok {
				t.Fatalf("no evidence %q", c.name)
			}
			if diff := cmp.Diff(c.want, v); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if want := "DNS resolver changed to 203.0.113.5 by malware.exe, then 1 query to 203.0.113.5"; traffic.Summary != want {
		t.Errorf("summary %q, want %q", traffic.Summary, want)
	}
	if traffic.Technique != alert.TechniqueDNSServer || traffic.Strategy != alert.StrategyDNSServer {
		t.Errorf("ATT&CK %s/%s", traffic.Technique, traffic.Strategy)
	}
	if !traffic.FirstSeen.Equal(t0) {
		t.Errorf("traffic FirstSeen %v, want change time", traffic.FirstSeen)
	}
	if stat(d, "changes tracked") != 1 || stat(d, "approved servers") != 1 {
		t.Errorf("counts %v", d.Counts())
	}
}

func TestTrafficAlertMilestones(t *testing.T) {
	evs := []event.Event{reg(0, "WS1", "m.exe", tcpipIface, "NameServer", "203.0.113.5")}
	for i := range 150 {
		evs = append(evs, dnsTo(1+i%60, "WS1", "203.0.113.5"))
	}
	as, _ := run(t, DefaultConfig(), evs)
	var counts []any
	for _, a := range as[1:] {
		v, _ := a.Get("queries")
		counts = append(counts, v)
	}
	if diff := cmp.Diff([]any{int64(1), int64(10), int64(100)}, counts); diff != "" {
		t.Errorf("traffic alert query counts (-want +got):\n%s", diff)
	}
}

func stat(d *Detector, name string) int64 {
	for _, s := range d.Counts() {
		if s.Name == name {
			return s.Value
		}
	}
	return -1
}

func TestFloodStaysUnderCap(t *testing.T) {
	n := 1_000_000
	if testing.Short() {
		n = 50_000
	}
	cfg := DefaultConfig()
	cfg.Correlation.MaxTracked = 1000
	d, err := New(cfg, Deps{Catalogue: testCatalogue(t)})
	if err != nil {
		t.Fatal(err)
	}
	alerts := 0
	emit := func(*alert.Alert) { alerts++ }
	hosts := [...]string{"h0", "h1", "h2", "h3"}
	ev := reg(0, "", "m.exe", tcpipIface, "NameServer", "")
	var buf [64]byte
	for i := range n {
		ev.Host.Name = hosts[i%len(hosts)]
		a := netip.AddrFrom4([4]byte{203, byte(i >> 16), byte(i >> 8), byte(i)})
		ev.Registry.Data = string(a.AppendTo(buf[:0]))
		ev.Time = t0.Add(time.Duration(i) * time.Millisecond)
		d.Observe(&ev, emit)
	}
	if got := stat(d, "changes tracked"); got > 1000 {
		t.Errorf("tracked %d, cap 1000", got)
	}
	if got, want := stat(d, "changes evicted"), int64(n-1000); got != want {
		t.Errorf("evicted %d, want %d", got, want)
	}
	if alerts != n {
		t.Errorf("alerts %d, want %d", alerts, n)
	}
}
