package querylog

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/google/go-cmp/cmp"
)

const (
	unknown = event.RcodeUnknown
	noErr   = event.RcodeNoError
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []row
	}{
		{
			name: "query forwarded reply",
			in: lines(
				"Aug  9 09:06:36 dnsmasq[1]: query[A] WWW.Example.com from 10.0.0.5",
				"Aug  9 09:06:36 dnsmasq[1]: forwarded www.example.com to 8.8.8.8",
				"Aug  9 09:06:37 dnsmasq[1]: reply www.example.com is 93.184.216.34",
				"Aug  9 09:06:37 dnsmasq[1]: reply www.example.com is 2606:2800:220:1::1",
			),
			want: []row{{
				Time: "2024-08-09T09:06:36Z", Client: "10.0.0.5:0", Server: "8.8.8.8:53",
				QName: "www.example.com", QType: 1, RCode: noErr, Resp: true, RTT: time.Second, Line: 1,
				Answers: []string{"www.example.com 1 93.184.216.34", "www.example.com 28 2606:2800:220:1::1"},
			}},
		},
		{
			name: "host name before tag and forward port",
			in: lines(
				"Jan 02 03:04:05 router dnsmasq[812]: query[AAAA] a.example from fe80::1",
				"Jan 02 03:04:05 router dnsmasq[812]: forwarded a.example to 127.0.0.1#5353",
			),
			want: []row{{
				Time: "2024-01-02T03:04:05Z", Client: "[fe80::1]:0", Server: "127.0.0.1:5353",
				QName: "a.example", QType: 28, RCode: unknown, Line: 1,
			}},
		},
		{
			name: "extra serial form pairs by serial",
			in: lines(
				"Aug  9 09:06:36 dnsmasq[1]: 7 10.0.0.5/41234 query[TXT] t.example from 10.0.0.5",
				"Aug  9 09:06:36 dnsmasq[1]: 8 10.0.0.6/5000 query[TXT] t.example from 10.0.0.6",
				"Aug  9 09:06:36 dnsmasq[1]: 7 10.0.0.5/41234 forwarded t.example to 9.9.9.9",
				"Aug  9 09:06:36 dnsmasq[1]: 7 10.0.0.5/41234 reply t.example is NXDOMAIN",
				"Aug  9 09:06:36 dnsmasq[1]: 8 10.0.0.6/5000 cached t.example is <TXT>",
			),
			want: []row{
				{Time: "2024-08-09T09:06:36Z", Client: "10.0.0.5:41234", Server: "9.9.9.9:53", QName: "t.example", QType: 16, RCode: 3, Resp: true, Line: 1},
				{Time: "2024-08-09T09:06:36Z", Client: "10.0.0.6:5000", QName: "t.example", QType: 16, RCode: noErr, Resp: true, Line: 2, Answers: []string{"t.example 16 "}},
			},
		},
		{
			name: "nodata and cached",
			in: lines(
				"Aug  9 09:06:36 dnsmasq[1]: query[AAAA] v4only.example from 10.0.0.5",
				"Aug  9 09:06:36 dnsmasq[1]: cached v4only.example is NODATA-IPv6",
				"Aug  9 09:06:36 dnsmasq[1]: query[MX] mail.example from 10.0.0.5",
				"Aug  9 09:06:36 dnsmasq[1]: config mail.example is NODATA",
			),
			want: []row{
				{Time: "2024-08-09T09:06:36Z", Client: "10.0.0.5:0", QName: "v4only.example", QType: 28, RCode: noErr, Resp: true, Line: 1},
				{Time: "2024-08-09T09:06:36Z", Client: "10.0.0.5:0", QName: "mail.example", QType: 15, RCode: noErr, Resp: true, Line: 3},
			},
		},
		{
			name: "cname chain and hosts file",
			in: lines(
				"Aug  9 09:06:36 dnsmasq[1]: query[A] www.cdn.example from 10.0.0.5",
				"Aug  9 09:06:36 dnsmasq[1]: reply www.cdn.example is <CNAME>",
				"Aug  9 09:06:36 dnsmasq[1]: reply edge.cdn.net is 192.0.2.1",
				"Aug  9 09:06:37 dnsmasq[1]: query[A] nas.lan from 10.0.0.5",
				"Aug  9 09:06:37 dnsmasq[1]: /etc/hosts nas.lan is 192.168.1.2",
			),
			want: []row{
				{
					Time: "2024-08-09T09:06:36Z", Client: "10.0.0.5:0", QName: "www.cdn.example", QType: 1, RCode: noErr, Resp: true, Line: 1,
					Answers: []string{"www.cdn.example 5 edge.cdn.net", "edge.cdn.net 1 192.0.2.1"},
				},
				{Time: "2024-08-09T09:06:37Z", Client: "10.0.0.5:0", QName: "nas.lan", QType: 1, RCode: noErr, Resp: true, Line: 4, Answers: []string{"nas.lan 1 192.168.1.2"}},
			},
		},
		{
			name: "type names and numbers",
			in: lines(
				"Aug  9 09:06:36 dnsmasq[1]: query[NULL] a.t.example from 10.0.0.5",
				"Aug  9 09:06:36 dnsmasq[1]: query[type=10] b.t.example from 10.0.0.5",
				"Aug  9 09:06:36 dnsmasq[1]: query[HTTPS] c.t.example from 10.0.0.5",
				"Aug  9 09:06:36 dnsmasq[1]: query[BOGUS] d.t.example from 10.0.0.5",
			),
			want: []row{
				{Time: "2024-08-09T09:06:36Z", Client: "10.0.0.5:0", QName: "a.t.example", QType: 10, RCode: unknown, Line: 1},
				{Time: "2024-08-09T09:06:36Z", Client: "10.0.0.5:0", QName: "b.t.example", QType: 10, RCode: unknown, Line: 2},
				{Time: "2024-08-09T09:06:36Z", Client: "10.0.0.5:0", QName: "c.t.example", QType: 65, RCode: unknown, Line: 3},
				{Time: "2024-08-09T09:06:36Z", Client: "10.0.0.5:0", QName: "d.t.example", QType: 0, RCode: unknown, Line: 4},
			},
		},
		{
			name: "late reply within pair timeout",
			in: lines(
				"Aug  9 09:54:15 dnsmasq[1]: query[TXT] p1.example from 10.0.0.5",
				"Aug  9 09:54:19 dnsmasq[1]: query[TXT] p2.example from 10.0.0.5",
				"Aug  9 09:54:19 dnsmasq[1]: reply p1.example is r",
				"Aug  9 09:54:30 dnsmasq[1]: reply p2.example is r",
			),
			want: []row{
				{Time: "2024-08-09T09:54:15Z", Client: "10.0.0.5:0", QName: "p1.example", QType: 16, RCode: noErr, Resp: true, RTT: 4 * time.Second, Line: 1, Answers: []string{"p1.example 16 r"}},
				{Time: "2024-08-09T09:54:19Z", Client: "10.0.0.5:0", QName: "p2.example", QType: 16, RCode: unknown, Line: 2},
			},
		},
		{
			name: "requery closes the first",
			in: lines(
				"Aug  9 09:00:00 dnsmasq[1]: query[A] x.example from 10.0.0.5",
				"Aug  9 09:00:01 dnsmasq[1]: query[A] x.example from 10.0.0.5",
				"Aug  9 09:00:01 dnsmasq[1]: reply x.example is SERVFAIL",
			),
			want: []row{
				{Time: "2024-08-09T09:00:00Z", Client: "10.0.0.5:0", QName: "x.example", QType: 1, RCode: unknown, Line: 1},
				{Time: "2024-08-09T09:00:01Z", Client: "10.0.0.5:0", QName: "x.example", QType: 1, RCode: 2, Resp: true, Line: 2},
			},
		},
		{
			name: "year rolls over",
			in: lines(
				"Dec 31 23:59:59 dnsmasq[1]: query[A] a.example from 10.0.0.5",
				"Jan  1 00:00:01 dnsmasq[1]: query[A] b.example from 10.0.0.5",
			),
			want: []row{
				{Time: "2024-12-31T23:59:59Z", Client: "10.0.0.5:0", QName: "a.example", QType: 1, RCode: unknown, Line: 1},
				{Time: "2025-01-01T00:00:01Z", Client: "10.0.0.5:0", QName: "b.example", QType: 1, RCode: unknown, Line: 2},
			},
		},
		{
			name: "other lines skipped",
			in: lines(
				"Aug  8 18:53:23 dnsmasq[1]: started, version 2.82 cachesize 150",
				"Aug  8 18:53:23 dnsmasq-dhcp[1]: DHCPACK(eth0) 192.168.1.20 aa:bb:cc:dd:ee:ff host",
				"Aug  8 18:53:23 host sshd[99]: Accepted publickey for root",
				"Aug  8 18:53:23 dnsmasq[1]: reply orphan.example is 192.0.2.9",
				"Aug  8 18:53:23 dnsmasq[1]: forwarded orphan.example to 8.8.8.8",
				"",
				"Aug  8 18:53:24 dnsmasq[1]: query[PTR] 5.0.0.10.in-addr.arpa from 10.0.0.5",
			),
			want: []row{
				{Time: "2024-08-08T18:53:24Z", Client: "10.0.0.5:0", QName: "5.0.0.10.in-addr.arpa", QType: 12, RCode: unknown, Line: 7},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := decodeAll(t, strings.NewReader(tc.in), testOpts("q.log"))
			if len(got.errs) > 0 {
				t.Fatalf("unexpected errors: %v", got.errs)
			}
			if diff := cmp.Diff(tc.want, got.rows); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBadLines(t *testing.T) {
	tests := []struct {
		name   string
		line   string
		reason string
	}{
		{name: "bad timestamp", line: "Foo  9 09:06:36 dnsmasq[1]: query[A] a.example from 10.0.0.5", reason: "bad syslog timestamp"},
		{name: "truncated", line: "Aug  9 09:06", reason: "bad syslog timestamp"},
		{name: "no from", line: "Aug  9 09:06:36 dnsmasq[1]: query[A] a.example", reason: "bad query line"},
		{name: "bad client", line: "Aug  9 09:06:36 dnsmasq[1]: query[A] a.example from 10.0.0.500", reason: "bad client address"},
		{name: "bad server", line: "Aug  9 09:06:36 dnsmasq[1]: forwarded a.example to nowhere", reason: "bad server address"},
		{name: "name too long", line: "Aug  9 09:06:36 dnsmasq[1]: query[A] " + strings.Repeat("a", 2000) + " from 10.0.0.5", reason: "name too long"},
		{name: "no is", line: "Aug  9 09:06:36 dnsmasq[1]: reply a.example", reason: "bad reply line"},
		{name: "ten megabyte line", line: "Aug  9 09:06:36 dnsmasq[1]: query[A] " + strings.Repeat("a", 10<<20) + " from 10.0.0.5", reason: "line too long"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := lines(
				"Aug  9 09:06:35 dnsmasq[1]: query[A] before.example from 10.0.0.5",
				tc.line,
				"Aug  9 09:06:37 dnsmasq[1]: query[A] after.example from 10.0.0.5",
			)
			got := decodeAll(t, strings.NewReader(in), testOpts("bad.log"))
			if len(got.errs) != 1 {
				t.Fatalf("got %d errors, want 1: %v", len(got.errs), got.errs)
			}
			e := got.errs[0]
			if diff := cmp.Diff([]any{"bad.log", int64(2), tc.reason}, []any{e.File, e.Line, e.Reason}); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			var names []string
			for _, r := range got.rows {
				names = append(names, r.QName)
			}
			if diff := cmp.Diff([]string{"before.example", "after.example"}, names); diff != "" {
				t.Errorf("stream did not go on (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPendingCap(t *testing.T) {
	var b bytes.Buffer
	for i := range 10 {
		b.WriteString("Aug  9 09:06:36 dnsmasq[1]: query[A] n" + string(rune('a'+i)) + ".example from 10.0.0.5\n")
	}
	b.WriteString("Aug  9 09:06:36 dnsmasq[1]: reply na.example is 192.0.2.1\n")
	b.WriteString("Aug  9 09:06:36 dnsmasq[1]: reply nj.example is 192.0.2.2\n")
	o := testOpts("cap.log")
	o.MaxPending = 3
	got := decodeAll(t, &b, o)
	if len(got.rows) != 10 {
		t.Fatalf("got %d events, want 10", len(got.rows))
	}
	if got.rows[0].Resp || !got.rows[9].Resp {
		t.Errorf("evicted query was paired or last query was not: first %+v last %+v", got.rows[0], got.rows[9])
	}
	want := map[string]int64{"queries": 10, "pending queries evicted": 7, "reply lines unpaired": 1, "reply lines paired": 1}
	for k, v := range want {
		if got.counts[k] != v {
			t.Errorf("count %q = %d, want %d", k, got.counts[k], v)
		}
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		head string
		want bool
	}{
		{"dnsmasq query log", "Aug  9 09:06:36 dnsmasq[1]: query[A] a from 10.0.0.5\n", true},
		{"startup only", "Aug  8 18:53:23 dnsmasq[1]: started, version 2.82\n", false},
		{"zeek", "#separator \\x09\n#path\tdns\n", false},
		{"empty", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Format().Sniff([]byte(tc.head)); got != tc.want {
				t.Errorf("Sniff = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	f := Format()
	if f.Name != "dnsmasq" || f.Unordered || f.Open == nil {
		t.Fatalf("format = %+v", f)
	}
	d, err := f.Open(strings.NewReader("Aug  9 09:06:36 dnsmasq[1]: query[A] a.example from 10.0.0.5\n"), testOpts("f.log"))
	if err != nil {
		t.Fatal(err)
	}
	var ev event.Event
	if err := d.Next(&ev); err != nil || ev.DNS.QName != "a.example" {
		t.Fatalf("Next = %v, qname %q", err, ev.DNS.QName)
	}
	if err := d.Next(&ev); err != io.EOF {
		t.Fatalf("Next at end = %v, want io.EOF", err)
	}
}
