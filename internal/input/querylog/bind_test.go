package querylog

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/google/go-cmp/cmp"
)

// rrow is the comparable projection of a BIND or Unbound event.
type rrow struct {
	Time      string
	Client    string
	Server    string
	Transport string
	QName     string
	QType     uint16
	QClass    uint16
	Query     bool
	Resp      bool
	RCode     uint16
	Flags     string
	Known     bool
	RTT       time.Duration
	Size      int
	Line      int64
}

func projectResolver(ev *event.Event) rrow {
	r := rrow{
		Time:      ev.Time.Format(time.RFC3339Nano),
		Client:    ev.Client.String(),
		Transport: ev.Transport.String(),
		QName:     strings.Clone(ev.DNS.QName),
		QType:     ev.DNS.QType,
		QClass:    ev.DNS.QClass,
		Query:     ev.DNS.HasQuery,
		Resp:      ev.DNS.HasResponse,
		RCode:     ev.DNS.RCode,
		Flags:     ev.DNS.Flags.String(),
		Known:     ev.DNS.FlagsKnown,
		RTT:       ev.DNS.RTT,
		Size:      ev.DNS.ResponseSize,
		Line:      ev.Source.Line,
	}
	if ev.Server.IsValid() {
		r.Server = ev.Server.String()
	}
	return r
}

type resolverDecoded struct {
	rows   []rrow
	errs   []*input.RecordError
	counts map[string]int64
}

type countingDecoder interface {
	input.Decoder
	input.Counter
}

// decodeResolver reads d to the end, checking that every event is DNS with
// a name, every error a RecordError naming the input and a line, and the
// stream ends with io.EOF.
func decodeResolver(t testing.TB, d countingDecoder, name string) resolverDecoded {
	t.Helper()
	var out resolverDecoded
	var ev event.Event
	for i := 0; ; i++ {
		if i > 1<<22 {
			t.Fatal("decoder does not end")
		}
		err := d.Next(&ev)
		if err == io.EOF {
			break
		}
		if err != nil {
			var re *input.RecordError
			if !errors.As(err, &re) {
				t.Fatalf("non-record error: %v", err)
			}
			if re.File != name || re.Line <= 0 {
				t.Fatalf("record error without file and line: %v", err)
			}
			out.errs = append(out.errs, re)
			continue
		}
		if ev.Kind != event.KindDNS || ev.DNS.QName == "" || ev.DNS.HasQuery == ev.DNS.HasResponse {
			t.Fatalf("bad event: %+v", ev)
		}
		out.rows = append(out.rows, projectResolver(&ev))
	}
	out.counts = map[string]int64{}
	for _, c := range d.Counts() {
		out.counts[c.Name] = c.Value
	}
	return out
}

func bindDecode(t testing.TB, in string) resolverDecoded {
	return decodeResolver(t, NewBIND(strings.NewReader(in), testOpts("bind.log"), Config{Year: 2026}), "bind.log")
}

func TestBINDDecode(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []rrow
	}{
		{
			name: "9.18 file channel with category and view",
			in:   lines("28-Nov-2026 03:46:09.346 queries: client @0x7f990e487098 10.20.1.53#60389 (.): view root: query: . IN NS -E(0)DC (198.51.100.2)"),
			want: []rrow{{
				Time: "2026-11-28T03:46:09.346Z", Client: "10.20.1.53:60389", Server: "198.51.100.2:0", Transport: "udp",
				QName: ".", QType: 2, QClass: 1, Query: true, RCode: unknown, Flags: "cd", Known: true, Line: 1,
			}},
		},
		{
			name: "severity prefix, recursion desired, cookie",
			in:   lines("28-Nov-2026 03:46:10.001 queries: info: client 192.0.2.1#53 (WWW.Example.com): query: WWW.Example.com IN A +E(0)K (192.0.2.53)"),
			want: []rrow{{
				Time: "2026-11-28T03:46:10.001Z", Client: "192.0.2.1:53", Server: "192.0.2.53:0", Transport: "udp",
				QName: "www.example.com", QType: 1, QClass: 1, Query: true, RCode: unknown, Flags: "rd", Known: true, Line: 1,
			}},
		},
		{
			name: "old form without name, server, over tcp, ipv6",
			in:   lines("01-Jan-2026 00:00:00.000 client 2001:db8::7#40000: query: a.example IN TXT +T"),
			want: []rrow{{
				Time: "2026-01-01T00:00:00Z", Client: "[2001:db8::7]:40000", Transport: "tcp",
				QName: "a.example", QType: 16, QClass: 1, Query: true, RCode: unknown, Flags: "rd", Known: true, Line: 1,
			}},
		},
		{
			name: "syslog with named tag, generic type, signed",
			in: lines(
				"Nov 28 03:46:09 ns1 named[812]: client @0x1 10.0.0.9#1234 (x.example): query: x.example CH TYPE65534 +SE(0)D (10.0.0.1)",
				"Nov 28 03:46:09 ns1 sshd[1]: Accepted publickey for root",
				"Nov 28 03:46:09 ns1 named[812]: zone example/IN: loaded serial 1",
			),
			want: []rrow{{
				Time: "2026-11-28T03:46:09Z", Client: "10.0.0.9:1234", Server: "10.0.0.1:0", Transport: "udp",
				QName: "x.example", QType: 65534, QClass: 3, Query: true, RCode: unknown, Flags: "rd", Known: true, Line: 1,
			}},
		},
		{
			name: "iso8601 time with offset",
			in:   lines("2026-11-28T04:46:09.5+01:00 queries: info: client 10.0.0.9#1 (a): query: a IN AAAA - (10.0.0.1)"),
			want: []rrow{{
				Time: "2026-11-28T03:46:09.5Z", Client: "10.0.0.9:1", Server: "10.0.0.1:0", Transport: "udp",
				QName: "a", QType: 28, QClass: 1, Query: true, RCode: unknown, Flags: "", Known: true, Line: 1,
			}},
		},
		{
			name: "query-errors and general lines are skipped",
			in: lines(
				"28-Nov-2026 03:46:09.346 query-errors: info: client @0x1 10.0.0.9#1 (a.example): query failed (SERVFAIL) for a.example/IN/A at query.c:7",
				"28-Nov-2026 03:46:09.346 general: info: zone example/IN: loaded serial 1",
			),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := bindDecode(t, tc.in)
			if len(got.errs) > 0 {
				t.Fatalf("unexpected errors: %v", got.errs)
			}
			if diff := cmp.Diff(tc.want, got.rows); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBINDBadLines(t *testing.T) {
	in := lines(
		"28-Nov-2026 03:46:09.346 queries: client 10.0.0.9#1 (a): query: a IN A -E(0)DC (10.0.0.1)",
		"28-Nov-2026 03:46:09 no millis but no client either",
		"garbage without a timestamp",
		"28-Nov-2026 03:46:09.346 queries: client 10.0.0.9 (a): query: a IN A - (10.0.0.1)",
		"28-Nov-2026 03:46:09.346 queries: client 10.0.0.9#1 (a): query: a IN A",
		"28-Nov-2026 03:46:09.346 queries: client 10.0.0.9#1 (a): query: a IN A ?x (10.0.0.1)",
		"28-Nov-2026 03:46:09.346 queries: client 10.0.0.9#1 (a): query: a IN A - 10.0.0.1",
		"28-Nov-2026 03:46:09.346 queries: client 10.0.0.9#1 (b): query: b IN A + (10.0.0.1)",
	)
	got := bindDecode(t, in)
	var errLines []int64
	for _, e := range got.errs {
		errLines = append(errLines, e.Line)
	}
	if diff := cmp.Diff([]int64{3, 4, 5, 6, 7}, errLines); diff != "" {
		t.Errorf("error lines (-want +got):\n%s", diff)
	}
	var names []string
	for _, r := range got.rows {
		names = append(names, r.QName)
	}
	if diff := cmp.Diff([]string{"a", "b"}, names); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if got.counts["other bind lines skipped"] != 1 {
		t.Errorf("other lines = %d, want 1", got.counts["other bind lines skipped"])
	}
}

// TestBINDLab decodes the lab's BIND excerpt: every line is a query from the
// lab resolver with RD clear, EDNS, DO and CD.
func TestBINDLab(t *testing.T) {
	const path = "testdata/resolverlogs/bind-auth-queries.log"
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := decodeResolver(t, NewBIND(bytes.NewReader(raw), testOpts(path), Config{}), path)
	if len(got.errs) > 0 {
		t.Fatalf("unexpected errors: %v", got.errs)
	}
	if want := bytes.Count(raw, []byte(" query: ")); len(got.rows) != want || want != 190 {
		t.Errorf("got %d events, want %d (lines with query:, 190)", len(got.rows), want)
	}
	type summary struct {
		Clients, Servers map[string]int
		Types            map[uint16]int
		Tunnel           int
		Transports       map[string]int
		Flags            map[string]int
	}
	s := summary{Clients: map[string]int{}, Servers: map[string]int{}, Types: map[uint16]int{}, Transports: map[string]int{}, Flags: map[string]int{}}
	for _, r := range got.rows {
		s.Clients[strings.Split(r.Client, ":")[0]]++
		s.Servers[r.Server]++
		s.Types[r.QType]++
		s.Transports[r.Transport]++
		s.Flags[r.Flags]++
		if strings.HasSuffix(r.QName, ".t.evil-c2.test") {
			s.Tunnel++
		}
	}
	want := summary{
		Clients:    map[string]int{"10.20.1.53": 190},
		Servers:    serverCounts(raw),
		Types:      typeCounts(raw),
		Tunnel:     bytes.Count(raw, []byte(".t.evil-c2.test IN ")),
		Transports: map[string]int{"udp": 190},
		Flags:      map[string]int{"cd": 190},
	}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if r := got.rows[2]; r.QName != "news-site.example" || r.Server != "198.51.100.4:0" || r.Time != "2026-11-28T03:46:09.346Z" || r.Line != 3 {
		t.Errorf("line 3 = %+v", r)
	}
}

// serverCounts counts the server addresses `(ADDR)` at line ends.
func serverCounts(raw []byte) map[string]int {
	m := map[string]int{}
	for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		i := strings.LastIndex(l, "(")
		m[strings.Trim(l[i:], "()")+":0"]++
	}
	return m
}

// typeCounts counts the TYPE field after ` query: NAME IN `.
func typeCounts(raw []byte) map[uint16]int {
	m := map[uint16]int{}
	for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		f := strings.Fields(l[strings.LastIndex(l, " query: "):])
		n, _ := typeCode([]byte(f[3]))
		m[n]++
	}
	return m
}

func TestSniffResolverFormats(t *testing.T) {
	bind, err := os.ReadFile("testdata/resolverlogs/bind-auth-queries.log")
	if err != nil {
		t.Fatal(err)
	}
	unbound, err := os.ReadFile("testdata/resolverlogs/unbound-iodine.log")
	if err != nil {
		t.Fatal(err)
	}
	dnsmasq := []byte(lines(
		"Aug  9 09:06:36 dnsmasq[1]: query[A] www.example.com from 10.0.0.5",
		"Aug  9 09:06:36 dnsmasq[1]: forwarded www.example.com to 8.8.8.8",
	))
	head := func(b []byte) []byte { return b[:min(len(b), 4096)] }
	inputs := map[string][]byte{
		"bind":        head(bind),
		"bind-syslog": []byte("Nov 28 03:46:09 ns1 named[812]: client @0x1 10.0.0.9#1234 (x.example): query: x.example IN A +E(0) (10.0.0.1)\n"),
		"unbound":     head(unbound),
		"unbound-untagged": []byte(lines(
			"Nov 28 03:46:10 unbound[11352:0] notice: init module 0: iterator",
			"Nov 28 03:46:10 unbound[11352:0] info: 10.20.0.23 www.news-site.example. A IN",
		)),
		"dnsmasq": dnsmasq,
		"zeek":    []byte("#separator \\x09\n#path\tdns\n"),
		"empty":   nil,
	}
	sniffers := map[string]func([]byte) bool{"bind": SniffBIND, "unbound": SniffUnbound, "dnsmasq": Sniff}
	want := map[string]string{
		"bind": "bind", "bind-syslog": "bind", "unbound": "unbound", "unbound-untagged": "unbound",
		"dnsmasq": "dnsmasq", "zeek": "", "empty": "",
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			var got []string
			for s, f := range sniffers {
				if f(in) {
					got = append(got, s)
				}
			}
			var w []string
			if want[name] != "" {
				w = []string{want[name]}
			}
			if diff := cmp.Diff(w, got); diff != "" {
				t.Errorf("sniffers accepting (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFormats(t *testing.T) {
	ref := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		f    input.Format
		in   string
		want string
	}{
		{"bind-querylog", BINDFormat(), "Nov 28 03:46:09 named[1]: client 10.0.0.9#1: query: a IN A +\n", "2026-11-28T03:46:09Z"},
		{"unbound-log", UnboundFormat(), "Nov 28 03:46:10 unbound[1:0] query: 10.0.0.9 a. A IN\n", "2026-11-28T03:46:10Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.f.Name != tc.name || tc.f.Sniff == nil || tc.f.Summary == "" {
				t.Fatalf("format = %+v", tc.f)
			}
			o := testOpts("x.log")
			o.Reference = ref
			d, err := tc.f.Open(strings.NewReader(tc.in), o)
			if err != nil {
				t.Fatal(err)
			}
			var ev event.Event
			if err := d.Next(&ev); err != nil {
				t.Fatal(err)
			}
			if got := ev.Time.Format(time.RFC3339); got != tc.want {
				t.Errorf("time = %s, want %s (year from Options.Reference)", got, tc.want)
			}
		})
	}
}

func TestLineTooLong(t *testing.T) {
	long := "28-Nov-2026 03:46:09.346 queries: client 10.0.0.9#1 (a): query: " + strings.Repeat("a", 5000) + " IN A + (10.0.0.1)"
	in := lines(long, "28-Nov-2026 03:46:09.346 queries: client 10.0.0.9#1 (b): query: b IN A + (10.0.0.1)")
	o := testOpts("bind.log")
	o.MaxLineBytes = 1024
	got := decodeResolver(t, NewBIND(strings.NewReader(in), o, Config{}), "bind.log")
	if len(got.errs) != 1 || got.errs[0].Line != 1 || got.errs[0].Reason != "line too long" || len(got.rows) != 1 || got.rows[0].Line != 2 {
		t.Errorf("got errs %v rows %+v, want one line-too-long error on line 1 and the query on line 2", got.errs, got.rows)
	}
}

// FuzzBIND feeds arbitrary bytes to the BIND decoder: it must not panic or
// loop, every error must be a RecordError naming the input and a line, and
// every event must be one query with a name.
func FuzzBIND(f *testing.F) {
	if raw, err := os.ReadFile("testdata/resolverlogs/bind-auth-queries.log"); err == nil {
		f.Add(raw[:min(len(raw), 8192)])
	}
	f.Add([]byte(lines(
		"28-Nov-2026 03:46:10.001 queries: info: client 192.0.2.1#53 (a.example): query: a.example IN A +E(0)K (192.0.2.53)",
		"Nov 28 03:46:09 ns1 named[812]: client 10.0.0.9#1234: query: x.example CH TYPE65534 +SE(0)TDC",
		"2026-11-28T04:46:09.5+01:00 client 10.0.0.9#1 (a): query: a IN AAAA - (10.0.0.1)",
	)))
	f.Fuzz(func(t *testing.T, data []byte) {
		o := testOpts("fuzz.log")
		o.MaxLineBytes = 4096
		decodeResolver(t, NewBIND(bytes.NewReader(data), o, Config{Year: 2026}), "fuzz.log")
	})
}

// BenchmarkBIND measures query lines in steady state (one event per line).
func BenchmarkBIND(b *testing.B) {
	body := []byte(lines(
		"28-Nov-2026 03:46:09.346 queries: client @0x7f990e487098 10.20.1.53#60389 (news-site.example): view root: query: news-site.example IN A -E(0)DC (198.51.100.2)",
		"28-Nov-2026 03:46:09.346 queries: info: client 192.0.2.1#53 (yrbqlj.t.evil-c2.test): query: yrbqlj.t.evil-c2.test IN NULL +E(0)K (192.0.2.53)",
	))
	benchLines(b, NewBIND(&loopReader{body: body}, testOpts("bench.log"), Config{Year: 2026}), len(body)/2)
}

// benchLines decodes events from d in steady state and reports events/s.
func benchLines(b *testing.B, d input.Decoder, bytesPerEvent int) {
	var ev event.Event
	for range 1000 {
		if err := d.Next(&ev); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.SetBytes(int64(bytesPerEvent))
	b.ResetTimer()
	for b.Loop() {
		if err := d.Next(&ev); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
