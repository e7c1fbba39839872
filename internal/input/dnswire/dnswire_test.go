package dnswire

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/net/dns/dnsmessage"

	"github.com/dnsvigil/dnsvigil/internal/event"
)

type parseCase struct {
	name   string
	msg    []byte
	status Status
	want   event.DNS
}

func wellFormedCases(t testing.TB) []parseCase {
	const qr, rd, ra = event.FlagQR, event.FlagRD, event.FlagRA
	a := func(n string, ttl uint32, ip [4]byte) dnsmessage.Resource {
		return rr(t, n, ttl, &dnsmessage.AResource{A: ip})
	}
	cases := []parseCase{{
		name: "query",
		msg:  build(t, msgSpec{id: 7, qname: "WWW.Example.COM.", qtype: dnsmessage.TypeA}),
		want: event.DNS{ID: 7, Flags: rd, FlagsKnown: true, RCode: event.RcodeUnknown, QName: "www.example.com",
			QType: 1, QClass: 1, HasQuery: true},
	}, {
		name: "cname and two a",
		msg: build(t, msgSpec{id: 9, response: true, qname: "www.suricata-ids.org.", qtype: dnsmessage.TypeA,
			answers: []dnsmessage.Resource{
				rr(t, "www.suricata-ids.org.", 3544, &dnsmessage.CNAMEResource{CNAME: mustName(t, "suricata-ids.org.")}),
				a("suricata-ids.org.", 244, [4]byte{192, 0, 78, 24}),
				a("suricata-ids.org.", 244, [4]byte{192, 0, 78, 25}),
			}}),
		want: event.DNS{ID: 9, Flags: qr | rd | ra, FlagsKnown: true, QName: "www.suricata-ids.org", QType: 1, QClass: 1, HasResponse: true,
			Answers: []event.RR{
				{Name: "www.suricata-ids.org", Type: 5, Class: 1, TTL: 3544, Data: "suricata-ids.org"},
				{Name: "suricata-ids.org", Type: 1, Class: 1, TTL: 244, Data: "192.0.78.24"},
				{Name: "suricata-ids.org", Type: 1, Class: 1, TTL: 244, Data: "192.0.78.25"},
			}},
	}, {
		name: "every decoded type",
		msg: build(t, msgSpec{id: 1, response: true, qname: "x.test.", qtype: dnsmessage.TypeALL,
			answers: []dnsmessage.Resource{
				rr(t, "x.test.", 1, &dnsmessage.AAAAResource{AAAA: [16]byte{0x20, 0x01, 0x0d, 0xb8, 15: 1}}),
				rr(t, "x.test.", 2, &dnsmessage.NSResource{NS: mustName(t, "NS1.x.test.")}),
				rr(t, "1.2.0.192.in-addr.arpa.", 3, &dnsmessage.PTRResource{PTR: mustName(t, "host.x.test.")}),
				rr(t, "x.test.", 4, &dnsmessage.MXResource{Pref: 10, MX: mustName(t, "mail.x.test.")}),
				rr(t, "_sip._udp.x.test.", 5, &dnsmessage.SRVResource{Priority: 20, Weight: 1, Port: 5060, Target: mustName(t, "sip.x.test.")}),
				rr(t, "x.test.", 6, &dnsmessage.TXTResource{TXT: []string{"v=spf1 ~all", `q"b\s` + "\x01\xff"}}),
				rr(t, "x.test.", 7, &dnsmessage.UnknownResource{Type: dnsmessage.Type(10), Data: []byte{1, 2, 3}}),
			}}),
		want: event.DNS{ID: 1, Flags: qr | rd | ra, FlagsKnown: true, QName: "x.test", QType: 255, QClass: 1, HasResponse: true,
			Answers: []event.RR{
				{Name: "x.test", Type: 28, Class: 1, TTL: 1, Data: "2001:db8::1"},
				{Name: "x.test", Type: 2, Class: 1, TTL: 2, Data: "ns1.x.test"},
				{Name: "1.2.0.192.in-addr.arpa", Type: 12, Class: 1, TTL: 3, Data: "host.x.test"},
				{Name: "x.test", Type: 15, Class: 1, TTL: 4, Data: "10 mail.x.test"},
				{Name: "_sip._udp.x.test", Type: 33, Class: 1, TTL: 5, Data: "20 1 5060 sip.x.test"},
				{Name: "x.test", Type: 16, Class: 1, TTL: 6, Data: `"v=spf1 ~all" "q\"b\\s\001\255"`},
				{Name: "x.test", Type: 10, Class: 1, TTL: 7},
			}},
	}, {
		name: "nxdomain with soa and edns extended rcode",
		msg: build(t, msgSpec{id: 2, response: true, rcode: dnsmessage.RCodeNameError, qname: "nope.oisf.net.", qtype: dnsmessage.TypeA,
			auth: []dnsmessage.Resource{rr(t, "oisf.net.", 899, &dnsmessage.SOAResource{
				NS: mustName(t, "ns-110.awsdns-13.com."), MBox: mustName(t, "awsdns-hostmaster.amazon.com."),
				Serial: 1, Refresh: 7200, Retry: 900, Expire: 1209600, MinTTL: 86400})},
			extra: []dnsmessage.Resource{{
				Header: dnsmessage.ResourceHeader{Name: mustName(t, "."), Type: dnsmessage.TypeOPT, Class: 1232, TTL: 1 << 24},
				Body:   &dnsmessage.OPTResource{}}},
		}),
		want: event.DNS{ID: 2, Flags: qr | rd | ra, FlagsKnown: true, RCode: 16 | 3, QName: "nope.oisf.net", QType: 1, QClass: 1, HasResponse: true,
			Authority: []event.RR{{Name: "oisf.net", Type: 6, Class: 1, TTL: 899,
				Data: "ns-110.awsdns-13.com awsdns-hostmaster.amazon.com 1 7200 900 1209600 86400"}}},
	}, {
		name: "response without question",
		msg:  build(t, msgSpec{id: 3, response: true, rcode: dnsmessage.RCodeFormatError}),
		want: event.DNS{ID: 3, Flags: qr | rd | ra, FlagsKnown: true, RCode: 1, HasResponse: true},
	}}
	for i := range cases {
		size := len(cases[i].msg)
		if cases[i].want.HasQuery {
			cases[i].want.QuerySize = size
		} else {
			cases[i].want.ResponseSize = size
		}
	}
	return cases
}

var cmpRR = cmpopts.EquateEmpty()

func TestParse(t *testing.T) {
	for _, tc := range wellFormedCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			var p Parser
			var got event.DNS
			st, err := p.Parse(tc.msg, &got)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if st != tc.status {
				t.Errorf("status = %v, want %v", st, tc.status)
			}
			if diff := cmp.Diff(tc.want, got, cmpRR); diff != "" {
				t.Errorf("event mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFallbackMatchesFast checks that miekg/dns output is turned into exactly
// the fields the dnsmessage path writes, so a name or record reads the same
// whichever path decoded it.
func TestFallbackMatchesFast(t *testing.T) {
	for _, tc := range wellFormedCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			var p Parser
			var got event.DNS
			p.start(tc.msg, &got)
			st, err := p.parseFallback(tc.msg, &got)
			if err != nil || st != StatusFallback {
				t.Fatalf("parseFallback = %v, %v", st, err)
			}
			if diff := cmp.Diff(tc.want, got, cmpRR); diff != "" {
				t.Errorf("fallback differs from fast path (-fast +fallback):\n%s", diff)
			}
		})
	}
}

func TestMalformed(t *testing.T) {
	good := build(t, msgSpec{id: 4, response: true, qname: "a.test.", qtype: dnsmessage.TypeA,
		answers: []dnsmessage.Resource{rr(t, "a.test.", 60, &dnsmessage.AResource{A: [4]byte{10, 0, 0, 1}})}})
	tests := []struct {
		name    string
		msg     []byte
		wantErr bool
		status  Status
		answers int
	}{
		{name: "empty", msg: nil, wantErr: true},
		{name: "short header", msg: good[:11], wantErr: true},
		{name: "question cut", msg: good[:16], wantErr: true},
		{name: "answer cut", msg: good[:len(good)-2], status: StatusPartial, answers: 0},
		{name: "pointer loop in question", msg: rawMessage(5, 0x0100, []byte{0xc0, 12}, 1), wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p Parser
			var d event.DNS
			st, err := p.Parse(tc.msg, &d)
			if tc.wantErr {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("err = %v, want ErrMalformed", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got := []any{st, d.QName, len(d.Answers)}
			if diff := cmp.Diff([]any{tc.status, "a.test", tc.answers}, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestMaxRecords(t *testing.T) {
	var answers []dnsmessage.Resource
	for i := range MaxRecords + 44 {
		answers = append(answers, rr(t, "many.test.", 1, &dnsmessage.AResource{A: [4]byte{10, 0, byte(i >> 8), byte(i)}}))
	}
	msg := build(t, msgSpec{id: 1, response: true, qname: "many.test.", qtype: dnsmessage.TypeA, answers: answers})
	var p Parser
	var d event.DNS
	if _, err := p.Parse(msg, &d); err != nil {
		t.Fatal(err)
	}
	got := []int64{int64(len(d.Answers)), p.Skipped}
	if diff := cmp.Diff([]int64{MaxRecords, 44}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestHeaderOnly checks that a header-only parse keeps header and question
// and leaves every record section empty.
func TestHeaderOnly(t *testing.T) {
	for _, tc := range wellFormedCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			p := Parser{HeaderOnly: true}
			var got event.DNS
			if _, err := p.Parse(tc.msg, &got); err != nil {
				t.Fatalf("Parse: %v", err)
			}
			want := tc.want
			if got.Answers != nil || got.Authority != nil || got.Additional != nil {
				t.Errorf("records decoded: %d/%d/%d", len(got.Answers), len(got.Authority), len(got.Additional))
			}
			if got.QName != want.QName || got.QType != want.QType || got.ID != want.ID || got.Flags != want.Flags {
				t.Errorf("header/question = %q %d id %d flags %v, want %q %d id %d flags %v",
					got.QName, got.QType, got.ID, got.Flags, want.QName, want.QType, want.ID, want.Flags)
			}
		})
	}
}

func TestWireFlags(t *testing.T) {
	tests := []struct {
		name   string
		hi, lo byte
		want   event.Flags
	}{
		{"none", 0, 0, 0},
		{"query rd", 0x01, 0x00, event.FlagRD},
		{"response qr aa rd ra", 0x85, 0x80, event.FlagQR | event.FlagAA | event.FlagRD | event.FlagRA},
		{"tc ad cd", 0x02, 0x30, event.FlagTC | event.FlagAD | event.FlagCD},
		{"opcode and rcode bits are not flags", 0x78, 0x4f, 0},
		{"all", 0xff, 0xff, event.FlagQR | event.FlagAA | event.FlagTC | event.FlagRD | event.FlagRA | event.FlagAD | event.FlagCD},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := wireFlags([]byte{0, 0, tc.hi, tc.lo}); got != tc.want {
				t.Errorf("wireFlags(%#02x %#02x) = %v, want %v", tc.hi, tc.lo, got, tc.want)
			}
		})
	}
}
