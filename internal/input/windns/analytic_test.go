package windns

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
	"github.com/miekg/dns"
)

// packet returns the hex PacketData of a DNS message for name and type;
// resp makes it a response with rcode and one A answer per address.
func packet(t *testing.T, id uint16, name string, qtype uint16, resp bool, rcode int, addrs ...string) string {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.Id, m.RecursionDesired = id, true
	if resp {
		m.Response, m.RecursionAvailable, m.Rcode = true, true, rcode
		for _, a := range addrs {
			rr, err := dns.NewRR(fmt.Sprintf("%s 60 IN A %s", dns.Fqdn(name), a))
			if err != nil {
				t.Fatal(err)
			}
			m.Answer = append(m.Answer, rr)
		}
	}
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return "0x" + strings.ToUpper(hex.EncodeToString(b))
}

// xev writes one analytical event as wevtutil does; kv holds Name=Value
// pairs for EventData. The time is 2026-11-28T15:46:09.ms.
func xev(id int, ms int, kv ...string) string {
	return xevIn("Microsoft-Windows-DNSServer", "Microsoft-Windows-DNSServer/Analytical", id, ms, kv...)
}

func xevIn(prov, channel string, id, ms int, kv ...string) string {
	var data strings.Builder
	for _, p := range kv {
		k, v, _ := strings.Cut(p, "=")
		fmt.Fprintf(&data, "<Data Name='%s'>%s</Data>", k, v)
	}
	return fmt.Sprintf("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='%s'/>"+
		"<EventID>%d</EventID><TimeCreated SystemTime='2026-11-28T15:46:09.%03dZ'/><Channel>%s</Channel>"+
		"<Computer>DC01.corp.example</Computer></System><EventData>%s</EventData></Event>", prov, id, ms, channel, data.String())
}

func decodeXML(t *testing.T, in string, cfg Config) decoded {
	t.Helper()
	return decodeAll(t, NewAnalyticXML(strings.NewReader(in), testOpts("a.xml"), cfg), "a.xml")
}

func TestAnalyticMapping(t *testing.T) {
	q := func(ms int, kv ...string) string {
		return xev(256, ms, append([]string{"TCP=0", "InterfaceIP=10.0.0.1", "Source=10.0.0.5", "RD=1", "QNAME=www.example.com.",
			"QTYPE=1", "XID=4660", "Port=52811", "Flags=256"}, kv...)...)
	}
	tests := []struct {
		name   string
		cfg    Config
		in     string
		want   []row
		counts map[string]int64
	}{
		{
			name: "query and response with packet data",
			in: lines(q(100, "PacketData="+packet(t, 4660, "www.example.com", 1, false, 0)),
				xev(257, 103, "TCP=0", "InterfaceIP=10.0.0.1", "Destination=10.0.0.5", "QNAME=www.example.com.", "QTYPE=1",
					"XID=4660", "RCODE=0", "Port=52811", "Flags=33152", "PacketData="+packet(t, 4660, "www.example.com", 1, true, 0, "192.0.2.1", "192.0.2.2"))),
			want: []row{{Time: "2026-11-28T15:46:09.1Z", Client: "10.0.0.5:52811", Server: "10.0.0.1:0", Transport: "udp", ID: 4660,
				Flags: "qr rd ra", Known: true, QName: "www.example.com", QType: 1, QClass: 1, Query: true, Resp: true, RTT: 3e6,
				QSize: 33, RSize: 95, Line: 1, Answers: []string{"www.example.com 1 1 60 192.0.2.1", "www.example.com 1 1 60 192.0.2.2"}}},
		},
		{
			name: "fields only: flags, rcode, sizes, name made canonical",
			in: lines(q(100, "QNAME=WWW.Example.COM.", "BufferSize=33"),
				xev(258, 140, "TCP=1", "InterfaceIP=10.0.0.1", "Reason=ServerFailure", "Destination=10.0.0.5", "QNAME=WWW.Example.COM.",
					"QTYPE=1", "XID=4660", "RCODE=2", "Port=52811", "Flags=33154", "BufferSize=33")),
			want: []row{{Time: "2026-11-28T15:46:09.1Z", Client: "10.0.0.5:52811", Server: "10.0.0.1:0", Transport: "tcp", ID: 4660,
				Flags: "qr rd ra", Known: true, QName: "www.example.com", QType: 1, QClass: 1, RCode: 2, Query: true, Resp: true, RTT: 4e7,
				QSize: 33, RSize: 33, Line: 1}},
			counts: map[string]int64{"events without packet data": 2},
		},
		{
			name: "RD, AA and AD fields when Flags is missing",
			in:   lines(xev(256, 100, "InterfaceIP=10.0.0.1", "Source=10.0.0.5", "RD=0", "QNAME=ns1.example.", "QTYPE=2", "XID=1", "Port=5")),
			want: []row{{Time: "2026-11-28T15:46:09.1Z", Client: "10.0.0.5:5", Server: "10.0.0.1:0", ID: 1, Transport: "unknown",
				Known: true, QName: "ns1.example", QType: 2, QClass: 1, RCode: unknown, Query: true, Line: 1}},
		},
		{
			name: "ignored query closes the query",
			in: lines(q(100), xev(259, 101, "TCP=0", "InterfaceIP=10.0.0.1", "Source=10.0.0.5", "Reason=Policy",
				"QNAME=www.example.com.", "QTYPE=1", "XID=4660", "Zone=NULL", "PolicyName=Block")),
			want: []row{{Time: "2026-11-28T15:46:09.1Z", Client: "10.0.0.5:52811", Server: "10.0.0.1:0", Transport: "udp", ID: 4660,
				Flags: "rd", Known: true, QName: "www.example.com", QType: 1, QClass: 1, RCode: unknown, Query: true, Line: 1}},
			counts: map[string]int64{"ignored queries (259)": 1, "client queries": 1},
		},
		{
			name: "ignored query without its query is a query",
			in: lines(xev(259, 101, "TCP=0", "InterfaceIP=10.0.0.1", "Source=10.0.0.5", "Reason=Policy",
				"QNAME=www.example.com.", "QTYPE=1", "XID=4660")),
			want: []row{{Time: "2026-11-28T15:46:09.101Z", Client: "10.0.0.5:0", Server: "10.0.0.1:0", Transport: "udp", ID: 4660,
				QName: "www.example.com", QType: 1, QClass: 1, RCode: unknown, Query: true, Line: 1}},
			counts: map[string]int64{"ignored queries (259)": 1, "client queries": 1},
		},
		{
			name: "recursion: the server asks its forwarder",
			cfg:  Config{Server: netip.MustParseAddr("10.0.0.1")},
			in: lines(xev(260, 100, "TCP=0", "Destination=192.0.2.53", "InterfaceIP=0.0.0.0", "RD=1", "QNAME=www.example.com.", "QTYPE=1",
				"QXID=4660", "XID=999", "Port=0", "Flags=272"),
				xev(261, 120, "TCP=0", "Source=192.0.2.53", "InterfaceIP=0.0.0.0", "AA=0", "AD=0", "QNAME=www.example.com.", "QTYPE=1",
					"XID=999", "Port=0", "Flags=33155")),
			want: []row{{Time: "2026-11-28T15:46:09.1Z", Client: "10.0.0.1:0", Server: "192.0.2.53:0", Transport: "udp", ID: 999,
				Flags: "qr rd ra", Known: true, QName: "www.example.com", QType: 1, QClass: 1, RCode: unknown, Query: true, Resp: true,
				RTT: 2e7, Line: 1}},
			counts: map[string]int64{"upstream queries": 1, "responses paired": 1},
		},
		{
			name: "recursion timeout",
			in: lines(xev(260, 100, "TCP=0", "Destination=2001:db8::53", "InterfaceIP=fd00::1", "RD=1", "QNAME=slow.example.", "QTYPE=28",
				"XID=999", "Port=0", "Flags=272"),
				xev(262, 900, "TCP=0", "InterfaceIP=fd00::1", "Destination=2001:db8::53", "QNAME=slow.example.", "QTYPE=28", "XID=999")),
			want: []row{{Time: "2026-11-28T15:46:09.1Z", Client: "[fd00::1]:0", Server: "[2001:db8::53]:0", Transport: "udp", ID: 999,
				Flags: "rd cd", Known: true, QName: "slow.example", QType: 28, QClass: 1, RCode: unknown, Query: true, Line: 1}},
			counts: map[string]int64{"recursion timeouts (262)": 1},
		},
		{
			name: "dynamic update",
			in: lines(xev(263, 100, "TCP=0", "InterfaceIP=10.0.0.1", "Source=fe80::5%12", "QNAME=corp.example.", "XID=7", "Port=5000", "Flags=10240"),
				xev(264, 101, "TCP=0", "InterfaceIP=10.0.0.1", "Destination=fe80::5%12", "QNAME=corp.example.", "XID=7", "RCODE=0")),
			want: []row{{Time: "2026-11-28T15:46:09.1Z", Client: "[fe80::5%12]:5000", Server: "10.0.0.1:0", Transport: "udp", ID: 7,
				Flags: "qr", Opcode: 5, QName: "corp.example", QClass: 1, Query: true, Resp: true, RTT: 1e6, Line: 1}},
			counts: map[string]int64{"dynamic updates (263)": 1},
		},
		{
			name: "unspecified interface: the configured server",
			cfg:  Config{Server: netip.MustParseAddr("10.0.0.1")},
			in:   lines(xev(256, 100, "InterfaceIP=0.0.0.0", "Source=10.0.0.5", "QNAME=a.example.", "QTYPE=1", "XID=1", "Flags=256", "PacketData=0x12")),
			want: []row{{Time: "2026-11-28T15:46:09.1Z", Client: "10.0.0.5:0", Server: "10.0.0.1:0", Transport: "unknown", ID: 1,
				Flags: "rd", Known: true, QName: "a.example", QType: 1, QClass: 1, RCode: unknown, Query: true, Line: 1}},
			counts: map[string]int64{"packet data not decodable": 1},
		},
		{
			name: "skipped events",
			in: lines(xev(265, 1, "Source=10.0.0.9", "XID=1"), xev(279, 2, "Source=10.0.0.9", "XID=1"), xev(300, 3),
				xevIn("Microsoft-Windows-DNSServer", "Microsoft-Windows-DNSServer/Audit", 515, 4, "Type=1"),
				xevIn("Microsoft-Windows-Sysmon", "Microsoft-Windows-Sysmon/Operational", 22, 5, "QueryName=x.example")),
			counts: map[string]int64{"zone transfer and notify events skipped": 1, "internal lookups skipped": 1,
				"other event ids skipped": 1, "other channels skipped": 2},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := decodeXML(t, tc.in, tc.cfg)
			if len(got.errs) > 0 {
				t.Errorf("unexpected errors: %v", got.errs)
			}
			if diff := cmp.Diff(tc.want, got.rows); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			for k, v := range tc.counts {
				if got.counts[k] != v {
					t.Errorf("count %q = %d, want %d", k, got.counts[k], v)
				}
			}
		})
	}
}

func TestAnalyticXMLErrors(t *testing.T) {
	good := xev(257, 500, "InterfaceIP=10.0.0.1", "Destination=10.0.0.9", "QNAME=ok.example.", "QTYPE=1", "XID=1", "RCODE=0", "Flags=33152")
	tests := []struct {
		name, in, reason, text string
		limit                  int
	}{
		{name: "no address", in: xev(256, 1, "QNAME=a.example.", "XID=1"), reason: "bad address"},
		{name: "bad address", in: xev(256, 1, "Source=10.0.0.300", "QNAME=a.example.", "XID=1"), reason: "bad address"},
		{name: "no XID", in: xev(256, 1, "Source=10.0.0.5", "QNAME=a.example."), reason: "bad event", text: "no XID"},
		{name: "no name", in: xev(256, 1, "Source=10.0.0.5", "XID=1"), reason: "bad event", text: "no QNAME"},
		{name: "no time", in: strings.Replace(xev(256, 1, "Source=10.0.0.5", "XID=1", "QNAME=a."), "<TimeCreated SystemTime='2026-11-28T15:46:09.001Z'/>", "", 1),
			reason: "bad event", text: "no event time"},
		{name: "mismatched tags", in: strings.Replace(xev(256, 1), "</Channel>", "</Chanel>", 1), reason: "bad event xml", text: "end tag"},
		{name: "no event id", in: strings.Replace(xev(256, 1), "<EventID>256</EventID>", "", 1), reason: "bad event xml", text: "EventID"},
		{name: "bad entity", in: xev(256, 1, "Source=10.0.0.5", "XID=1", "QNAME=a&bogus;b."), reason: "bad event xml"},
		{name: "event too long", in: xev(256, 1, "Source=10.0.0.5", "XID=1", "QNAME="+strings.Repeat("a", 900)), limit: 800,
			reason: "event too long", text: "over 800 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := testOpts("a.xml")
			if tc.limit > 0 {
				o.MaxLineBytes = tc.limit
			}
			in := "<Events>\n" + tc.in + "\n" + good + "\n</Events>\n"
			got := decodeAll(t, NewAnalyticXML(strings.NewReader(in), o, DefaultConfig()), "a.xml")
			if len(got.errs) != 1 || got.errs[0].Reason != tc.reason || got.errs[0].Line != 2 ||
				!strings.Contains(got.errs[0].Error(), tc.text) || !strings.HasPrefix(got.errs[0].Error(), "a.xml:2: ") {
				t.Fatalf("errors %v, want one %q at line 2 containing %q", got.errs, tc.reason, tc.text)
			}
			if len(got.rows) != 1 || got.rows[0].QName != "ok.example" {
				t.Errorf("the next event did not decode: %+v", got.rows)
			}
		})
	}
	t.Run("truncated at the end", func(t *testing.T) {
		in := good + "\n" + good[:len(good)/2]
		got := decodeXML(t, in, DefaultConfig())
		if len(got.errs) != 1 || got.errs[0].Reason != "truncated event" || len(got.rows) != 1 {
			t.Errorf("got %v and %d events", got.errs, len(got.rows))
		}
	})
}

func TestAnalyticJSON(t *testing.T) {
	pd := packet(t, 4660, "www.example.com", 1, true, 3)
	resp := row{Time: "2026-11-28T15:46:09.1Z", Client: "10.0.0.5:52811", Server: "10.0.0.1:0", Transport: "udp", ID: 4660,
		Flags: "qr rd ra", Known: true, QName: "www.example.com", QType: 1, QClass: 1, RCode: 3, Resp: true, RSize: 33, Line: 1}
	tests := []struct {
		name string
		in   string
		want row
	}{
		{
			name: "winlogbeat",
			in: `{"@timestamp":"2026-11-28T15:46:09.100Z","winlog":{"channel":"Microsoft-Windows-DNSServer/Analytical","event_id":"257",` +
				`"provider_name":"Microsoft-Windows-DNSServer","computer_name":"DC01","event_data":{"TCP":"0","InterfaceIP":"10.0.0.1",` +
				`"Destination":"10.0.0.5","QNAME":"www.example.com.","QTYPE":"1","XID":"4660","RCODE":"3","Port":"52811","PacketData":"` + pd + `"}}}`,
			want: resp,
		},
		{
			name: "flat with the fields at the top level",
			in: `{"EventTime":"2026-11-28 15:46:09.1","Hostname":"DC01","EventID":257,"SourceName":"Microsoft-Windows-DNSServer",` +
				`"Channel":"Microsoft-Windows-DNSServer/Analytical","Opcode":"Info","TCP":"0","InterfaceIP":"10.0.0.1","Destination":"10.0.0.5",` +
				`"QNAME":"www.example.com.","QTYPE":"1","XID":"4660","RCODE":"3","Port":"52811","PacketData":"` + pd + `"}`,
			want: resp,
		},
		{
			name: "nested EventData and a .NET date with an offset",
			in: `{"TimeCreated":"\/Date(1795880769100+0100)\/","EventID":257,"ProviderName":"Microsoft-Windows-DNSServer",` +
				`"EventData":{"TCP":0,"InterfaceIP":"10.0.0.1","Destination":"10.0.0.5","XID":4660,"Port":52811,"PacketData":"` + pd + `"}}`,
			want: resp,
		},
		{
			name: "Get-WinEvent with the rendered message",
			in: "[\r\n    {\r\n        \"Id\":  257,\r\n        \"ProviderName\":  \"Microsoft-Windows-DNSServer\",\r\n" +
				"        \"LogName\":  \"Microsoft-Windows-DNSServer/Analytical\",\r\n" +
				"        \"TimeCreated\":  {\"value\": \"\\/Date(1795880769100)\\/\", \"DateTime\": \"Saturday, November 28, 2026 3:46:09 PM\"},\r\n" +
				"        \"Properties\":  [{\"Value\":  0}, {\"Value\":  \"System.Byte[]\"}],\r\n" +
				"        \"Message\":  \"RESPONSE_SUCCESS: TCP=0; InterfaceIP=10.0.0.1; Destination=10.0.0.5; AA=0; AD=0; QNAME=www.example.com.; " +
				"QTYPE=1; XID=4660; DNSSEC=0; RCODE=3; Port=52811; Flags=33155; Scope=Default; Zone=..Cache; PolicyName=NULL; PacketData=" + pd + "\"\r\n" +
				"    }\r\n]\r\n",
			want: func() row { r := resp; r.Line = 2; return r }(),
		},
		{
			name: "Get-WinEvent properties by position, packet data as bytes",
			in: `[{"Id":257,"ProviderName":"Microsoft-Windows-DNSServer","TimeCreated":"2026-11-28T16:46:09.1000000+01:00","Properties":[` +
				`{"Value":0},{"Value":"10.0.0.1"},{"Value":"10.0.0.5"},{"Value":0},{"Value":0},{"Value":"www.example.com."},{"Value":1},` +
				`{"Value":4660},{"Value":0},{"Value":3},{"Value":52811},{"Value":33155},{"Value":"Default"},{"Value":"..Cache"},` +
				`{"Value":"NULL"},{"Value":33},{"Value":[` + byteList(t, pd) + `]}]}]`,
			want: resp,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := decodeAll(t, NewAnalyticJSON(strings.NewReader(tc.in), testOpts("a.json"), DefaultConfig()), "a.json")
			if len(got.errs) > 0 {
				t.Errorf("unexpected errors: %v", got.errs)
			}
			if diff := cmp.Diff([]row{tc.want}, got.rows); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

// byteList writes hex packet data as a JSON list of byte values.
func byteList(t *testing.T, pd string) string {
	b, err := hex.DecodeString(pd[2:])
	if err != nil {
		t.Fatal(err)
	}
	parts := make([]string, len(b))
	for i, c := range b {
		parts[i] = fmt.Sprint(c)
	}
	return strings.Join(parts, ",")
}

func TestAnalyticJSONErrors(t *testing.T) {
	good := `{"@timestamp":"2026-11-28T15:46:09.1Z","winlog":{"provider_name":"Microsoft-Windows-DNSServer","event_id":257,` +
		`"event_data":{"Destination":"10.0.0.9","QNAME":"ok.example.","XID":"1","RCODE":"0"}}}`
	tests := []struct {
		name, in, reason string
		line             int64
		limit, events    int
	}{
		{name: "broken line", in: lines(good, `{"winlog": {"event_id": 256`, good), reason: "bad json", line: 2, events: 2},
		{name: "not JSON", in: lines(good, `QUERY_RECEIVED: TCP=0`, good), reason: "bad json", line: 2, events: 2},
		{name: "bad time", in: lines(good, strings.Replace(good, "2026-11-28T15:46:09.1Z", "yesterday", 1), good),
			reason: "bad json", line: 2, events: 2},
		{name: "two objects on one line", in: lines(good, good+" "+good, good), reason: "bad json", line: 2, events: 2},
		{name: "too long", in: lines(good, strings.Replace(good, "ok.example.", strings.Repeat("a", 600), 1), good),
			limit: 512, reason: "event too long", line: 2, events: 2},
		{name: "array cut at the end", in: "[\n" + good + ",\n{\n\"Id\": 256,\n", reason: "truncated json", line: 3, events: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := testOpts("a.json")
			if tc.limit > 0 {
				o.MaxLineBytes = tc.limit
			}
			got := decodeAll(t, NewAnalyticJSON(strings.NewReader(tc.in), o, DefaultConfig()), "a.json")
			if len(got.errs) != 1 || got.errs[0].Reason != tc.reason || got.errs[0].Line != tc.line {
				t.Fatalf("errors %v, want one %q at line %d", got.errs, tc.reason, tc.line)
			}
			if len(got.rows) != tc.events {
				t.Errorf("got %d events, want %d", len(got.rows), tc.events)
			}
		})
	}
}

// TestAnalyticUTF16 reads XML and JSON exports that PowerShell wrote as
// UTF-16 with a byte order mark.
func TestAnalyticUTF16(t *testing.T) {
	enc := func(s string) []byte {
		var b bytes.Buffer
		b.Write([]byte{0xFF, 0xFE})
		for _, u := range utf16.Encode([]rune(s)) {
			b.Write([]byte{byte(u), byte(u >> 8)})
		}
		return b.Bytes()
	}
	x := enc(xev(257, 100, "InterfaceIP=10.0.0.1", "Destination=10.0.0.9", "QNAME=caf\u00e9.example.", "QTYPE=1", "XID=1", "RCODE=0") + "\r\n")
	if !SniffAnalyticXML(x) || SniffAnalyticJSON(x) || SniffDebug(x) {
		t.Error("UTF-16 XML not recognised as such")
	}
	got := decodeAll(t, NewAnalyticXML(bytes.NewReader(x), testOpts("a.xml"), DefaultConfig()), "a.xml")
	if len(got.rows) != 1 || got.rows[0].QName != `caf\195\169.example` {
		t.Errorf("XML: %+v %v", got.rows, got.errs)
	}
	j := enc(`[{"Id":257,"ProviderName":"Microsoft-Windows-DNSServer","TimeCreated":"2026-11-28T15:46:09Z",` +
		`"Message":"RESPONSE_SUCCESS: InterfaceIP=10.0.0.1; Destination=10.0.0.9; QNAME=x.example.; XID=1; RCODE=0"}]`)
	if !SniffAnalyticJSON(j) || SniffAnalyticXML(j) {
		t.Error("UTF-16 JSON not recognised as such")
	}
	got = decodeAll(t, NewAnalyticJSON(bytes.NewReader(j), testOpts("a.json"), DefaultConfig()), "a.json")
	if len(got.rows) != 1 || got.rows[0].QName != "x.example" {
		t.Errorf("JSON: %+v %v", got.rows, got.errs)
	}
}
