package intel

import (
	"fmt"
	"net/netip"
	"testing"
)

// benchSet builds a Set of 100,000 indicators: 50,000 domains and 50,000
// IPv4 and IPv6 prefixes.
func benchSet(b *testing.B) *Set {
	b.Helper()
	inds := make([]Indicator, 0, 100_000)
	for i := range 50_000 {
		inds = append(inds, Indicator{Kind: Domain, Value: fmt.Sprintf("c2-%d.evil%d.test", i, i%97), Source: "bench", ToIDs: true})
	}
	for i := range 25_000 {
		inds = append(inds,
			Indicator{Kind: Addr, Value: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24).String(), Source: "bench", ToIDs: true},
			Indicator{Kind: Addr, Value: netip.PrefixFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, byte(i >> 8), byte(i)}), 48).String(), Source: "bench", ToIDs: true})
	}
	s := NewSet(inds)
	if s.Len() != 100_000 {
		b.Fatalf("set has %d entries", s.Len())
	}
	return s
}

func BenchmarkMatchName(b *testing.B) {
	s := benchSet(b)
	for _, bc := range []struct {
		name, query string
		hit         bool
	}{
		{name: "hit-subdomain", query: "x7f3a9.tunnel.c2-4242.evil71.test", hit: true},
		{name: "miss", query: "x7f3a9.tunnel.www.example.com"},
		{name: "miss-escaped", query: `a\.b.c\.d.www.example.com`},
	} {
		if _, ok := s.MatchName(bc.query); ok != bc.hit {
			b.Fatalf("MatchName(%q) = %v, want %v", bc.query, ok, bc.hit)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.MatchName(bc.query)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
		})
	}
}

func BenchmarkMatchAddr(b *testing.B) {
	s := benchSet(b)
	for _, bc := range []struct{ name, query string }{
		{name: "hit-v4", query: "10.66.66.9"},
		{name: "hit-mapped", query: "::ffff:10.66.66.9"},
		{name: "hit-v6", query: "2001:db8:4242::1"},
		{name: "miss-v4", query: "192.0.2.1"},
	} {
		a := netip.MustParseAddr(bc.query)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.MatchAddr(a)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
		})
	}
}
