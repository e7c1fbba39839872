package dnstap

import (
	"bytes"
	"os"
	"testing"
	"time"

	dt "github.com/dnstap/golang-dnstap"
	"github.com/google/go-cmp/cmp"
	"github.com/miekg/dns"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

var t0 = time.Date(2026, 11, 28, 0, 16, 18, 843949000, time.UTC)

// TestMapping checks how each message type maps onto an event: the query
// side is always the client, the identity goes to Host.Name only when the
// server writing dnstap is the asker.
func TestMapping(t *testing.T) {
	q := query("Update.Evil-C2.test", dns.TypeA)
	r := answer("update.evil-c2.test", dns.TypeA, dns.RcodeSuccess, "update.evil-c2.test. 60 IN A 203.0.113.80")
	qb, _ := q.Pack()
	rb, _ := r.Pack()
	base := func(typ dt.Message_Type, qaddr, raddr string) msgSpec {
		s := msgSpec{typ: typ, identity: "corp-resolver", proto: dt.SocketProtocol_UDP, qaddr: qaddr, raddr: raddr,
			qtime: t0, rtime: t0.Add(time.Millisecond), dnsMsg: q}
		if typ%2 == 0 {
			s.dnsMsg = r
		}
		return s
	}
	qrow := func(typ, client, server, host string) row {
		return row{Type: typ, Time: "2026-11-28T00:16:18.843949Z", Client: client, Server: server, Transport: "udp",
			Host: host, QName: "update.evil-c2.test", QType: 1, Flags: "rd", RCode: event.RcodeUnknown, Query: true, QSize: len(qb)}
	}
	rrow := func(typ, client, server, host string) row {
		return row{Type: typ, Time: "2026-11-28T00:16:18.844949Z", Client: client, Server: server, Transport: "udp",
			Host: host, QName: "update.evil-c2.test", QType: 1, Flags: "qr rd ra", Resp: true, RSize: len(rb),
			Answers: []string{"update.evil-c2.test 1 203.0.113.80"}}
	}
	const ws2, res, ns, ext = "10.20.0.23:38675", "10.20.1.53:53", "203.0.113.53:53", "10.20.1.53:34002"
	tests := []struct {
		name string
		spec msgSpec
		want row
	}{
		{"client query", base(dt.Message_CLIENT_QUERY, ws2, res), qrow("CLIENT_QUERY", ws2, res, "")},
		{"client response", base(dt.Message_CLIENT_RESPONSE, ws2, res), rrow("CLIENT_RESPONSE", ws2, res, "")},
		{"resolver query", base(dt.Message_RESOLVER_QUERY, ext, ns), qrow("RESOLVER_QUERY", ext, ns, "corp-resolver")},
		{"resolver response", base(dt.Message_RESOLVER_RESPONSE, ext, ns), rrow("RESOLVER_RESPONSE", ext, ns, "corp-resolver")},
		{"forwarder query", base(dt.Message_FORWARDER_QUERY, ext, "10.20.1.5:53"), qrow("FORWARDER_QUERY", ext, "10.20.1.5:53", "corp-resolver")},
		{"forwarder response", base(dt.Message_FORWARDER_RESPONSE, ext, "10.20.1.5:53"), rrow("FORWARDER_RESPONSE", ext, "10.20.1.5:53", "corp-resolver")},
		{"auth query", base(dt.Message_AUTH_QUERY, res, ns), qrow("AUTH_QUERY", res, ns, "")},
		{"auth response", base(dt.Message_AUTH_RESPONSE, res, ns), rrow("AUTH_RESPONSE", res, ns, "")},
		{"stub query", base(dt.Message_STUB_QUERY, ws2, res), qrow("STUB_QUERY", ws2, res, "corp-resolver")},
		{"stub response", base(dt.Message_STUB_RESPONSE, ws2, res), rrow("STUB_RESPONSE", ws2, res, "corp-resolver")},
		{"tool query", base(dt.Message_TOOL_QUERY, ws2, res), qrow("TOOL_QUERY", ws2, res, "corp-resolver")},
		{"tool response", base(dt.Message_TOOL_RESPONSE, ws2, res), rrow("TOOL_RESPONSE", ws2, res, "corp-resolver")},
		{"update query", base(dt.Message_UPDATE_QUERY, ws2, res), qrow("UPDATE_QUERY", ws2, res, "")},
		{"update response", base(dt.Message_UPDATE_RESPONSE, ws2, res), rrow("UPDATE_RESPONSE", ws2, res, "")},
		{"ipv6 over dot", func() msgSpec {
			s := base(dt.Message_CLIENT_QUERY, "[2001:db8::23]:41000", "[2001:db8::53]:853")
			s.proto = dt.SocketProtocol_DOT
			return s
		}(), func() row {
			w := qrow("CLIENT_QUERY", "[2001:db8::23]:41000", "[2001:db8::53]:853", "")
			w.Transport = "dot"
			return w
		}()},
		{"doh, response without response time", func() msgSpec {
			s := base(dt.Message_CLIENT_RESPONSE, ws2, "10.20.1.53:443")
			s.proto, s.rtime = dt.SocketProtocol_DOH, time.Time{}
			return s
		}(), func() row {
			w := rrow("CLIENT_RESPONSE", ws2, "10.20.1.53:443", "")
			w.Transport, w.Time = "doh", "2026-11-28T00:16:18.843949Z"
			return w
		}()},
		{"doq, a protocol newer than golang-dnstap's schema", func() msgSpec {
			s := base(dt.Message_CLIENT_QUERY, ws2, "10.20.1.53:853")
			s.proto = 7
			return s
		}(), func() row {
			w := qrow("CLIENT_QUERY", ws2, "10.20.1.53:853", "")
			w.Transport = "doq"
			return w
		}()},
		{"dnscrypt is unknown", func() msgSpec {
			s := base(dt.Message_CLIENT_QUERY, ws2, res)
			s.proto = 5
			return s
		}(), func() row {
			w := qrow("CLIENT_QUERY", ws2, res, "")
			w.Transport = "unknown"
			return w
		}()},
		{"no addresses, no protocol", func() msgSpec {
			s := base(dt.Message_RESOLVER_QUERY, "", "")
			s.proto = 0
			return s
		}(), func() row {
			w := qrow("RESOLVER_QUERY", "", "", "corp-resolver")
			w.Transport = "unknown"
			return w
		}()},
		{"qr bit set on a query type", func() msgSpec {
			s := base(dt.Message_CLIENT_QUERY, ws2, res)
			s.dnsMsg = r
			return s
		}(), func() row {
			w := rrow("CLIENT_QUERY", ws2, res, "")
			w.Time, w.Query, w.Resp, w.QSize, w.RSize, w.RCode = "2026-11-28T00:16:18.843949Z", true, false, len(rb), 0, event.RcodeUnknown
			return w
		}()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := decodeAll(t, bytes.NewReader(stream(ContentType, true, tc.spec.build(t))), testOpts("t.dnstap"))
			if len(got.errs) > 0 || len(got.rows) != 1 {
				t.Fatalf("got %d events, errors %v; want 1 event", len(got.rows), got.errs)
			}
			tc.want.Offset = 42 // after the 42-byte START frame
			if diff := cmp.Diff(tc.want, got.rows[0]); diff != "" {
				t.Errorf("event (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBadRecords checks that each damaged frame is a RecordError at its
// offset and that the stream goes on where the framing allows.
func TestBadRecords(t *testing.T) {
	good := msgSpec{typ: dt.Message_CLIENT_QUERY, qaddr: "10.0.0.1:1000", raddr: "10.0.0.53:53", qtime: t0,
		dnsMsg: query("a.example", dns.TypeA)}.build(t)
	noPayload := msgSpec{typ: dt.Message_CLIENT_QUERY, qtime: t0}.build(t)
	badAddr := msgSpec{typ: dt.Message_CLIENT_QUERY, qtime: t0, rawQAddr: []byte{10, 0, 0}, dnsMsg: query("a.example", dns.TypeA)}.build(t)
	noTime := msgSpec{typ: dt.Message_CLIENT_QUERY, dnsMsg: query("a.example", dns.TypeA)}.build(t)
	badDNS := msgSpec{typ: dt.Message_CLIENT_QUERY, qtime: t0, rawPayload: []byte{1, 2, 3}}.build(t)
	longDNS := msgSpec{typ: dt.Message_CLIENT_QUERY, qtime: t0, rawPayload: append(must(query("a.example", dns.TypeA).Pack()), make([]byte, 65536)...)}.build(t)
	var invalidType []byte
	if dir, ok := testutil.SharedDir(); ok {
		invalidType, _ = os.ReadFile(dir + "/bind9-dnstap/invalid_message_type.dnstap")
	}
	tests := []struct {
		name    string
		in      []byte
		events  int
		reasons []string
		offsets []int64
	}{
		{"bad protobuf between good frames", stream(ContentType, true, good, []byte{0xff, 0xff, 0xff}, good),
			2, []string{"bad protobuf"}, []int64{42 + 4 + int64(len(good))}},
		{"no dns payload is skipped", stream(ContentType, true, noPayload, good), 1, nil, nil},
		{"bad address", stream(ContentType, true, badAddr, good), 1, []string{"bad address"}, []int64{42}},
		{"no timestamp", stream(ContentType, true, noTime, good), 1, []string{"bad timestamp"}, []int64{42}},
		{"malformed dns", stream(ContentType, true, badDNS, good), 1, []string{"malformed dns message"}, []int64{42}},
		{"dns message over 65535 bytes", stream(ContentType, true, longDNS, good), 1, []string{"malformed dns message"}, []int64{42}},
		{"truncated last frame", stream(ContentType, false, good, good)[:42+2*(4+len(good))-5],
			1, []string{"truncated frame"}, []int64{42 + 4 + int64(len(good))}},
		{"cut after a length prefix", stream(ContentType, false, good, good)[:42+4+len(good)+4],
			1, []string{"truncated frame"}, []int64{42 + 4 + int64(len(good))}},
		{"cut inside a length prefix", stream(ContentType, false, good, good)[:42+4+len(good)+2],
			1, []string{"truncated frame"}, []int64{42 + 4 + int64(len(good))}},
		{"frame too large", append(stream(ContentType, false, good), 0, 0x10, 0, 0),
			1, []string{"frame too large"}, []int64{42 + 4 + int64(len(good))}},
		{"data after stop is ignored", append(stream(ContentType, true, good), good...), 1, nil, nil},
	}
	if invalidType != nil {
		tests = append(tests, struct {
			name    string
			in      []byte
			events  int
			reasons []string
			offsets []int64
		}{"bind9 invalid message type", stream(ContentType, true, invalidType, good), 1, []string{"unknown message type"}, []int64{42}})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := decodeAll(t, bytes.NewReader(tc.in), testOpts("bad.dnstap"))
			var reasons []string
			var offsets []int64
			for _, e := range got.errs {
				reasons, offsets = append(reasons, e.Reason), append(offsets, e.Offset)
			}
			if len(got.rows) != tc.events {
				t.Errorf("got %d events, want %d", len(got.rows), tc.events)
			}
			if diff := cmp.Diff(tc.reasons, reasons); diff != "" {
				t.Errorf("reasons (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.offsets, offsets); diff != "" {
				t.Errorf("offsets (-want +got):\n%s", diff)
			}
		})
	}
}

// TestOpenRejects checks that New refuses streams that are not dnstap.
func TestOpenRejects(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"other content type", stream("protobuf:other.Type", true)},
		{"data frame first", []byte{0, 0, 0, 3, 1, 2, 3}},
		{"pcap", []byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(bytes.NewReader(tc.in), testOpts("x")); err == nil {
				t.Error("New succeeded")
			}
		})
	}
}

func TestSniff(t *testing.T) {
	full := stream(ContentType, true)
	tests := []struct {
		name string
		head []byte
		want bool
	}{
		{"dnstap start", full, true},
		{"start with two content types", func() []byte {
			b := []byte{0, 0, 0, 0, 0, 0, 0, 4 + 8 + 3 + 8 + 22, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 3, 'a', 'b', 'c', 0, 0, 0, 1, 0, 0, 0, 22}
			return append(b, ContentType...)
		}(), true},
		{"other content type", stream("protobuf:other.Type", true), false},
		{"no content type", []byte{0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 2}, false},
		{"ready frame", []byte{0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 4}, false},
		{"field length past head", full[:30], false},
		{"short", full[:8], false},
		{"text", []byte("#separator \\x09\n#fields\tts\n"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Sniff(tc.head); got != tc.want {
				t.Errorf("Sniff = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	f := Format()
	if f.Name != "dnstap" || f.Sniff == nil || f.Open == nil || f.Unordered {
		t.Fatalf("Format = %+v", f)
	}
	in := stream(ContentType, true, msgSpec{typ: dt.Message_CLIENT_QUERY, qtime: t0, dnsMsg: query("a.example", dns.TypeA)}.build(t))
	if !f.Sniff(in) {
		t.Fatal("Sniff = false")
	}
	d, err := f.Open(bytes.NewReader(in), testOpts("f"))
	if err != nil {
		t.Fatal(err)
	}
	var ev event.Event
	if err := d.Next(&ev); err != nil || ev.DNS.QName != "a.example" || ev.Source.Name != "f" {
		t.Fatalf("Next = %v, %+v", err, ev)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
