package intel

import (
	"net/netip"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func testSet(t testing.TB) *Set {
	t.Helper()
	var all [][]Indicator
	for _, path := range []string{"testdata/feed.txt", "testdata/bundle.json", "testdata/event.json"} {
		inds, _, err := LoadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, inds)
	}
	return NewSet(all...)
}

func TestMatchName(t *testing.T) {
	s := testSet(t)
	tests := []struct {
		name   string
		query  string
		want   string // matched Value, "" for no match
		source string
	}{
		{name: "exact listed domain", query: "evil-c2.test", want: "evil-c2.test", source: "testdata/feed.txt:4"},
		{name: "subdomain of a listed domain", query: "x7f3.tunnel.evil-c2.test", want: "evil-c2.test", source: "testdata/feed.txt:4"},
		{name: "most specific listed domain wins", query: "a.ns1.evil-c2.test", want: "ns1.evil-c2.test", source: "testdata/feed.txt:10"},
		{name: "wildcard entry covers subdomains", query: "img.cdn-evil.test", want: "cdn-evil.test"},
		{name: "sibling sharing a suffix", query: "notevil-c2.test"},
		{name: "listed name as a left label", query: "evil-c2.test.example"},
		{name: "parent of a listed domain", query: "test"},
		{name: "escaped dot is not a boundary", query: `x\.evil-c2.test`},
		{name: "escaped dot deeper in the name", query: `a.b\.evil-c2.test`},
		{name: "escaped dot before a real boundary", query: `a\.b.evil-c2.test`, want: "evil-c2.test"},
		{name: "escaped backslash then boundary", query: `a\\.evil-c2.test`, want: "evil-c2.test"},
		{name: "trailing dot is tolerated", query: "ns1.evil-c2.test.", want: "ns1.evil-c2.test"},
		{name: "root", query: "."},
		{name: "empty", query: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := s.MatchName(tc.query)
			if ok != (tc.want != "") || got.Value != tc.want {
				t.Fatalf("MatchName(%q) = %q, %v; want %q", tc.query, got.Value, ok, tc.want)
			}
			if tc.source != "" && got.Source != tc.source {
				t.Errorf("MatchName(%q) source = %q, want %q", tc.query, got.Source, tc.source)
			}
		})
	}
}

func TestMatchAddr(t *testing.T) {
	s := testSet(t)
	tests := []struct {
		name  string
		query string
		want  string
	}{
		{name: "listed IPv4 address", query: "203.0.113.53", want: "203.0.113.53/32"},
		{name: "IPv4 inside a listed CIDR", query: "203.0.113.80", want: "203.0.113.80/32"},
		{name: "IPv4 covered only by a CIDR", query: "203.0.113.7", want: "203.0.113.0/24"},
		{name: "IPv4-mapped IPv6 is looked up as IPv4", query: "::ffff:203.0.113.53", want: "203.0.113.53/32"},
		{name: "IPv6 single address", query: "2001:db8:c2::53", want: "2001:db8:c2::53/128"},
		{name: "IPv6 inside a listed /48", query: "2001:db8:c2:1::9", want: "2001:db8:c2::/48"},
		{name: "IPv6 with zone", query: "2001:db8:c2::53%eth0", want: "2001:db8:c2::53/128"},
		{name: "IPv4 outside every prefix", query: "192.0.2.1"},
		{name: "IPv6 outside every prefix", query: "2001:db8:c3::1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := s.MatchAddr(netip.MustParseAddr(tc.query))
			if ok != (tc.want != "") || got.Value != tc.want {
				t.Errorf("MatchAddr(%s) = %q, %v; want %q", tc.query, got.Value, ok, tc.want)
			}
		})
	}
	if _, ok := s.MatchAddr(netip.Addr{}); ok {
		t.Error("MatchAddr(invalid) matched")
	}
}

func TestNewSetDuplicatesAndLen(t *testing.T) {
	a := []Indicator{
		{Kind: Domain, Value: "evil-c2.test", Source: "a:1"},
		{Kind: Addr, Value: "203.0.113.53/32", Source: "a:2"},
		{Kind: Domain, Value: "Not-Canonical.test", Source: "a:3"},
		{Kind: Addr, Value: "203.0.113.5/24", Source: "a:4"},
		{Kind: 0, Value: "x.test", Source: "a:5"},
	}
	b := []Indicator{
		{Kind: Domain, Value: "evil-c2.test", Source: "b:1", ToIDs: true},
		{Kind: Domain, Value: "evil-c2.test", Source: "b:2", ToIDs: true},
		{Kind: Addr, Value: "203.0.113.53/32", Source: "b:2"},
	}
	s := NewSet(a, b)
	d, _ := s.MatchName("evil-c2.test")
	ad, _ := s.MatchAddr(netip.MustParseAddr("203.0.113.53"))
	got := []string{strconv.Itoa(s.Len()), d.Source, ad.Source}
	if diff := cmp.Diff([]string{"2", "b:1", "a:2"}, got); diff != "" {
		t.Errorf("len, domain source, addr source (-want +got):\n%s", diff)
	}
	if empty := NewSet(); empty.Len() != 0 {
		t.Errorf("empty set Len = %d", empty.Len())
	}
}
