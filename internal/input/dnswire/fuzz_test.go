package dnswire

import (
	"errors"
	"io"
	"os"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"
	"golang.org/x/net/dns/dnsmessage"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// FuzzParse checks that no input panics, that errors are always ErrMalformed,
// and that every name the parser returns is non-empty when a question was
// decoded. Seeds are the well-formed test messages and, when the shared data
// is present, DNS payloads from a real capture.
func FuzzParse(f *testing.F) {
	for _, tc := range wellFormedCases(f) {
		f.Add(tc.msg)
	}
	f.Add(rawMessage(1, 0x0100, rawLabels("attacker.example", "test"), 1))
	if dir, ok := testutil.SharedDir(); ok {
		for _, m := range udpPayloads(f, dir+"/suricata-verify-dns/tests/dns/bug-1158/input.pcap", 16) {
			f.Add(m)
		}
	}
	var p Parser
	var d event.DNS
	f.Fuzz(func(t *testing.T, msg []byte) {
		st, err := p.Parse(msg, &d)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if st > StatusPartial {
			t.Fatalf("status %d out of range", st)
		}
		for _, rr := range d.Answers {
			if rr.Name == "" {
				t.Fatalf("record with empty name: %+v", rr)
			}
		}
	})
}

// udpPayloads returns up to n UDP payloads of Ethernet/IPv4 packets in a
// pcap file.
func udpPayloads(tb testing.TB, path string, n int) [][]byte {
	fh, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer fh.Close()
	r, err := pcapgo.NewReader(fh)
	if err != nil {
		tb.Fatal(err)
	}
	var out [][]byte
	for len(out) < n {
		data, _, err := r.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatal(err)
		}
		if len(data) > 42 && data[12] == 8 && data[13] == 0 && data[23] == 17 && data[14] == 0x45 {
			out = append(out, data[42:])
		}
	}
	return out
}

// BenchmarkParse measures a typical query and a typical response (CNAME plus
// two A records, EDNS). Both must run without allocating.
func BenchmarkParse(b *testing.B) {
	query := build(b, msgSpec{id: 1, qname: "www.example.com.", qtype: dnsmessage.TypeA})
	response := build(b, msgSpec{id: 1, response: true, qname: "www.example.com.", qtype: dnsmessage.TypeA,
		answers: []dnsmessage.Resource{
			rr(b, "www.example.com.", 300, &dnsmessage.CNAMEResource{CNAME: mustName(b, "edge.cdn.example.net.")}),
			rr(b, "edge.cdn.example.net.", 60, &dnsmessage.AResource{A: [4]byte{192, 0, 2, 1}}),
			rr(b, "edge.cdn.example.net.", 60, &dnsmessage.AResource{A: [4]byte{192, 0, 2, 2}}),
		},
		extra: []dnsmessage.Resource{{
			Header: dnsmessage.ResourceHeader{Name: mustName(b, "."), Type: dnsmessage.TypeOPT, Class: 1232},
			Body:   &dnsmessage.OPTResource{}}},
	})
	txt := build(b, msgSpec{id: 1, response: true, qname: "t.example.com.", qtype: dnsmessage.TypeTXT,
		answers: []dnsmessage.Resource{
			rr(b, "t.example.com.", 300, &dnsmessage.TXTResource{TXT: []string{"v=spf1 include:_spf.example.com ~all"}}),
		}})
	for _, bc := range []struct {
		name string
		msg  []byte
	}{{"query", query}, {"response", response}, {"txt", txt}} {
		b.Run(bc.name, func(b *testing.B) {
			var p Parser
			var d event.DNS
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.msg)))
			for b.Loop() {
				if _, err := p.Parse(bc.msg, &d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
