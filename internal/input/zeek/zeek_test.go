package zeek

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

const (
	dnsFields = "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery\tqclass\tqclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected"
	dnsTypes  = "time\tstring\taddr\tport\taddr\tport\tenum\tcount\tinterval\tstring\tcount\tstring\tcount\tstring\tcount\tstring\tbool\tbool\tbool\tbool\tcount\tvector[string]\tvector[interval]\tbool"
	// dnsRow is a complete record for dnsFields; tests vary parts of it.
	dnsRow   = "1714557600.123456\tC1\t192.0.2.10\t51000\t198.51.100.53\t53\tudp\t4660\t0.001500\twww.example.com\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t203.0.113.7\t60.000000\tF"
	dnsRow2  = "1714557601.000000\tC2\t192.0.2.11\t51001\t198.51.100.53\t53\tudp\t4661\t-\tmail.example.com\t1\tC_INTERNET\t15\tMX\t-\t-\tF\tF\tT\tF\t0\t-\t-\tF"
	connHead = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n" +
		"#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\thistory\torig_pkts\tresp_pkts\n"
)

// dnsHeader is a standard dns.log header block.
func dnsHeader() string {
	return "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n" +
		"#open\t2024-05-01-10-00-00\n#fields\t" + dnsFields + "\n#types\t" + dnsTypes + "\n"
}

// pipeHeader is dnsHeader with '|' as the separator.
func pipeHeader() string {
	return strings.Replace(strings.ReplaceAll(dnsHeader(), "\t", "|"), `#separator \x09`, `#separator \x7c`, 1)
}

// rowView is the event dnsRow gives.
func rowView() view {
	return view{
		Kind: "dns", Time: "2024-05-01T10:00:00.123456Z", Client: "192.0.2.10:51000",
		Server: "198.51.100.53:53", Transport: "udp",
		DNS: &dnsView{
			ID: 4660, Flags: "qr rd ra", QName: "www.example.com", QType: 1, QClass: 1,
			HasQuery: true, HasResponse: true, RTT: 1500 * time.Microsecond,
			Answers: []event.RR{{Type: event.TypeA, Class: 1, TTL: 60, Data: "203.0.113.7"}},
		},
	}
}

// row2View is the event dnsRow2 gives: a query without a response.
func row2View() view {
	return view{
		Kind: "dns", Time: "2024-05-01T10:00:01Z", Client: "192.0.2.11:51001",
		Server: "198.51.100.53:53", Transport: "udp",
		DNS: &dnsView{
			ID: 4661, Flags: "rd", RCode: event.RcodeUnknown, QName: "mail.example.com",
			QType: 15, QClass: 1, HasQuery: true,
		},
	}
}

// with returns v changed by f.
func with(v view, f func(*view)) view {
	c := v
	d := *v.DNS
	d.Answers = append([]event.RR(nil), v.DNS.Answers...)
	c.DNS = &d
	f(&c)
	return c
}

// replaceField returns row with its i-th tab-separated field set to val.
func replaceField(row string, i int, val string) string {
	f := strings.Split(row, "\t")
	f[i] = val
	return strings.Join(f, "\t")
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   []view
		errs   []errView
		counts map[string]int64 // checked when set
	}{
		{
			name: "tsv basic records",
			in:   dnsHeader() + dnsRow + "\n" + dnsRow2 + "\n#close\t2024-05-01-11-00-00\n",
			want: []view{rowView(), row2View()},
		},
		{
			name: "tsv escapes in query: NUL, tab, backslash",
			in:   dnsHeader() + replaceField(dnsRow, 9, `a\x00b\x09c\x5cd.Tunnel.example`) + "\n",
			want: []view{with(rowView(), func(v *view) { v.DNS.QName = `a\000b\009c\\d.tunnel.example` })},
		},
		{
			name: "tsv custom separator, set separator, escaped separator in a value",
			in: pipeHeader() + "#set_separator|;\n" +
				strings.ReplaceAll(replaceField(replaceField(replaceField(dnsRow, 9, `a\x7cb.example`), 21, "x.example.net;203.0.113.7"), 22, "30.000000;60.000000"), "\t", "|") + "\n",
			want: []view{with(rowView(), func(v *view) {
				v.DNS.QName = "a|b.example"
				v.DNS.Answers = []event.RR{
					{Type: event.TypeCNAME, Class: 1, TTL: 30, Data: "x.example.net"},
					{Type: event.TypeA, Class: 1, TTL: 60, Data: "203.0.113.7"},
				}
			})},
		},
		{
			name: "tsv multi-byte separator",
			in: strings.ReplaceAll(strings.Replace(dnsHeader(), `#separator \x09`, `#separator \x3a\x3a`, 1), "\t", "::") +
				strings.ReplaceAll(strings.ReplaceAll(dnsRow, ":", `\x3a`), "\t", "::") + "\n",
			want: []view{rowView()},
		},
		{
			name: "tsv empty and unset markers",
			in: dnsHeader() + replaceField(replaceField(replaceField(replaceField(dnsRow, 9, "(empty)"), 12, "2"), 21, "(empty)"), 22, "(empty)") + "\n" +
				replaceField(replaceField(dnsRow, 8, "-"), 14, "-") + "\n",
			want: []view{
				with(rowView(), func(v *view) { v.DNS.QName, v.DNS.QType, v.DNS.Answers = ".", 2, nil }),
				with(rowView(), func(v *view) {
					v.DNS.RTT, v.DNS.RCode, v.DNS.HasResponse, v.DNS.Flags = 0, event.RcodeUnknown, false, "rd ra"
				}),
			},
		},
		{
			name: "tsv columns reordered and extra columns ignored",
			in: "#separator \\x09\n#path\tdns\n#fields\tquery\tid.resp_p\tid.resp_h\textra\tts\trcode\tid.orig_h\tid.orig_p\tqtype\tproto\tRD\tanswers\n" +
				"www.example.com\t53\t198.51.100.53\tjunk\t1714557600.123456\t0\t192.0.2.10\t51000\t1\tudp\tT\t203.0.113.7\n",
			want: []view{with(rowView(), func(v *view) {
				v.DNS.ID, v.DNS.Flags, v.DNS.QClass, v.DNS.RTT = 0, "qr rd", 0, 0
				v.DNS.Answers = []event.RR{{Type: event.TypeA, Data: "203.0.113.7"}}
			})},
		},
		{
			name: "tsv broken lines in the middle",
			in: dnsHeader() + dnsRow + "\n" +
				"1714557600.5\tC9\t192.0.2.10\n" + // line 10: too few fields
				replaceField(dnsRow, 0, "17145576xx.1") + "\n" + // line 11
				replaceField(dnsRow, 2, "192.0.2.300") + "\n" + // line 12
				replaceField(dnsRow, 5, "65536") + "\n" + // line 13
				replaceField(dnsRow, 16, "maybe") + "\n" + // line 14
				dnsRow + "\tone-too-many\n" + // line 15
				replaceField(dnsRow, 0, "-") + "\n" + // line 16
				dnsRow2 + "\n",
			want: []view{rowView(), row2View()},
			errs: []errView{
				{Line: 10, Reason: "bad field count"},
				{Line: 11, Reason: "bad timestamp"},
				{Line: 12, Reason: "bad address"},
				{Line: 13, Reason: "bad port"},
				{Line: 14, Reason: "bad bool"},
				{Line: 15, Reason: "bad field count"},
				{Line: 16, Reason: "missing field"},
			},
		},
		{
			name: "data after close, then a new block with other columns",
			in: dnsHeader() + dnsRow + "\n#close\t2024-05-01-11-00-00\n" + dnsRow + "\n" +
				"#separator \\x09\n#path\tdns\n#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tquery\tqtype\trcode\n" +
				"1714557601.000000\t192.0.2.11\t51001\t198.51.100.53\t53\tudp\tmail.example.com\t15\t-\n",
			want: []view{rowView(), with(row2View(), func(v *view) { v.DNS.ID, v.DNS.QClass, v.DNS.Flags = 0, 0, "" })},
			errs: []errView{{Line: 11, Reason: "no header"}},
		},
		{
			name:   "concatenated dns, weird and conn logs",
			in:     dnsHeader() + dnsRow + "\n#close\tx\n#separator \\x09\n#path\tweird\n#fields\tts\tuid\tname\n1714557600.0\tC1\tdns_unmatched_msg\n#close\tx\n" + connHead + "1714557610.000000\tC7\t192.0.2.10\t44312\t198.51.100.9\t443\ttcp\tssl\t12.500000\t1200\t3400\tSF\tShADadFf\t12\t10\n",
			want:   []view{rowView(), {Kind: "conn", Time: "2024-05-01T10:00:10Z", Client: "192.0.2.10:44312", Server: "198.51.100.9:443", Transport: "tcp", Conn: &event.Conn{Proto: 6, Duration: 12500 * time.Millisecond, OrigBytes: 1200, RespBytes: 3400, OrigPkts: 12, RespPkts: 10, Service: "ssl", State: "SF"}}},
			counts: map[string]int64{"dns records": 1, "conn records": 1, "other zeek log lines skipped": 1, "tsv header blocks": 3},
		},
		{
			name: "log type from the field set when #path is missing",
			in:   "#separator \\x09\n#fields\t" + dnsFields + "\n" + dnsRow + "\n",
			want: []view{rowView()},
		},
		{
			name: "data before any header",
			in:   dnsRow + "\n" + dnsHeader() + dnsRow + "\n",
			want: []view{rowView()},
			errs: []errView{{Line: 1, Reason: "no header"}},
		},
		{
			name:   "types count mismatch makes the block unusable",
			in:     "#separator \\x09\n#path\tdns\n#fields\t" + dnsFields + "\n#types\ttime\tstring\n" + dnsRow + "\n",
			errs:   []errView{{Line: 4, Reason: "bad header"}},
			counts: map[string]int64{"other zeek log lines skipped": 1},
		},
		{
			name: "empty markers and separators are refused, defaults kept",
			in:   "#separator \n#set_separator\t\n#empty_field\t\n#unset_field\t\n#path\tdns\n#fields\t" + dnsFields + "\n" + dnsRow + "\n",
			want: []view{rowView()},
			errs: []errView{{Line: 1, Reason: "bad header"}, {Line: 2, Reason: "bad header"}, {Line: 3, Reason: "bad header"}, {Line: 4, Reason: "bad header"}},
		},
		{
			name: "fields without an address column",
			in:   "#separator \\x09\n#path\tdns\n#fields\tts\tquery\n1714557600.0\tx.example\n",
			errs: []errView{{Line: 3, Reason: "bad header"}},
		},
		{
			name: "response-only row and DoT",
			in: dnsHeader() + replaceField(replaceField(replaceField(replaceField(dnsRow, 8, "-"), 12, "-"), 5, "853"), 6, "tcp") + "\n" +
				replaceField(replaceField(dnsRow, 5, "853"), 6, "tcp") + "\n",
			want: []view{
				with(rowView(), func(v *view) {
					v.Server, v.Transport = "198.51.100.53:853", "dot"
					v.DNS.RTT, v.DNS.QType, v.DNS.HasQuery = 0, 0, false
				}),
				with(rowView(), func(v *view) { v.Server, v.Transport = "198.51.100.53:853", "dot" }),
			},
		},
		{
			name: "CRLF line ends and blank lines",
			in:   strings.ReplaceAll(dnsHeader()+"\n"+dnsRow+"\n\n", "\n", "\r\n"),
			want: []view{rowView()},
		},
		{
			name: "json both key styles, epoch and ISO time, null",
			in: `{"_path":"dns","ts":"2024-05-01T10:00:00.123456Z","id.orig_h":"192.0.2.10","id.orig_p":51000,"id.resp_h":"198.51.100.53","id.resp_p":53,"proto":"udp","trans_id":4660,"rtt":0.0015000001,"query":"www.example.com","qclass":1,"qtype":1,"rcode":0,"AA":false,"TC":false,"RD":true,"RA":true,"answers":["203.0.113.7"],"TTLs":[60.0]}` + "\n" +
				`{"@stream":"dns","ts":1714557601,"id_orig_h":"192.0.2.11","id_orig_p":51001,"id_resp_h":"198.51.100.53","id_resp_p":53,"proto":"udp","trans_id":4661,"rtt":null,"query":"mail.example.com","qclass":1,"qtype":15,"AA":false,"TC":false,"RD":true,"RA":false}` + "\n",
			want: []view{rowView(), row2View()},
		},
		{
			name: "json escapes: unicode, Zeek \\x escapes, surrogate pair",
			in:   `{"ts":1714557600.123456,"id.orig_h":"192.0.2.10","id.orig_p":51000,"id.resp_h":"198.51.100.53","id.resp_p":53,"proto":"udp","trans_id":4660,"rtt":1.5e-3,"query":"a\\x00b\u0009c\ud83d\ude00.Example.com","qclass":1,"qtype":1,"rcode":0,"RD":true,"RA":true,"answers":["203.0.113.7"],"TTLs":[60]}` + "\n",
			want: []view{with(rowView(), func(v *view) { v.DNS.QName = `a\000b\009c\240\159\152\128.example.com` })},
		},
		{
			name: "json lines of other logs are skipped, bad lines reported",
			in: `{"_path":"http","ts":1714557600.1,"id.orig_h":"192.0.2.10","method":"GET"}` + "\n" +
				`{"_path":"dns","ts":1714557600.1,"id.orig_h":"192.0.2.10"` + "\n" +
				`{"_path":"dns","id.orig_h":"192.0.2.10","id.resp_h":"192.0.2.1","query":"x.example"}` + "\n" +
				`{"_path":"dns","ts":"yesterday","id.orig_h":"192.0.2.10","id.resp_h":"192.0.2.1"}` + "\n" +
				`{"_path":"dns","ts":1,"id.orig_h":"192.0.2.10","id.resp_h":"192.0.2.1"} trailing` + "\n" +
				`{"_path":"dns","ts":1,"id.orig_h":"192.0.2.10","id.resp_h":"192.0.2.1","answers":{"a":1}}` + "\n" +
				`{"_path":"dns","ts":1,"id.orig_h":"192.0.2.10","id.resp_h":"192.0.2.1","query":"bad\q"}` + "\n" +
				`{}` + "\n",
			errs: []errView{
				{Line: 2, Reason: "bad json"}, {Line: 3, Reason: "missing field"}, {Line: 4, Reason: "bad timestamp"},
				{Line: 5, Reason: "bad json"}, {Line: 6, Reason: "bad json"}, {Line: 7, Reason: "bad json"},
			},
			counts: map[string]int64{"other zeek log lines skipped": 2},
		},
		{
			name: "conn icmp over IPv6 and unset counts",
			in: connHead + "1714557611.000000\tC8\t2001:db8::10\t128\t2001:db8::1\t129\ticmp\t-\t-\t-\t-\tOTH\t-\t1\t0\n" +
				"1714557612.000000\tC9\t192.0.2.10\t8\t198.51.100.1\t0\ticmp\t(empty)\t0.000010\t0\t0\tOTH\t-\t1\t1\n",
			want: []view{
				{Kind: "conn", Time: "2024-05-01T10:00:11Z", Client: "[2001:db8::10]:128", Server: "[2001:db8::1]:129", Transport: "unknown", Conn: &event.Conn{Proto: 58, OrigPkts: 1, State: "OTH"}},
				{Kind: "conn", Time: "2024-05-01T10:00:12Z", Client: "192.0.2.10:8", Server: "198.51.100.1:0", Transport: "unknown", Conn: &event.Conn{Proto: 1, Duration: 10 * time.Microsecond, OrigPkts: 1, RespPkts: 1, State: "OTH"}},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := decodeAll(t, strings.NewReader(tc.in), opts("test.log"))
			if diff := cmp.Diff(tc.want, got.events); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.errs, got.errs); diff != "" {
				t.Errorf("record errors (-want +got):\n%s\nerrors: %v", diff, got.errList)
			}
			for name, want := range tc.counts {
				if got.counts[name] != want {
					t.Errorf("count %q = %d, want %d", name, got.counts[name], want)
				}
			}
			for _, re := range got.errList {
				if re.File != "test.log" || !strings.HasPrefix(re.Error(), "test.log:") {
					t.Errorf("record error does not name the file and line: %v", re)
				}
			}
		})
	}
}

func TestTestdataFiles(t *testing.T) {
	dnsWant := []view{
		{
			Kind: "dns", Time: "2024-05-01T10:00:00.123456Z", Client: "192.0.2.10:51000", Server: "198.51.100.53:53", Transport: "udp",
			DNS: &dnsView{ID: 4660, Flags: "qr rd ra", QName: "www.example.com", QType: 1, QClass: 1, HasQuery: true, HasResponse: true, RTT: 1500 * time.Microsecond,
				Answers: []event.RR{{Type: event.TypeCNAME, Class: 1, TTL: 300, Data: "edge.example.net"}, {Type: event.TypeA, Class: 1, TTL: 60, Data: "203.0.113.7"}}},
		},
		{
			Kind: "dns", Time: "2024-05-01T10:00:01.000001Z", Client: "192.0.2.10:51001", Server: "198.51.100.53:53", Transport: "udp",
			DNS: &dnsView{ID: 4661, Flags: "qr aa rd ra", RCode: event.RcodeNXDomain, QName: "nosuch.example.org", QType: 28, QClass: 1, HasQuery: true, HasResponse: true},
		},
		{
			Kind: "dns", Time: "2024-05-01T10:00:02.5Z", Client: "[2001:db8::10]:51002", Server: "[2001:db8::53]:853", Transport: "dot",
			DNS: &dnsView{ID: 4662, Flags: "qr rd ra", QName: "v6.example.com", QType: 28, QClass: 1, HasQuery: true, HasResponse: true, RTT: 20 * time.Millisecond,
				Answers: []event.RR{{Type: event.TypeAAAA, Class: 1, TTL: 120, Data: "2001:db8::7"}}},
		},
		{
			Kind: "dns", Time: "2024-05-01T10:00:03Z", Client: "192.0.2.11:51003", Server: "198.51.100.53:53", Transport: "udp",
			DNS: &dnsView{ID: 4663, Flags: "rd", RCode: event.RcodeUnknown, QName: `a\000b.tunnel.example`, QType: 16, QClass: 1, HasQuery: true},
		},
		{
			Kind: "dns", Time: "2024-05-01T10:00:04.25Z", Client: "192.0.2.11:51004", Server: "198.51.100.53:53", Transport: "udp",
			DNS: &dnsView{ID: 4664, Flags: "qr", QName: ".", QType: 2, QClass: 1, HasQuery: true, HasResponse: true, RTT: 3 * time.Millisecond,
				Answers: []event.RR{{Type: event.TypeNS, Class: 1, TTL: 518400, Data: "a.root-servers.net"}}},
		},
		{
			Kind: "dns", Time: "2024-05-01T10:00:05Z", Client: "192.0.2.12:51005", Server: "198.51.100.53:53", Transport: "udp",
			DNS: &dnsView{ID: 4665, Flags: "qr rd ra", QName: "_dmarc.example.com", QType: 16, QClass: 1, HasQuery: true, HasResponse: true, RTT: 2 * time.Millisecond,
				Answers: []event.RR{{Type: event.TypeTXT, Class: 1, TTL: 3600, Data: "TXT 18 v=DMARC1; p=none"}}},
		},
	}
	connWant := []view{
		{Kind: "conn", Time: "2024-05-01T10:00:00.1Z", Client: "192.0.2.10:51000", Server: "198.51.100.53:53", Transport: "udp",
			Conn: &event.Conn{Proto: 17, Duration: 1500 * time.Microsecond, OrigBytes: 40, RespBytes: 56, OrigPkts: 1, RespPkts: 1, Service: "dns", State: "SF"}},
		{Kind: "conn", Time: "2024-05-01T10:00:10Z", Client: "192.0.2.10:44312", Server: "198.51.100.9:853", Transport: "dot",
			Conn: &event.Conn{Proto: 6, Duration: 12500 * time.Millisecond, OrigBytes: 1200, RespBytes: 3400, OrigPkts: 12, RespPkts: 10, Service: "ssl", State: "SF"}},
		{Kind: "conn", Time: "2024-05-01T10:00:11Z", Client: "192.0.2.10:8", Server: "198.51.100.1:0", Transport: "unknown",
			Conn: &event.Conn{Proto: 1, OrigPkts: 1, State: "OTH"}},
	}
	tests := []struct {
		file  string
		want  []view
		lines []int64
	}{
		{"dns.log", dnsWant, []int64{9, 10, 11, 12, 13, 14}},
		{"dns.json", []view{dnsWant[0], dnsWant[1], dnsWant[3]}, []int64{1, 2, 3}},
		{"conn.log", connWant, []int64{9, 10, 11}},
		{"conn.json", connWant[:2], []int64{1, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if !Sniff(b) {
				t.Errorf("Sniff does not recognise %s", tc.file)
			}
			got := decodeAll(t, bytes.NewReader(b), opts(tc.file))
			if len(got.errs) > 0 {
				t.Errorf("record errors: %v", got.errList)
			}
			if diff := cmp.Diff(tc.want, got.events); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			var lines []int64
			for _, s := range got.sources {
				if s.Name != tc.file {
					t.Errorf("Source.Name = %q", s.Name)
				}
				lines = append(lines, s.Line)
			}
			if diff := cmp.Diff(tc.lines, lines); diff != "" {
				t.Errorf("Source.Line (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLongLine(t *testing.T) {
	tests := []struct {
		name    string
		max     int
		longLen int
	}{
		{"10 MB line, default limit", 0, 10 << 20},
		{"line just over a small limit", 300, 301},
		{"line longer than the read buffer but under the limit", 0, 200 << 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			long := strings.Repeat("x", tc.longLen)
			in := dnsHeader() + dnsRow + "\n" + long + "\n" + dnsRow2 + "\n"
			o := opts("long.log")
			o.MaxLineBytes = tc.max
			d := New(strings.NewReader(in), o)
			var ev event.Event
			var got []view
			var errs []errView
			for {
				err := d.Next(&ev)
				if err != nil {
					re, ok := err.(*input.RecordError)
					if !ok {
						break
					}
					errs = append(errs, errView{re.Line, re.Reason})
					continue
				}
				got = append(got, project(&ev))
			}
			limit := tc.max
			if limit <= 0 {
				limit = input.DefaultOptions().MaxLineBytes
			}
			wantErr := []errView{{Line: 10, Reason: "bad field count"}}
			if tc.longLen > limit {
				wantErr = []errView{{Line: 10, Reason: "line too long"}}
			}
			if diff := cmp.Diff(wantErr, errs); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]view{rowView(), row2View()}, got); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRandomBinary(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	prefixes := []struct {
		name   string
		prefix string
	}{
		{"bare", ""},
		{"after a dns header", "#separator \\x09\n#path\tdns\n#fields\t" + dnsFields + "\n"},
		{"after a brace", "{"},
	}
	for _, size := range []int{1, 100, 64 << 10, 1 << 20} {
		b := make([]byte, size)
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		for _, p := range prefixes {
			t.Run(fmt.Sprintf("%s %d bytes", p.name, size), func(t *testing.T) {
				in := append([]byte(p.prefix), b...)
				got := decodeAll(t, bytes.NewReader(in), opts("random.bin"))
				if len(got.events) > 0 {
					t.Errorf("%d events from random bytes", len(got.events))
				}
				if p.prefix == "" && Sniff(in) {
					t.Errorf("Sniff accepts random bytes")
				}
			})
		}
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		head string
		want bool
	}{
		{"tsv dns", dnsHeader(), true},
		{"tsv conn", connHead, true},
		{"tsv after a comment line", "### baseline\n" + dnsHeader(), true},
		{"tsv dns by fields, no path", "#separator \\x09\n#fields\t" + dnsFields + "\n", true},
		{"tsv weird log", "#separator \\x09\n#path\tweird\n#fields\tts\tuid\tname\n", false},
		{"fields without separator line", "#fields\t" + dnsFields + "\n", false},
		{"json dotted", `{"ts":1.0,"uid":"C1","id.orig_h":"192.0.2.1","query":"x"}`, true},
		{"json underscore", `{"@stream":"conn","ts":1.0,"id_orig_h":"192.0.2.1","conn_state":"SF"}`, true},
		{"json without zeek keys", `{"timestamp":"2024-01-01","event_type":"dns","src_ip":"192.0.2.1"}`, false},
		{"zeek-cut output", "uid\tservice\thistory\nC1\tdns\tD\n", false},
		{"empty", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Sniff([]byte(tc.head)); got != tc.want {
				t.Errorf("Sniff = %v, want %v", got, tc.want)
			}
		})
	}
	if f := Format(); f.Name != "zeek" || f.Sniff == nil || f.Open == nil {
		t.Errorf("Format() = %+v", f)
	}
}

func TestAnswerType(t *testing.T) {
	tests := []struct {
		answer string
		qtype  uint16
		typ    uint16
		isName bool
	}{
		{"203.0.113.7", event.TypeA, event.TypeA, false},
		{"2001:db8::7", event.TypeAAAA, event.TypeAAAA, false},
		{"::ffff:192.0.2.1", event.TypeAAAA, event.TypeAAAA, false},
		{"0.0.0.0", event.TypeA, event.TypeA, false},
		{"255.255.255.255", event.TypeA, event.TypeA, false},
		{"256.1.1.1", event.TypeA, event.TypeCNAME, true},
		{"1.2.3.04", event.TypeA, event.TypeCNAME, true},
		{"1.2.3", event.TypeA, event.TypeCNAME, true},
		{"1.2.3.4.5", event.TypeA, event.TypeCNAME, true},
		{"cafe::", event.TypeAAAA, event.TypeAAAA, false},
		{"cafe:", event.TypeA, event.TypeCNAME, true},
		{"fe80::1%eth0", event.TypeAAAA, event.TypeCNAME, true},
		{"edge.example.net", event.TypeA, event.TypeCNAME, true},
		{"deadbeef", event.TypeA, event.TypeCNAME, true},
		{"mx1.example.com", event.TypeMX, event.TypeMX, true},
		{"host.example.com", event.TypePTR, event.TypePTR, true},
		{"ns1.example.com", event.TypeNS, event.TypeNS, true},
		{"ns1.example.com", event.TypeANY, 0, true},
		{"TXT 18 v=spf1 -all", event.TypeTXT, event.TypeTXT, false},
		{"SPF 14 v=spf1 mx -all", 99, 99, false},
		{"RRSIG 48 paypal.com", 48, 46, false},
		{"DNSKEY 5", 48, 48, false},
		{"DS 5 1", 43, 43, false},
		{"NSEC3PARAM", 51, 51, false},
		{"LOC:  18 21 19", 255, 29, false},
		{"SSHFP: c692deb7", 44, 44, false},
		{"BIND9 signing signal", 65534, 65534, false},
		{"add: A nwin2.stratolab.org 192.168.1.106", 0, 0, false},
		{"TXT", event.TypeA, event.TypeCNAME, true},
		{"", event.TypeA, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.answer, func(t *testing.T) {
			typ, isName := answerType([]byte(tc.answer), tc.qtype)
			if typ != tc.typ || isName != tc.isName {
				t.Errorf("answerType(%q, %d) = %d, %v; want %d, %v", tc.answer, tc.qtype, typ, isName, tc.typ, tc.isName)
			}
		})
	}
}

func TestFieldNames(t *testing.T) {
	for id := range nFields {
		got, ok := fieldByName([]byte(id.String()))
		if !ok || got != id {
			t.Errorf("fieldByName(%q) = %v, %v; want %v", id.String(), got, ok, id)
		}
	}
}

func TestSplitFields(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	alphabet := []byte("\tab\x00\xff,:")
	for n := range 300 {
		line := make([]byte, n%70)
		for i := range line {
			line[i] = alphabet[rng.IntN(len(alphabet))]
		}
		for _, sep := range []string{"\t", "\xff", "::", ",\t"} {
			for _, max := range []int{1, 2, 5, 1000} {
				want := bytes.SplitN(line, []byte(sep), max)
				got := splitFields(nil, line, []byte(sep), max)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("splitFields(%q, %q, %d) (-want +got):\n%s", line, sep, max, diff)
				}
			}
		}
	}
}

func TestParseNumbers(t *testing.T) {
	tests := []struct {
		in       string
		max      uint64
		want     uint64
		ok       bool
		interval time.Duration
		ivOK     bool
	}{
		{"0", 65535, 0, true, 0, true},
		{"65535", 65535, 65535, true, 65535 * time.Second, true},
		{"65536", 65535, 0, false, 65536 * time.Second, true},
		{"9223372036854775807", 1<<63 - 1, 1<<63 - 1, true, 0, false},
		{"99999999999999999999", 1<<63 - 1, 0, false, 0, false},
		{"", 10, 0, false, 0, false},
		{"1a", 10, 0, false, 0, false},
		{"-1", 10, 0, false, -time.Second, true},
		{"0.000870", 0, 0, false, 870 * time.Microsecond, true},
		{"0.0008699893951416016", 0, 0, false, 870 * time.Microsecond, true},
		{"0.9999996", 0, 0, false, time.Second, true},
		{"2.5", 0, 0, false, 2500 * time.Millisecond, true},
		{"1.5e-3", 0, 0, false, 1500 * time.Microsecond, true},
		{"1.", 0, 0, false, 0, false},
		{".5", 0, 0, false, 0, false},
		{"1.2.3", 0, 0, false, 0, false},
		{"NaN", 0, 0, false, 0, false},
		{"1e300", 0, 0, false, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			n, ok := parseUint([]byte(tc.in), tc.max)
			if n != tc.want && ok || ok != tc.ok {
				t.Errorf("parseUint(%q, %d) = %d, %v; want %d, %v", tc.in, tc.max, n, ok, tc.want, tc.ok)
			}
			d, ok := parseInterval([]byte(tc.in))
			if d != tc.interval && ok || ok != tc.ivOK {
				t.Errorf("parseInterval(%q) = %v, %v; want %v, %v", tc.in, d, ok, tc.interval, tc.ivOK)
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want string // RFC 3339 in UTC, "" when rejected
	}{
		{"1521911720.865716", "2018-03-24T17:15:20.865716Z"},
		{"1521911720", "2018-03-24T17:15:20Z"},
		{"1521911720.8657161", "2018-03-24T17:15:20.865716Z"},
		{"1.52191172e9", "2018-03-24T17:15:20Z"},
		{"2018-03-24T17:15:20.865716Z", "2018-03-24T17:15:20.865716Z"},
		{"2018-03-24T19:15:20.865716+02:00", "2018-03-24T17:15:20.865716Z"},
		{"1521911720865", "2018-03-24T17:15:20.865Z"},
		{"2018-03-24T17:15:20.8657164Z", "2018-03-24T17:15:20.865716Z"},
		{"1960-01-01T00:00:00Z", ""},
		{"99999999999", ""},
		{"2018-03-24 17:15:20", ""},
		{"-1.0", ""},
		{"XXXXXXXXXX.XXXXXX", ""},
		{"", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := parseTime([]byte(tc.in))
			s := ""
			if ok {
				s = got.Format(time.RFC3339Nano)
			}
			if s != tc.want {
				t.Errorf("parseTime(%q) = %q, want %q", tc.in, s, tc.want)
			}
		})
	}
}

func TestAddrCache(t *testing.T) {
	var c addrCache
	for _, s := range []string{"192.0.2.1", "192.0.2.1", "192.0.2.10", "2001:db8::1", "2001:db8::1", "fe80::1%eth0", "fe80::1%eth0", "fe80::1%eth1", "bad", "192.0.2.1", "bad"} {
		want, err := netip.ParseAddr(s)
		got, ok := c.parse([]byte(s))
		if got != want || ok != (err == nil) {
			t.Errorf("parse(%q) = %v, %v; want %v, %v", s, got, ok, want, err)
		}
	}
}

// TestHeaderOnly: with input.Options.HeaderOnly the answers and TTLs columns
// are skipped in TSV and JSON, and everything else decodes as usual.
func TestHeaderOnly(t *testing.T) {
	for _, file := range []string{"testdata/dns.log", "testdata/dns.json"} {
		t.Run(file, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			full := decodeAll(t, bytes.NewReader(data), opts(file))
			o := opts(file)
			o.HeaderOnly = true
			head := decodeAll(t, bytes.NewReader(data), o)
			if len(full.events) == 0 || len(head.events) != len(full.events) {
				t.Fatalf("%d events header-only, %d in full", len(head.events), len(full.events))
			}
			answers := 0
			for i := range full.events {
				want := full.events[i]
				if want.DNS != nil {
					answers += len(want.DNS.Answers)
					dv := *want.DNS
					dv.Answers = nil
					want.DNS = &dv
				}
				if d := cmp.Diff(want, head.events[i], cmpopts.EquateEmpty()); d != "" {
					t.Errorf("event %d (-full without answers +header-only):\n%s", i, d)
				}
			}
			if answers == 0 {
				t.Fatal("sample has no answers: the test proves nothing")
			}
		})
	}
}
