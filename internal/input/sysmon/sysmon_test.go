package sysmon

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

// wantFixture is the expected decoding of the three testdata fixtures.
func wantFixture() []event.Event {
	host := event.Host{Name: "WS01.corp.example", User: `CORP\alice`}
	return []event.Event{
		{
			Kind: event.KindDNS,
			Time: time.Date(2024, 5, 1, 10, 0, 1, 500e6, time.UTC),
			DNS: event.DNS{
				Flags: event.FlagQR, RCode: event.RcodeNoError, QName: "www.example.com",
				HasQuery: true, HasResponse: true,
				Answers: []event.RR{
					{Name: "www.example.com", Type: event.TypeCNAME, Class: 1, Data: "edge.example.net"},
					{Name: "edge.example.net", Type: event.TypeA, Class: 1, Data: "192.0.2.10"},
					{Name: "edge.example.net", Type: event.TypeA, Class: 1, Data: "198.51.100.7"},
					{Name: "edge.example.net", Type: event.TypeAAAA, Class: 1, Data: "2001:db8::7"},
				},
			},
			Host:    host,
			Process: event.Process{PID: 4242, Image: `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, User: `CORP\alice`},
		},
		{
			Kind:      event.KindConn,
			Time:      time.Date(2024, 5, 1, 10, 0, 2, 250e6, time.UTC),
			Client:    netip.MustParseAddrPort("10.1.2.3:50123"),
			Server:    netip.MustParseAddrPort("9.9.9.9:853"),
			Transport: event.TransportDoT,
			Conn:      event.Conn{Proto: 6},
			Host:      host,
			Process:   event.Process{PID: 4242, Image: `C:\Program Files\Mozilla Firefox\firefox.exe`, User: `CORP\alice`},
		},
		{
			Kind: event.KindRegistry,
			Time: time.Date(2024, 5, 1, 10, 0, 3, 0, time.UTC),
			Registry: event.Registry{Op: "set", Key: `HKLM\System\CurrentControlSet\Services\Tcpip\Parameters\Interfaces\{1b2c}`,
				ValueName: "NameServer", Data: "203.0.113.53"},
			Host:    host,
			Process: event.Process{PID: 5150, Image: `C:\Windows\system32\reg.exe`, User: `CORP\alice`},
		},
	}
}

func TestFixturesAgree(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		format input.Format
	}{
		{"wevtutil xml", "events.xml", FormatXML()},
		{"winlogbeat json", "events_winlogbeat.jsonl", FormatJSON()},
		{"flat json", "events_flat.jsonl", FormatJSON()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if !tc.format.Sniff(b[:min(len(b), 4096)]) {
				t.Errorf("%s does not sniff its own fixture", tc.format.Name)
			}
			d, err := tc.format.Open(bytes.NewReader(b), opts(tc.file))
			if err != nil {
				t.Fatal(err)
			}
			got := decodeAll(t, d)
			if len(got.errs) > 0 {
				t.Fatalf("record errors: %v", got.errs)
			}
			if diff := cmp.Diff(wantFixture(), project(got.events), eventOpts()); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			for i, ev := range got.events {
				if ev.Source.Name != tc.file || ev.Source.Line != int64(i+1) {
					t.Errorf("event %d source %+v", i, ev.Source)
				}
			}
		})
	}
}

func TestSniff(t *testing.T) {
	xmlHead := `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>`
	tests := []struct {
		name             string
		head             string
		evtx, json, xml_ bool
	}{
		{"evtx magic", "ElfFile\x00\x00\x00", true, false, false},
		{"wevtutil xml", xmlHead, false, false, true},
		{"events wrapper", `<?xml version="1.0"?><Events>` + xmlHead, false, false, true},
		{"winlogbeat", `{"@timestamp":"x","winlog":{"event_id":22}}`, false, true, false},
		{"flat", `{"EventID":1102,"Channel":"Security"}`, false, true, false},
		{"sysmon named later", "{\"a\":1}\n{\"SourceName\":\"Microsoft-Windows-Sysmon\"}", false, true, false},
		{"zeek json", `{"ts":1,"uid":"C1","id.orig_h":"10.0.0.1","query":"x"}`, false, false, false},
		{"other xml", `<rss><channel/></rss>`, false, false, false},
		{"empty", "", false, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := []byte(tc.head)
			got := [3]bool{SniffEVTX(h), SniffJSON(h), SniffXML(h)}
			if diff := cmp.Diff([3]bool{tc.evtx, tc.json, tc.xml_}, got); diff != "" {
				t.Errorf("evtx/json/xml (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStatusRCode(t *testing.T) {
	type res struct {
		RCode uint16
		Known bool
	}
	tests := []struct {
		name, status string
		want         res
	}{
		{"success", "0", res{event.RcodeNoError, true}},
		{"no records", "9501", res{event.RcodeNoError, true}},
		{"name error", "9003", res{event.RcodeNXDomain, true}},
		{"server failure", "9002", res{event.RcodeServFail, true}},
		{"refused", "9005", res{event.RcodeRefused, true}},
		{"format error", "9001", res{1, true}},
		{"timeout", "1460", res{0, false}},
		{"invalid name", "123", res{0, false}},
		{"not a number", "x", res{0, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, k := statusRCode([]byte(tc.status))
			if diff := cmp.Diff(tc.want, res{r, k}); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// flatLine builds one flat Sysmon JSON line with the given extra members.
func flatLine(eid int, members string) string {
	return `{"EventID":` + itoa(eid) + `,"Channel":"Microsoft-Windows-Sysmon/Operational","Hostname":"h","UtcTime":"2024-05-01 10:00:00.000","ProcessId":"7","Image":"i"` + members + "}\n"
}

func itoa(n int) string { return string(bytesItoa(nil, n)) }

func bytesItoa(b []byte, n int) []byte {
	if n >= 10 {
		b = bytesItoa(b, n/10)
	}
	return append(b, byte('0'+n%10))
}

func TestMapping(t *testing.T) {
	at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	base := func(k event.Kind) event.Event {
		return event.Event{Kind: k, Time: at, Host: event.Host{Name: "h"}, Process: event.Process{PID: 7, Image: "i"}}
	}
	with := func(ev event.Event, f func(*event.Event)) event.Event { f(&ev); return ev }
	tests := []struct {
		name string
		line string
		want event.Event
	}{
		{"nxdomain without results", flatLine(22, `,"QueryName":"Bad.Example.","QueryStatus":"9003","QueryResults":"-"`),
			with(base(event.KindDNS), func(e *event.Event) {
				e.DNS = event.DNS{QName: "bad.example", HasQuery: true, HasResponse: true, Flags: event.FlagQR, RCode: event.RcodeNXDomain,
					Answers: []event.RR{{Name: "bad.example", Class: 1, Data: "-"}}}
			})},
		{"timeout is not a response", flatLine(22, `,"QueryName":"slow.example","QueryStatus":"1460","QueryResults":""`),
			with(base(event.KindDNS), func(e *event.Event) {
				e.DNS = event.DNS{QName: "slow.example", HasQuery: true, RCode: event.RcodeUnknown}
			})},
		{"dot inside a label stays escaped", flatLine(22, `,"QueryName":"a\\.b.example","QueryStatus":"0","QueryResults":"type:  12 Host.Example;"`),
			with(base(event.KindDNS), func(e *event.Event) {
				e.DNS = event.DNS{QName: `a\.b.example`, HasQuery: true, HasResponse: true, Flags: event.FlagQR,
					Answers: []event.RR{{Name: `a\.b.example`, Type: event.TypePTR, Class: 1, Data: "host.example"}}}
			})},
		{"inbound connection swaps ends", flatLine(3, `,"Protocol":"udp","Initiated":"false","SourceIp":"10.0.0.5","SourcePort":"53","DestinationIp":"192.0.2.9","DestinationPort":"40000"`),
			with(base(event.KindConn), func(e *event.Event) {
				e.Client, e.Server = netip.MustParseAddrPort("192.0.2.9:40000"), netip.MustParseAddrPort("10.0.0.5:53")
				e.Transport, e.Conn.Proto = event.TransportUDP, 17
			})},
		{"create key keeps the whole path", flatLine(12, `,"EventType":"CreateKey","TargetObject":"HKLM\\SOFTWARE\\X"`),
			with(base(event.KindRegistry), func(e *event.Event) {
				e.Registry = event.Registry{Op: "create", Key: `HKLM\SOFTWARE\X`}
			})},
		{"delete value splits", flatLine(12, `,"EventType":"DeleteValue","TargetObject":"HKLM\\SOFTWARE\\X\\V"`),
			with(base(event.KindRegistry), func(e *event.Event) {
				e.Registry = event.Registry{Op: "delete", Key: `HKLM\SOFTWARE\X`, ValueName: "V"}
			})},
		{"rename key", flatLine(14, `,"EventType":"RenameKey","TargetObject":"HKLM\\SOFTWARE\\X","NewName":"HKLM\\SOFTWARE\\Y"`),
			with(base(event.KindRegistry), func(e *event.Event) {
				e.Registry = event.Registry{Op: "rename", Key: `HKLM\SOFTWARE\X`, Data: `HKLM\SOFTWARE\Y`}
			})},
		{"process create", flatLine(1, `,"CommandLine":"nslookup -type=txt x.example","ParentImage":"C:\\cmd.exe","User":"D\\u"`),
			with(base(event.KindProcess), func(e *event.Event) {
				e.Process.CommandLine, e.Process.ParentImage, e.Process.User = "nslookup -type=txt x.example", `C:\cmd.exe`, `D\u`
				e.Host.User = `D\u`
			})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := decodeAll(t, NewJSON(strings.NewReader(tc.line), opts("t.json")))
			if len(got.errs) > 0 || len(got.events) != 1 {
				t.Fatalf("%d events, errors %v", len(got.events), got.errs)
			}
			if diff := cmp.Diff([]event.Event{tc.want}, project(got.events), eventOpts()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	good := flatLine(22, `,"QueryName":"ok.example","QueryStatus":"0"`)
	xmlEv, err := os.ReadFile(filepath.Join("testdata", "events.xml"))
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := bytes.Cut(xmlEv, []byte{'\n'})
	type res struct {
		Events  int
		Lines   []int64
		Reasons []string
		Skipped [2]int64
	}
	tests := []struct {
		name   string
		format input.Format
		in     string
		want   res
	}{
		{"json line that is not json", FormatJSON(), good + "not json\n" + `{"EventID":22,` + "\n" + good,
			res{2, []int64{2, 3}, []string{"bad json", "bad json"}, [2]int64{}}},
		{"json bad field values", FormatJSON(), flatLine(3, `,"SourceIp":"999.1.1.1"`) + flatLine(22, `,"UtcTime":"yesterday"`) + good,
			res{1, []int64{1, 2}, []string{"bad source address", "bad utctime"}, [2]int64{}}},
		{"json other channel and id", FormatJSON(), `{"EventID":4624,"Channel":"Security"}` + "\n" + flatLine(10, "") + good,
			res{1, nil, nil, [2]int64{1, 1}}},
		{"xml broken element", FormatXML(), "<Event xmlns=\"" + eventNS + "\"><System><EventID>22</Event>\n" + string(first) + "\n",
			res{1, []int64{1}, []string{"bad event xml"}, [2]int64{}}},
		{"xml event without id", FormatXML(), "<Event xmlns=\"" + eventNS + "\"><System></System></Event>\n" + string(first),
			res{1, []int64{1}, []string{"bad event xml"}, [2]int64{}}},
		{"xml truncated at the end", FormatXML(), string(first) + "\n" + string(first[:200]),
			res{1, []int64{2}, []string{"truncated event"}, [2]int64{}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := tc.format.Open(strings.NewReader(tc.in), opts("bad.in"))
			if err != nil {
				t.Fatal(err)
			}
			got := decodeAll(t, d)
			r := res{Events: len(got.events)}
			for _, e := range got.errs {
				if e.File != "bad.in" || e.Error() == "" {
					t.Errorf("error without file: %+v", e)
				}
				r.Lines = append(r.Lines, e.Line)
				r.Reasons = append(r.Reasons, e.Reason)
			}
			c := d.(input.Counter).Counts()
			r.Skipped = [2]int64{countOf(c, "other event ids skipped"), countOf(c, "other channels skipped")}
			if diff := cmp.Diff(tc.want, r); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func countOf(cs []input.Count, name string) int64 {
	for _, c := range cs {
		if c.Name == name {
			return c.Value
		}
	}
	return -1
}

func TestLineTooLong(t *testing.T) {
	good := flatLine(22, `,"QueryName":"ok.example","QueryStatus":"0"`)
	long := `{"x":"` + strings.Repeat("a", 200<<10) + `"}` + "\n"
	o := opts("long.json")
	o.MaxLineBytes = 100 << 10
	got := decodeAll(t, NewJSON(strings.NewReader(good+long+good), o))
	if len(got.events) != 2 || len(got.errs) != 1 || got.errs[0].Line != 2 || got.errs[0].Reason != "line too long" {
		t.Fatalf("%d events, errors %v", len(got.events), got.errs)
	}
	if got.events[1].Source.Line != 3 || got.events[1].Source.Offset != int64(len(good)+len(long)) {
		t.Errorf("source after a long line: %+v", got.events[1].Source)
	}
}
