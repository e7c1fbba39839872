package defender

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/dnsvigil/dnsvigil/internal/event"
)

// The testdata files are synthetic Advanced Hunting exports of one story on
// host ws-042.contoso.local, written with the column names and in the column
// order of the Microsoft table references:
//
//   - network.csv / network.json: DeviceNetworkEvents, malware.exe talking to
//     the rogue resolver 203.0.113.53 over UDP 53 and TCP 853, and a failed
//     IPv6 attempt to 2001:db8::53.
//   - registry.csv / registry.json: DeviceRegistryEvents, netsh.exe setting
//     the interface NameServer to 203.0.113.53 (previous value 10.1.0.2) and
//     malware.exe creating an NRPT DnsPolicyConfig key (its
//     InitiatingProcessFolderPath holds the folder only).
//   - dns.csv / dns.jsonl: DeviceEvents DnsQueryResponse rows, a CNAME chain
//     to an A record and a TXT answer whose DnsQueryResult is itself a
//     JSON string.
//   - process.csv / process.json: DeviceProcessEvents, malware.exe starting
//     the netsh command line that sets the DNS server.
//
// CSV files carry the portal's "M/d/yyyy h:mm:ss.fff tt" timestamps, JSON
// files ISO 8601 with seven fractional digits; both name the same instants.

var (
	t0 = time.Date(2024, 5, 1, 10, 0, 0, 123e6, time.UTC)
	t1 = time.Date(2024, 5, 1, 10, 0, 1, 500e6, time.UTC)
	t2 = time.Date(2024, 5, 1, 13, 0, 2, 0, time.UTC)
)

const (
	malwareImage = `c:\users\alice\appdata\local\temp\malware.exe`
	netshLine    = `netsh  interface ip set dns name="Ethernet" static 203.0.113.53`
	ifaceKey     = `HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\Tcpip\Parameters\Interfaces\{4d36e972-e325-11ce-bfc1-08002be10318}`
)

var (
	host    = event.Host{Name: "ws-042.contoso.local", ID: "3f9a1c6e2b8d4f70a5e1c9b3d7f2a6e4c8b0d1f5"}
	malware = event.Process{PID: 4242, Image: malwareImage, CommandLine: `"malware.exe" --silent`, ParentImage: "explorer.exe", User: `contoso\alice`}
)

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

func wantEvents() map[string][]event.Event {
	return map[string][]event.Event{
		"network": {
			{Kind: event.KindConn, Time: t0, Client: ap("10.1.2.42:50000"), Server: ap("203.0.113.53:53"), Transport: event.TransportUDP,
				Conn: event.Conn{Proto: 17, State: "ConnectionSuccess"}, Host: host, Process: malware},
			{Kind: event.KindConn, Time: t1, Client: ap("10.1.2.42:50001"), Server: ap("203.0.113.53:853"), Transport: event.TransportDoT,
				Conn: event.Conn{Proto: 6, State: "ConnectionSuccess"}, Host: host, Process: malware},
			{Kind: event.KindConn, Time: t2, Client: ap("[2001:db8:1::42]:50002"), Server: ap("[2001:db8::53]:53"), Transport: event.TransportUDP,
				Conn: event.Conn{Proto: 17, State: "ConnectionFailed"}, Host: host, Process: malware},
		},
		"registry": {
			{Kind: event.KindRegistry, Time: t0, Registry: event.Registry{Op: "set", Key: ifaceKey, ValueName: "NameServer", Data: "203.0.113.53"},
				Host: host, Process: event.Process{PID: 5150, Image: `c:\windows\system32\netsh.exe`, CommandLine: netshLine, ParentImage: "malware.exe", User: `nt authority\system`}},
			{Kind: event.KindRegistry, Time: t1, Registry: event.Registry{Op: "create", Key: `HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\Dnscache\Parameters\DnsPolicyConfig\{b2c0e4f1}`},
				Host: host, Process: malware},
		},
		"dns": {
			{Kind: event.KindDNS, Time: t0, Host: host, Process: malware, DNS: event.DNS{
				QName: "update.evil.example", QType: event.TypeA, QClass: 1, HasQuery: true, HasResponse: true, RCode: event.RcodeNoError,
				Answers: []event.RR{
					{Name: "update.evil.example", Type: event.TypeCNAME, Class: 1, Data: "cdn.evil.example"},
					{Name: "update.evil.example", Type: event.TypeA, Class: 1, Data: "198.51.100.7"},
				}}},
			{Kind: event.KindDNS, Time: t1, Host: host, Process: malware, DNS: event.DNS{
				QName: "txt.evil.example", QType: event.TypeTXT, QClass: 1, HasQuery: true, HasResponse: true, RCode: event.RcodeNoError,
				Answers: []event.RR{{Name: "txt.evil.example", Type: event.TypeTXT, Class: 1, Data: "v=spf1 -all"}}}},
		},
		"process": {
			{Kind: event.KindProcess, Time: t0, Host: host, Process: event.Process{
				PID: 5150, Image: `C:\Windows\System32\netsh.exe`, CommandLine: netshLine, ParentImage: malwareImage, User: `nt authority\system`}},
		},
	}
}

var jsonFile = map[string]string{"network": "network.json", "registry": "registry.json", "dns": "dns.jsonl", "process": "process.json"}

var eventOpts = cmp.Options{cmpopts.EquateEmpty(), cmpopts.EquateComparable(netip.AddrPort{})}

// TestTables checks the mapping of each table, and that the CSV and the
// JSON export of the same rows give the same events.
func TestTables(t *testing.T) {
	for name, want := range wantEvents() {
		t.Run(name, func(t *testing.T) {
			c := decodeCSV(t, name+".csv", readTestdata(t, name+".csv"))
			j := decodeJSON(t, jsonFile[name], readTestdata(t, jsonFile[name]))
			if len(c.Errors)+len(j.Errors) > 0 {
				t.Fatalf("record errors: csv %v json %v", c.Errors, j.Errors)
			}
			if d := cmp.Diff(want, withoutSource(c.Events), eventOpts); d != "" {
				t.Errorf("csv events (-want +got):\n%s", d)
			}
			if d := cmp.Diff(withoutSource(c.Events), withoutSource(j.Events), eventOpts); d != "" {
				t.Errorf("csv and json differ (-csv +json):\n%s", d)
			}
		})
	}
}

// TestSource checks the line and offset each event names.
func TestSource(t *testing.T) {
	c := decodeCSV(t, "network.csv", readTestdata(t, "network.csv"))
	j := decodeJSON(t, "network.json", readTestdata(t, "network.json"))
	var got []event.Source
	for _, ev := range append(c.Events, j.Events...) {
		got = append(got, event.Source{Name: ev.Source.Name, Line: ev.Source.Line})
	}
	want := []event.Source{
		{Name: "network.csv", Line: 2}, {Name: "network.csv", Line: 3}, {Name: "network.csv", Line: 4},
		{Name: "network.json", Line: 2}, {Name: "network.json", Line: 27}, {Name: "network.json", Line: 52},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("sources (-want +got):\n%s", d)
	}
}

// reorderCSV rewrites a CSV export with its columns in reverse order and
// the named columns left out.
func reorderCSV(t *testing.T, b []byte, drop ...string) []byte {
	t.Helper()
	lines := strings.Split(strings.TrimRight(string(b), "\r\n"), "\r\n")
	hdr := strings.Split(lines[0], ",")
	var keep []int
	for i := len(hdr) - 1; i >= 0; i-- {
		if !contains(drop, hdr[i]) {
			keep = append(keep, i)
		}
	}
	var out bytes.Buffer
	for _, line := range lines {
		f := splitCSVLine(line)
		for k, i := range keep {
			if k > 0 {
				out.WriteByte(',')
			}
			out.WriteString(f[i])
		}
		out.WriteString("\r\n")
	}
	return out.Bytes()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// splitCSVLine splits one line of the fixtures, keeping quoted fields as
// written (they hold no newlines).
func splitCSVLine(line string) []string {
	var out []string
	start, quoted := 0, false
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '"':
			quoted = !quoted
		case line[i] == ',' && !quoted:
			out = append(out, line[start:i])
			start = i + 1
		}
	}
	return append(out, line[start:])
}

// TestColumnsByName checks that column order and missing columns do not
// matter: reversed columns give the same events, and a missing column
// leaves its field empty.
func TestColumnsByName(t *testing.T) {
	for _, tc := range []struct {
		name string
		file string
		drop []string
		edit func(evs []event.Event)
	}{
		{name: "network reversed", file: "network.csv"},
		{name: "registry reversed", file: "registry.csv"},
		{name: "dns reversed", file: "dns.csv"},
		{name: "process reversed", file: "process.csv"},
		{
			name: "network without process columns",
			file: "network.csv",
			drop: []string{"InitiatingProcessFolderPath", "InitiatingProcessAccountDomain", "InitiatingProcessCommandLine", "DeviceId"},
			edit: func(evs []event.Event) {
				for i := range evs {
					evs[i].Process.Image = "malware.exe"
					evs[i].Process.User = "alice"
					evs[i].Process.CommandLine = ""
					evs[i].Host.ID = ""
				}
			},
		},
		{
			name: "process without account domain and folder",
			file: "process.csv",
			drop: []string{"AccountDomain", "FolderPath"},
			edit: func(evs []event.Event) {
				evs[0].Process.User = "system"
				evs[0].Process.Image = "netsh.exe"
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			table := strings.TrimSuffix(tc.file, ".csv")
			want := wantEvents()[table]
			if tc.edit != nil {
				tc.edit(want)
			}
			got := decodeCSV(t, tc.file, reorderCSV(t, readTestdata(t, tc.file), tc.drop...))
			if len(got.Errors) > 0 {
				t.Fatalf("record errors: %v", got.Errors)
			}
			if d := cmp.Diff(want, withoutSource(got.Events), eventOpts); d != "" {
				t.Errorf("events (-want +got):\n%s", d)
			}
		})
	}
}
