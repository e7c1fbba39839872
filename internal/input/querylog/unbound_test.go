package querylog

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func unboundDecode(t testing.TB, in string) resolverDecoded {
	return decodeResolver(t, NewUnbound(strings.NewReader(in), testOpts("unbound.log"), Config{Year: 2026}), "unbound.log")
}

func TestUnboundDecode(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []rrow
	}{
		{
			name: "untagged query and reply",
			in: lines(
				"Nov 28 03:46:10 unbound[11352:0] info: 10.20.0.23 www.News-Site.example. A IN",
				"Nov 28 03:46:10 unbound[11352:0] info: 10.20.0.23 www.news-site.example. A IN NOERROR 0.000000 1 62",
			),
			want: []rrow{
				{Time: "2026-11-28T03:46:10Z", Client: "10.20.0.23:0", Transport: "unknown", QName: "www.news-site.example", QType: 1, QClass: 1, Query: true, RCode: unknown, Line: 1},
				{Time: "2026-11-28T03:46:10Z", Client: "10.20.0.23:0", Transport: "unknown", QName: "www.news-site.example", QType: 1, QClass: 1, Resp: true, RCode: 0, Flags: "qr", Size: 62, Line: 2},
			},
		},
		{
			name: "log-tag-queryreply, nxdomain, root, ipv6",
			in: lines(
				"Nov 28 03:46:07 unbound[11352:0] query: 2001:db8::5 . NS IN",
				"Nov 28 03:46:07 unbound[11352:0] reply: 10.20.0.23 zvus.t.evil-c2.test. NULL IN NXDOMAIN 0.001704 0 241",
			),
			want: []rrow{
				{Time: "2026-11-28T03:46:07Z", Client: "[2001:db8::5]:0", Transport: "unknown", QName: ".", QType: 2, QClass: 1, Query: true, RCode: unknown, Line: 1},
				{Time: "2026-11-28T03:46:07Z", Client: "10.20.0.23:0", Transport: "unknown", QName: "zvus.t.evil-c2.test", QType: 10, QClass: 1, Resp: true, RCode: 3, Flags: "qr", RTT: 1704 * time.Microsecond, Size: 241, Line: 2},
			},
		},
		{
			name: "syslog tag, epoch stamp, destaddr, generic type",
			in: lines(
				"Nov 28 03:46:07 resolver unbound: [811:1] query: 10.0.0.1 a.example. TYPE65534 CLASS3",
				"[1795837567] unbound[811:0] reply: 10.0.0.1 a.example. A IN SERVFAIL 1.5 0 30 10.0.0.53@53 tcp",
			),
			want: []rrow{
				{Time: "2026-11-28T03:46:07Z", Client: "10.0.0.1:0", Transport: "unknown", QName: "a.example", QType: 65534, QClass: 3, Query: true, RCode: unknown, Line: 1},
				{Time: "2026-11-28T03:46:07Z", Client: "10.0.0.1:0", Server: "10.0.0.53:53", Transport: "tcp", QName: "a.example", QType: 1, QClass: 1, Resp: true, RCode: 2, Flags: "qr", RTT: 1500 * time.Millisecond, Size: 30, Line: 2},
			},
		},
		{
			name: "statistics, notices, formerr and other programs are skipped",
			in: lines(
				"Nov 28 03:46:59 unbound[11352:0] info: server stats for thread 0: 758 queries, 610 answers from cache",
				"Nov 28 03:46:59 unbound[11352:0] info:    0.000128    0.000256 2",
				"Nov 28 03:46:59 unbound[11352:0] notice: init module 0: iterator",
				"Nov 28 03:46:59 unbound[11352:0] reply: 10.0.0.1 - - - FORMERR - - - ",
				"Nov 28 03:46:59 host sshd[1]: Accepted publickey for root",
			),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := unboundDecode(t, tc.in)
			if len(got.errs) > 0 {
				t.Fatalf("unexpected errors: %v", got.errs)
			}
			if diff := cmp.Diff(tc.want, got.rows); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUnboundBadLines(t *testing.T) {
	in := lines(
		"Nov 28 03:46:10 unbound[1:0] query: 10.0.0.1 a. A IN",
		"Nov 28 03:46:10 unbound[1:0] query: 10.0.0.1 a. A",
		"Nov 28 03:46:10 unbound[1:0] reply: 10.0.0.1 a. A IN NOERROR x 0 62",
		"Nov 28 03:46:10 unbound[1:0] reply: 10.0.0.1 a. A IN NOERROR 0.1 2 62",
		"Nov 28 03:46:10 unbound[1:0] query: not-an-ip a. A IN",
		"Nov 28 03:46:10 unbound[1:0] info: 10.0.0.1 a. A",
		"Nov 99 03:46:10 unbound[1:0] query: 10.0.0.1 a. A IN",
		"Nov 28 03:46:10 unbound[1:0] reply: 10.0.0.1 b. A IN REFUSED 0.000100 0 17",
	)
	got := unboundDecode(t, in)
	var errLines []int64
	for _, e := range got.errs {
		errLines = append(errLines, e.Line)
	}
	if diff := cmp.Diff([]int64{2, 3, 4, 5, 6, 7}, errLines); diff != "" {
		t.Errorf("error lines (-want +got):\n%s", diff)
	}
	var names []string
	for _, r := range got.rows {
		names = append(names, r.QName)
	}
	if diff := cmp.Diff([]string{"a", "b"}, names); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

// TestUnboundLab decodes the lab excerpt and the bypass scenario's resolver
// log: counts must match the tagged query:/reply: lines, and everything
// else (notices, statistics, errors) is skipped and counted.
func TestUnboundLab(t *testing.T) {
	for _, tc := range []struct {
		path                        string
		queries, replies, nx, other int64
	}{
		{"testdata/resolverlogs/unbound-iodine.log", 186, 182, 28, 38},
		{"../../../testdata/lab/bypass/unbound.log", 968, 968, 44, 22},
	} {
		t.Run(tc.path, func(t *testing.T) {
			raw, err := os.ReadFile(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			got := decodeResolver(t, NewUnbound(bytes.NewReader(raw), testOpts(tc.path), Config{Year: 2026}), tc.path)
			if len(got.errs) > 0 {
				t.Fatalf("unexpected errors: %v", got.errs)
			}
			nq, nr := int64(bytes.Count(raw, []byte("] query: "))), int64(bytes.Count(raw, []byte("] reply: ")))
			nx := int64(bytes.Count(raw, []byte(" IN NXDOMAIN ")))
			lineCount := int64(bytes.Count(raw, []byte("\n")))
			type counts struct{ Queries, Replies, NX, Other int64 }
			var gotNX int64
			for _, r := range got.rows {
				if r.Resp && r.RCode == 3 {
					gotNX++
				}
			}
			want := counts{nq, nr, nx, lineCount - nq - nr}
			g := counts{got.counts["queries"], got.counts["replies"], gotNX, got.counts["other unbound lines skipped"]}
			if diff := cmp.Diff(want, g); diff != "" {
				t.Errorf("counts against grep (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(counts{tc.queries, tc.replies, tc.nx, tc.other}, g); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzUnbound feeds arbitrary bytes to the Unbound decoder: it must not
// panic or loop, every error must be a RecordError naming the input and a
// line, and every event must be one query or one reply with a name.
func FuzzUnbound(f *testing.F) {
	if raw, err := os.ReadFile("testdata/resolverlogs/unbound-iodine.log"); err == nil {
		f.Add(raw[:min(len(raw), 8192)])
	}
	f.Add([]byte(lines(
		"Nov 28 03:46:10 unbound[1:0] info: 10.0.0.1 a. A IN",
		"[1795837567] unbound[811:0] reply: 10.0.0.1 a. A IN SERVFAIL 1.5 0 30 10.0.0.53@53 tcp",
		"Nov 28 03:46:07 resolver unbound: [811:1] reply: 10.0.0.1 - - - FORMERR - - - ",
	)))
	f.Fuzz(func(t *testing.T, data []byte) {
		o := testOpts("fuzz.log")
		o.MaxLineBytes = 4096
		decodeResolver(t, NewUnbound(bytes.NewReader(data), o, Config{Year: 2026}), "fuzz.log")
	})
}

// BenchmarkUnbound measures query and reply lines in steady state (one
// event per line).
func BenchmarkUnbound(b *testing.B) {
	body := []byte(lines(
		"Nov 28 03:46:07 unbound[11352:0] query: 10.20.0.10 dc1.corp.internal. A IN",
		"Nov 28 03:46:07 unbound[11352:0] reply: 10.20.0.10 dc1.corp.internal. A IN NOERROR 0.001704 0 51",
		"Nov 28 03:46:13 unbound[11352:0] query: 10.20.0.23 zvusaA-Aaahhh-Drink-mal-ein-J?germeister-.t.evil-c2.test. NULL IN",
		"Nov 28 03:46:13 unbound[11352:0] reply: 10.20.0.23 zvusaA-Aaahhh-Drink-mal-ein-J?germeister-.t.evil-c2.test. NULL IN NXDOMAIN 0.000475 0 241",
	))
	benchLines(b, NewUnbound(&loopReader{body: body}, testOpts("bench.log"), Config{Year: 2026}), len(body)/4)
}
