package windns

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/event"
)

const unknown = event.RcodeUnknown

// pl writes one debug log packet line the way the DNS server does.
func pl(stamp, proto, dir, remote string, xid uint16, resp bool, op byte, flags uint16, rcode, qtype, name string) string {
	r := " "
	if resp {
		r = "R"
	}
	return fmt.Sprintf("%s 0E40 PACKET  000000D1E3D2A0C0 %s %s %-15s %04x %s %c [%04x %s %8s] %-6s %s",
		stamp, proto, dir, remote, xid, r, op, flags, "   D", rcode, qtype, name)
}

const (
	at  = "11/28/2026 3:46:09 PM"
	at2 = "11/28/2026 3:46:10 PM"
	www = "(3)www(7)example(3)com(0)"
)

// decodeDebug decodes in with cfg and returns what came out.
func decodeDebug(t *testing.T, in string, cfg Config) decoded {
	t.Helper()
	return decodeAll(t, NewDebug(strings.NewReader(in), testOpts("dns.log"), cfg), "dns.log")
}

func TestDebugDecode(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		in   string
		want []row
	}{
		{
			name: "client query and response pair",
			in: lines(
				pl(at, "UDP", "Rcv", "10.0.0.5", 0xd2b1, false, 'Q', 0x0001, "NOERROR", "A", www),
				pl(at2, "UDP", "Snd", "10.0.0.5", 0xd2b1, true, 'Q', 0x8081, "NOERROR", "A", www),
			),
			want: []row{{Time: "2026-11-28T15:46:09Z", Client: "10.0.0.5:0", Transport: "udp", ID: 0xd2b1,
				Flags: "qr rd ra", Known: true, QName: "www.example.com", QType: 1, QClass: 1, Query: true, Resp: true,
				RTT: time.Second, Line: 1}},
		},
		{
			name: "recursion to an upstream server with the server's address configured",
			cfg:  Config{Server: netip.MustParseAddr("10.0.0.1")},
			in: lines(
				pl(at, "UDP", "Snd", "192.0.2.53", 0x0102, false, 'Q', 0x1001, "NOERROR", "A", www),
				pl(at, "UDP", "Rcv", "192.0.2.53", 0x0102, true, 'Q', 0x8381, "NXDOMAIN", "A", www),
			),
			want: []row{{Time: "2026-11-28T15:46:09Z", Client: "10.0.0.1:0", Server: "192.0.2.53:0", Transport: "udp",
				ID: 0x0102, Flags: "qr rd ra", Known: true, QName: "www.example.com", QType: 1, QClass: 1, RCode: 3,
				Query: true, Resp: true, Line: 1}},
		},
		{
			name: "server address configured is the server of client queries",
			cfg:  Config{Server: netip.MustParseAddr("fd00::53")},
			in:   lines(pl(at, "TCP", "Rcv", "fd00::5", 7, false, 'Q', 0x0001, "NOERROR", "AAAA", www)),
			want: []row{{Time: "2026-11-28T15:46:09Z", Client: "[fd00::5]:0", Server: "[fd00::53]:0", Transport: "tcp",
				ID: 7, Flags: "rd", Known: true, QName: "www.example.com", QType: 28, QClass: 1, RCode: unknown,
				Query: true, Line: 1}},
		},
		{
			name: "response without its query",
			in:   lines(pl(at, "UDP", "Snd", "::1", 3, true, 'Q', 0x8085, "NOERROR", "PTR", "(1)1(1)0(2)20(2)10(7)in-addr(4)arpa(0)")),
			want: []row{{Time: "2026-11-28T15:46:09Z", Client: "[::1]:0", Transport: "udp", ID: 3, Flags: "qr aa rd ra",
				Known: true, QName: "1.0.20.10.in-addr.arpa", QType: 12, QClass: 1, Resp: true, Line: 1}},
		},
		{
			name: "unanswered query leaves after the pair timeout",
			in: lines(
				pl("11/28/2026 3:46:00 PM", "UDP", "Rcv", "10.0.0.5", 1, false, 'Q', 0x0001, "NOERROR", "A", "(1)a(4)test(0)"),
				pl("11/28/2026 3:46:06 PM", "UDP", "Rcv", "10.0.0.6", 2, false, 'Q', 0x0001, "NOERROR", "A", "(1)b(4)test(0)"),
				pl("11/28/2026 3:46:06 PM", "UDP", "Snd", "10.0.0.5", 1, true, 'Q', 0x8081, "NOERROR", "A", "(1)a(4)test(0)"),
			),
			want: []row{
				{Time: "2026-11-28T15:46:00Z", Client: "10.0.0.5:0", Transport: "udp", ID: 1, Flags: "rd", Known: true,
					QName: "a.test", QType: 1, QClass: 1, RCode: unknown, Query: true, Line: 1},
				{Time: "2026-11-28T15:46:06Z", Client: "10.0.0.5:0", Transport: "udp", ID: 1, Flags: "qr rd ra", Known: true,
					QName: "a.test", QType: 1, QClass: 1, Resp: true, Line: 3},
				{Time: "2026-11-28T15:46:06Z", Client: "10.0.0.6:0", Transport: "udp", ID: 2, Flags: "rd", Known: true,
					QName: "b.test", QType: 1, QClass: 1, RCode: unknown, Query: true, Line: 2},
			},
		},
		{
			name: "retransmission: the first copy leaves alone, the second takes the response",
			in: lines(
				pl(at, "UDP", "Rcv", "10.0.0.5", 9, false, 'Q', 0x0001, "NOERROR", "A", www),
				pl(at2, "UDP", "Rcv", "10.0.0.5", 9, false, 'Q', 0x0001, "NOERROR", "A", www),
				pl(at2, "UDP", "Snd", "10.0.0.5", 9, true, 'Q', 0x8281, "SERVFAIL", "A", www),
			),
			want: []row{
				{Time: "2026-11-28T15:46:09Z", Client: "10.0.0.5:0", Transport: "udp", ID: 9, Flags: "rd", Known: true,
					QName: "www.example.com", QType: 1, QClass: 1, RCode: unknown, Query: true, Line: 1},
				{Time: "2026-11-28T15:46:10Z", Client: "10.0.0.5:0", Transport: "udp", ID: 9, Flags: "qr rd ra", Known: true,
					QName: "www.example.com", QType: 1, QClass: 1, RCode: 2, Query: true, Resp: true, Line: 2},
			},
		},
		{
			name: "flag word bits and opcodes",
			in: lines(
				// 0x3F87: QR, opcode 0, AA TC RD; RA AD CD, rcode 15 (no name).
				pl(at, "UDP", "Snd", "10.0.0.5", 1, true, 'Q', 0xb787, "15", "A", www),
				pl(at, "UDP", "Rcv", "10.0.0.7", 2, false, 'U', 0x0028, "NOERROR", "SOA", "(4)corp(7)example(0)"),
				pl(at, "UDP", "Snd", "10.0.0.8", 3, false, 'N', 0x0024, "NOERROR", "SOA", "(4)corp(7)example(0)"),
				pl(at, "UDP", "Rcv", "10.0.0.9", 4, false, '?', 0x0030, "NOERROR", "A", www),
			),
			want: []row{
				{Time: "2026-11-28T15:46:09Z", Client: "10.0.0.5:0", Transport: "udp", ID: 1, Flags: "qr aa tc rd ra ad cd",
					Known: true, QName: "www.example.com", QType: 1, QClass: 1, RCode: 15, Resp: true, Line: 1},
				{Time: "2026-11-28T15:46:09Z", Client: "10.0.0.7:0", Transport: "udp", ID: 2, Known: true, Opcode: 5,
					QName: "corp.example", QType: 6, QClass: 1, RCode: unknown, Query: true, Line: 2},
				{Time: "2026-11-28T15:46:09Z", Server: "10.0.0.8:0", Transport: "udp", ID: 3, Flags: "aa", Known: true,
					Opcode: 4, QName: "corp.example", QType: 6, QClass: 1, RCode: unknown, Query: true, Line: 3},
				{Time: "2026-11-28T15:46:09Z", Client: "10.0.0.9:0", Transport: "udp", ID: 4, Known: true, Opcode: 6,
					QName: "www.example.com", QType: 1, QClass: 1, RCode: unknown, Query: true, Line: 4},
			},
		},
		{
			name: "rcode names win over the rcode bits; unknown names keep them",
			in: lines(
				pl(at, "UDP", "Snd", "10.0.0.5", 1, true, 'Q', 0x8081, "BADVERS", "A", www),
				pl(at, "UDP", "Snd", "10.0.0.5", 2, true, 'Q', 0x8581, "ODDNAME", "A", www),
			),
			want: []row{
				{Time: "2026-11-28T15:46:09Z", Client: "10.0.0.5:0", Transport: "udp", ID: 1, Flags: "qr rd ra", Known: true,
					QName: "www.example.com", QType: 1, QClass: 1, RCode: 16, Resp: true, Line: 1},
				{Time: "2026-11-28T15:46:09Z", Client: "10.0.0.5:0", Transport: "udp", ID: 2, Flags: "qr rd ra", Known: true,
					QName: "www.example.com", QType: 1, QClass: 1, RCode: 5, Resp: true, Line: 2},
			},
		},
		{
			name: "names: label bytes by length, escapes, dotted form, root, pointers, type numbers",
			in: lines(
				pl(at, "UDP", "Snd", "10.0.0.5", 1, true, 'Q', 0x8081, "NOERROR", "A", "(7)a.b c)d(7)Example(3)COM(0)"),
				pl(at, "UDP", "Snd", "10.0.0.5", 2, true, 'Q', 0x8081, "NOERROR", "A", "(3)x\\.y(3)org(0)"),
				pl(at, "UDP", "Snd", "10.0.0.5", 3, true, 'Q', 0x8081, "NOERROR", "A", "(2)\\001\\255(3)org(0)"),
				pl(at, "UDP", "Snd", "10.0.0.5", 4, true, 'Q', 0x8081, "NOERROR", "A", ".ns1.example.com."),
				pl(at, "UDP", "Snd", "10.0.0.5", 5, true, 'Q', 0x8081, "NOERROR", "NS", "(0)"),
				pl(at, "UDP", "Snd", "10.0.0.5", 6, true, 'Q', 0x8081, "NOERROR", "65", "[C00C](3)www[C010](7)example(3)com(0)"),
				pl(at, "UDP", "Snd", "10.0.0.5", 7, true, 'Q', 0x8081, "NOERROR", "BOGUS", "(9)short(3)org(0)"),
			),
			want: []row{
				{Time: "2026-11-28T15:46:09Z", Client: "10.0.0.5:0", Transport: "udp", ID: 1, Flags: "qr rd ra", Known: true,
					QName: `a\.b\ c\)d.example.com`, QType: 1, QClass: 1, Resp: true, Line: 1},
				{Time: "2026-11-28T15:46:09Z", Client: "10.0.0.5:0", Transport: "udp", ID: 2, Flags: "qr rd ra", Known: true,
					QName: `x\.y.org`, QType: 1, QClass: 1, Resp: true, Line: 2},
				{Time: "2026-11-28T15:46:09Z", Client: "10.0.0.5:0", Transport: "udp", ID: 3, Flags: "qr rd ra", Known: true,
					QName: `\001\255.org`, QType: 1, QClass: 1, Resp: true, Line: 3},
				{Time: "2026-11-28T15:46:09Z", Client: "10.0.0.5:0", Transport: "udp", ID: 4, Flags: "qr rd ra", Known: true,
					QName: "ns1.example.com", QType: 1, QClass: 1, Resp: true, Line: 4},
				{Time: "2026-11-28T15:46:09Z", Client: "10.0.0.5:0", Transport: "udp", ID: 5, Flags: "qr rd ra", Known: true,
					QName: ".", QType: 2, QClass: 1, Resp: true, Line: 5},
				{Time: "2026-11-28T15:46:09Z", Client: "10.0.0.5:0", Transport: "udp", ID: 6, Flags: "qr rd ra", Known: true,
					QName: "www.example.com", QType: 65, QClass: 1, Resp: true, Line: 6},
				{Time: "2026-11-28T15:46:09Z", Client: "10.0.0.5:0", Transport: "udp", ID: 7, Flags: "qr rd ra", Known: true,
					QName: "short.org", QType: 0, QClass: 1, Resp: true, Line: 7},
			},
		},
		{
			name: "timestamps in other locales",
			cfg:  Config{DateOrder: DateDMY},
			in: lines(
				pl("28/11/2026 15:46:09", "UDP", "Snd", "10.0.0.5", 1, true, 'Q', 0x8081, "NOERROR", "A", www),
				pl("28.11.2026 15.46.10", "UDP", "Snd", "10.0.0.5", 2, true, 'Q', 0x8081, "NOERROR", "A", www),
				pl("2026/11/28 15:46:11", "UDP", "Snd", "10.0.0.5", 3, true, 'Q', 0x8081, "NOERROR", "A", www),
				pl("20261128 15:46:12", "UDP", "Snd", "10.0.0.5", 4, true, 'Q', 0x8081, "NOERROR", "A", www),
				pl("1/2/2026 12:00:01 AM", "UDP", "Snd", "10.0.0.5", 5, true, 'Q', 0x8081, "NOERROR", "A", www),
				pl("1/2/2026 12:30:00 pm", "UDP", "Snd", "10.0.0.5", 6, true, 'Q', 0x8081, "NOERROR", "A", www),
			),
			want: []row{
				{Time: "2026-11-28T15:46:09Z", Client: "10.0.0.5:0", Transport: "udp", ID: 1, Flags: "qr rd ra", Known: true, QName: "www.example.com", QType: 1, QClass: 1, Resp: true, Line: 1},
				{Time: "2026-11-28T15:46:10Z", Client: "10.0.0.5:0", Transport: "udp", ID: 2, Flags: "qr rd ra", Known: true, QName: "www.example.com", QType: 1, QClass: 1, Resp: true, Line: 2},
				{Time: "2026-11-28T15:46:11Z", Client: "10.0.0.5:0", Transport: "udp", ID: 3, Flags: "qr rd ra", Known: true, QName: "www.example.com", QType: 1, QClass: 1, Resp: true, Line: 3},
				{Time: "2026-11-28T15:46:12Z", Client: "10.0.0.5:0", Transport: "udp", ID: 4, Flags: "qr rd ra", Known: true, QName: "www.example.com", QType: 1, QClass: 1, Resp: true, Line: 4},
				{Time: "2026-02-01T00:00:01Z", Client: "10.0.0.5:0", Transport: "udp", ID: 5, Flags: "qr rd ra", Known: true, QName: "www.example.com", QType: 1, QClass: 1, Resp: true, Line: 5},
				{Time: "2026-02-01T12:30:00Z", Client: "10.0.0.5:0", Transport: "udp", ID: 6, Flags: "qr rd ra", Known: true, QName: "www.example.com", QType: 1, QClass: 1, Resp: true, Line: 6},
			},
		},
		{
			name: "local time zone",
			cfg:  Config{Location: time.FixedZone("CET", 3600)},
			in:   lines(pl(at, "UDP", "Snd", "10.0.0.5", 1, true, 'Q', 0x8081, "NOERROR", "A", www)),
			want: []row{{Time: "2026-11-28T14:46:09Z", Client: "10.0.0.5:0", Transport: "udp", ID: 1, Flags: "qr rd ra", Known: true,
				QName: "www.example.com", QType: 1, QClass: 1, Resp: true, Line: 1}},
		},
		{
			name: "header, legend, blank and non-packet lines are skipped",
			in: "DNS Server log file creation at 11/28/2026 3:40:00 PM\r\nLog file wrap at 11/28/2026 3:40:00 PM\r\n\r\n" +
				"Message logging key (for packets - other items use a subset of these fields):\r\n\t   1     Date\r\n" +
				at + " 0E40 EVENT   The DNS server has started.\r\n" +
				pl(at, "UDP", "Snd", "10.0.0.5", 1, true, 'Q', 0x8081, "NOERROR", "A", www) + "\r\n",
			want: []row{{Time: "2026-11-28T15:46:09Z", Client: "10.0.0.5:0", Transport: "udp", ID: 1, Flags: "qr rd ra", Known: true,
				QName: "www.example.com", QType: 1, QClass: 1, Resp: true, Line: 7}},
		},
		{
			name: "details: port, sizes, answers, SOA, OPT left out",
			in: lines(
				pl(at, "UDP", "Rcv", "10.0.0.5", 0x1a2b, false, 'Q', 0x0001, "NOERROR", "A", www),
				"UDP question info at 000000D1E3D2A0C0",
				"  Remote addr 10.0.0.5, port 52811",
				"  Msg length = 0x0021 (33)",
				"  Message:",
				"    QUESTION SECTION:",
				"    Offset = 0x000c, RR count = 0",
				`    Name      "(3)www(7)example(3)com(0)"`,
				"      QTYPE   A (1)",
				"      QCLASS  1",
				"    ANSWER SECTION:",
				"      empty",
				"    AUTHORITY SECTION:",
				"      empty",
				"    ADDITIONAL SECTION:",
				"      empty",
				"",
				pl(at, "UDP", "Snd", "10.0.0.5", 0x1a2b, true, 'Q', 0x8081, "NOERROR", "A", www),
				"UDP response info at 000000D1E3D2A0C0",
				"  Remote addr 10.0.0.5, port 52811",
				"  Msg length = 0x0060 (96)",
				"  Message:",
				"    QUESTION SECTION:",
				`    Name      "(3)www(7)example(3)com(0)"`,
				"      QTYPE   A (1)",
				"      QCLASS  1",
				"    ANSWER SECTION:",
				"    Offset = 0x0021, RR count = 0",
				`    Name      "[C00C](3)www(7)example(3)com(0)"`,
				"      TYPE   CNAME  (5)",
				"      CLASS  1",
				"      TTL    3600",
				"      DLEN   16",
				"      DATA   (4)edge[C010](7)example(3)net(0)",
				"    Offset = 0x0041, RR count = 1",
				`    Name      "[C03D](4)edge(7)example(3)net(0)"`,
				"      TYPE   AAAA  (28)",
				"      CLASS  1",
				"      TTL    60",
				"      DLEN   16",
				"      DATA   2001:DB8:0:0:0:0:0:80",
				"    Offset = 0x0041, RR count = 2",
				`    Name      "[C03D](4)edge(7)example(3)net(0)"`,
				"      TYPE   MX  (15)",
				"      CLASS  1",
				"      TTL    60",
				"      DATA   10 (4)mail(7)example(3)net(0)",
				"    AUTHORITY SECTION:",
				"    Offset = 0x0051, RR count = 0",
				`    Name      "[C015](7)example(3)net(0)"`,
				"      TYPE   SOA  (6)",
				"      CLASS  1",
				"      TTL    300",
				"      DLEN   46",
				"      DATA   ",
				"                PrimaryServer: (3)ns1[C015](7)example(3)net(0)",
				"                Administrator: (10)hostmaster(7)example(3)net(0)",
				"                SerialNo     = 7",
				"                Refresh      = 900",
				"                Retry        = 600",
				"                Expire       = 86400",
				"                MinimumTTL   = 300",
				"    ADDITIONAL SECTION:",
				"    Offset = 0x0081, RR count = 0",
				`    Name      "(0)"`,
				"      TYPE   OPT  (41)",
				"      CLASS  4096",
				"      DATA   ",
				"",
			),
			want: []row{{Time: "2026-11-28T15:46:09Z", Client: "10.0.0.5:52811", Transport: "udp", ID: 0x1a2b, Flags: "qr rd ra",
				Known: true, QName: "www.example.com", QType: 1, QClass: 1, Query: true, Resp: true, QSize: 33, RSize: 96, Line: 1,
				Answers: []string{"www.example.com 5 1 3600 edge.example.net", "edge.example.net 28 1 60 2001:db8::80",
					"edge.example.net 15 1 60 10 mail.example.net"},
				Authority: []string{"example.net 6 1 300 ns1.example.net hostmaster.example.net 7 900 600 86400 300"}}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := decodeDebug(t, tc.in, tc.cfg)
			if len(got.errs) > 0 {
				t.Errorf("unexpected errors: %v", got.errs)
			}
			if diff := cmp.Diff(tc.want, got.rows); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDebugErrors(t *testing.T) {
	good := pl(at, "UDP", "Snd", "10.0.0.5", 1, true, 'Q', 0x8081, "NOERROR", "A", www)
	block := []string{
		"UDP response info at 000000D1E3D2A0C0",
		"  Remote addr 10.0.0.5, port 52811",
		"  Message:",
		"    QUESTION SECTION:",
		`    Name      "(3)www(7)example(3)com(0)"`,
		"    ANSWER SECTION:",
		"      empty",
	}
	tests := []struct {
		name   string
		in     string
		limit  int
		reason string
		line   int64
		text   string
		events int
	}{
		{name: "not a date", in: lines("1x/28/2026 3:46:09 PM 0E40 PACKET", good), reason: "bad timestamp", line: 1, events: 1},
		{name: "impossible date", in: lines(pl("2/30/2026 3:46:09 PM", "UDP", "Snd", "10.0.0.5", 1, true, 'Q', 0x8081, "NOERROR", "A", www), good),
			reason: "impossible date", line: 1, text: `impossible date "2/30/2026" as mdy`, events: 1},
		{name: "day-first date read month first", in: lines(pl("28/11/2026 15:46:09", "UDP", "Snd", "10.0.0.5", 1, true, 'Q', 0x8081, "NOERROR", "A", www), good),
			reason: "impossible date", line: 1, text: "the log looks dmy", events: 1},
		{name: "bad time", in: lines(pl("11/28/2026 13:46:09 PM", "UDP", "Snd", "10.0.0.5", 1, true, 'Q', 0x8081, "NOERROR", "A", www), good),
			reason: "bad timestamp", line: 1, events: 1},
		{name: "bad address", in: lines(pl(at, "UDP", "Snd", "10.0.0.300", 1, true, 'Q', 0x8081, "NOERROR", "A", www), good),
			reason: "bad address", line: 1, text: `"10.0.0.300"`, events: 1},
		{name: "bad transport", in: lines(pl(at, "SCTP", "Snd", "10.0.0.5", 1, true, 'Q', 0x8081, "NOERROR", "A", www), good),
			reason: "bad packet line", line: 1, events: 1},
		{name: "bad opcode", in: lines(pl(at, "UDP", "Snd", "10.0.0.5", 1, true, 'X', 0x8081, "NOERROR", "A", www), good),
			reason: "bad opcode", line: 1, events: 1},
		{name: "bad flags", in: lines(strings.Replace(pl(at, "UDP", "Snd", "10.0.0.5", 1, true, 'Q', 0x8081, "NOERROR", "A", www), "[8081", "[80g1", 1), good),
			reason: "bad flags", line: 1, events: 1},
		{name: "bad name", in: lines(pl(at, "UDP", "Snd", "10.0.0.5", 1, true, 'Q', 0x8081, "NOERROR", "A", "(x)www(0)"), good),
			reason: "bad name", line: 1, events: 1},
		{name: "no question", in: lines(at+" 0E40 PACKET  000000D1E3D2A0C0 UDP Snd 10.0.0.5 0001 R Q [8081   DR  NOERROR]", good),
			reason: "bad packet line", line: 1, events: 1},
		{name: "details block cut by the end of the input", in: lines(append([]string{good}, block...)...),
			reason: "truncated details block", line: 1},
		{name: "details block cut by the next packet", in: lines(append(append([]string{good}, block...), good)...),
			reason: "truncated details block", line: 1, events: 1},
		{name: "over-long line", in: lines(good+strings.Repeat(" ", 300), good), limit: 200,
			reason: "line too long", line: 1, text: "over 200 bytes", events: 1},
		{name: "over-long line inside a details block", limit: 200,
			in: lines(append(append([]string{good}, block...), "    AUTHORITY SECTION:", "      "+strings.Repeat("x", 300),
				"    ADDITIONAL SECTION:", "      empty", "", good)...),
			reason: "line too long", line: 10, events: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := testOpts("dns.log")
			if tc.limit > 0 {
				o.MaxLineBytes = tc.limit
			}
			got := decodeAll(t, NewDebug(strings.NewReader(tc.in), o, DefaultConfig()), "dns.log")
			if len(got.errs) != 1 {
				t.Fatalf("got %d errors %v, want one", len(got.errs), got.errs)
			}
			e := got.errs[0]
			if e.Reason != tc.reason || e.Line != tc.line || !strings.Contains(e.Error(), tc.text) ||
				!strings.HasPrefix(e.Error(), fmt.Sprintf("dns.log:%d: ", tc.line)) {
				t.Errorf("error %q (reason %q, line %d), want reason %q at line %d containing %q", e, e.Reason, e.Line, tc.reason, tc.line, tc.text)
			}
			if len(got.rows) != tc.events {
				t.Errorf("got %d events after the error, want %d", len(got.rows), tc.events)
			}
		})
	}
}

// TestDebugPendingCap fills a table of two waiting queries: the third
// query pushes the oldest out, alone, and the count says so.
func TestDebugPendingCap(t *testing.T) {
	in := lines(
		pl(at, "UDP", "Rcv", "10.0.0.1", 1, false, 'Q', 0x0001, "NOERROR", "A", "(1)a(4)test(0)"),
		pl(at, "UDP", "Rcv", "10.0.0.2", 2, false, 'Q', 0x0001, "NOERROR", "A", "(1)b(4)test(0)"),
		pl(at, "UDP", "Rcv", "10.0.0.3", 3, false, 'Q', 0x0001, "NOERROR", "A", "(1)c(4)test(0)"),
		pl(at, "UDP", "Snd", "10.0.0.1", 1, true, 'Q', 0x8081, "NOERROR", "A", "(1)a(4)test(0)"),
		pl(at, "UDP", "Snd", "10.0.0.3", 3, true, 'Q', 0x8081, "NOERROR", "A", "(1)c(4)test(0)"),
	)
	o := testOpts("dns.log")
	o.MaxPending = 2
	got := decodeAll(t, NewDebug(strings.NewReader(in), o, DefaultConfig()), "dns.log")
	var names []string
	for _, r := range got.rows {
		names = append(names, fmt.Sprintf("%s q=%v r=%v", r.QName, r.Query, r.Resp))
	}
	want := []string{"a.test q=true r=false", "a.test q=false r=true", "c.test q=true r=true", "b.test q=true r=false"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if got.counts["pending queries evicted"] != 1 || got.counts["responses without query"] != 1 {
		t.Errorf("counts %v, want one eviction and one response without query", got.counts)
	}
}

// TestDebugUTF16 reads a log saved as UTF-16 with a byte order mark.
func TestDebugUTF16(t *testing.T) {
	text := lines(pl(at, "UDP", "Snd", "10.0.0.5", 1, true, 'Q', 0x8081, "NOERROR", "A", "(4)caf\u00e9(3)com(0)"))
	var b bytes.Buffer
	b.Write([]byte{0xFF, 0xFE})
	for _, u := range utf16.Encode([]rune(text)) {
		b.Write([]byte{byte(u), byte(u >> 8)})
	}
	if !SniffDebug(b.Bytes()) {
		t.Error("UTF-16 log not recognised")
	}
	got := decodeAll(t, NewDebug(&b, testOpts("dns.log"), DefaultConfig()), "dns.log")
	if len(got.rows) != 1 || got.rows[0].QName != `caf\195\169.com` {
		t.Errorf("got %+v %v", got.rows, got.errs)
	}
}

// TestDebugNoAllocs proves that the summary-line path allocates nothing per
// packet once the decoder is warm.
func TestDebugNoAllocs(t *testing.T) {
	body := []byte(lines(
		pl(at, "UDP", "Rcv", "10.20.1.11", 0xd2b1, false, 'Q', 0x0001, "NOERROR", "A", www),
		pl(at, "UDP", "Snd", "192.0.2.53", 0x5bd0, false, 'Q', 0x1001, "NOERROR", "A", www),
		pl(at, "UDP", "Rcv", "192.0.2.53", 0x5bd0, true, 'Q', 0x8081, "NOERROR", "A", www),
		pl(at, "UDP", "Snd", "10.20.1.11", 0xd2b1, true, 'Q', 0x8081, "NOERROR", "A", www),
		pl(at, "UDP", "Rcv", "fd00:20::1:15", 0x0042, false, 'Q', 0x0001, "NOERROR", "TXT", "(20)mzxw6ytboi4dkmbqgiyt(1)t(7)badcorp(4)test(0)"),
		pl(at, "UDP", "Snd", "fd00:20::1:15", 0x0042, true, 'Q', 0x8381, "NXDOMAIN", "TXT", "(20)mzxw6ytboi4dkmbqgiyt(1)t(7)badcorp(4)test(0)"),
	))
	o := testOpts("bench")
	o.MaxPending = 64
	d := NewDebug(&loopReader{body: body}, o, DefaultConfig())
	var ev event.Event
	for range 1000 {
		if err := d.Next(&ev); err != nil {
			t.Fatal(err)
		}
	}
	if n := testing.AllocsPerRun(1000, func() {
		if err := d.Next(&ev); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("%v allocations per event, want 0", n)
	}
}
