package netset

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type tag struct {
	Name, Reason string
}

func TestParsePrefix(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr string
	}{
		{"ipv4 address", "10.0.0.1", "10.0.0.1/32", ""},
		{"ipv4 cidr", "10.0.0.0/8", "10.0.0.0/8", ""},
		{"ipv6 address", "2001:db8::53", "2001:db8::53/128", ""},
		{"ipv6 cidr", "fd00::/8", "fd00::/8", ""},
		{"mapped address", "::ffff:10.0.0.1", "10.0.0.1/32", ""},
		{"mapped cidr", "::ffff:10.0.0.0/104", "10.0.0.0/8", ""},
		{"zone dropped", "fe80::1%eth0", "fe80::1/128", ""},
		{"spaces trimmed", " 192.0.2.1 ", "192.0.2.1/32", ""},
		{"bits too long", "10.0.0.0/33", "", `invalid CIDR "10.0.0.0/33"`},
		{"host bits set", "10.0.0.1/8", "", `invalid CIDR "10.0.0.1/8": address bits set beyond the /8 mask (network is 10.0.0.0/8)`},
		{"not an address", "dns.example", "", `invalid IP address "dns.example"`},
		{"empty", "", "", "empty address or CIDR"},
		{"mapped prefix cut inside ffff", "::ffff:0:0/80", "", `invalid CIDR "::ffff:0:0/80": address bits set beyond the /80 mask (network is ::/80)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePrefix(tt.in)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if gotErr != tt.wantErr {
				t.Fatalf("ParsePrefix(%q) error = %q, want %q", tt.in, gotErr, tt.wantErr)
			}
			if err == nil && p.String() != tt.want {
				t.Errorf("ParsePrefix(%q) = %s, want %s", tt.in, p, tt.want)
			}
		})
	}
}

func TestSetLookup(t *testing.T) {
	s := New[tag]()
	for _, e := range []struct{ cidr, name string }{
		{"10.0.0.1", "corp-dns-1"},
		{"10.0.0.0/8", "corp"},
		{"192.168.0.0/16", "lab"},
		{"2001:db8:53::/48", "v6-resolvers"},
	} {
		if err := s.Add(e.cidr, tag{Name: e.name, Reason: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		addr   string
		want   string // matched prefix, "" for none
		wantOK bool
	}{
		{"exact host wins", "10.0.0.1", "10.0.0.1/32", true},
		{"inside the /8", "10.0.0.2", "10.0.0.0/8", true},
		{"110.0.0.15 is not 10.0.0.1", "110.0.0.15", "", false},
		{"110.0.0.1 is not 10/8", "110.0.0.1", "", false},
		{"mapped address is ipv4", "::ffff:10.0.0.1", "10.0.0.1/32", true},
		{"v6 inside", "2001:db8:53::1", "2001:db8:53::/48", true},
		{"v6 outside", "2001:db8:54::1", "", false},
		{"zone ignored", "2001:db8:53::1%eth0", "2001:db8:53::/48", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := netip.MustParseAddr(tt.addr)
			e, ok := s.Lookup(a)
			if ok != tt.wantOK || s.Contains(a) != tt.wantOK {
				t.Fatalf("Lookup(%s) ok = %v, Contains = %v, want %v", a, ok, s.Contains(a), tt.wantOK)
			}
			if ok && e.Prefix.String() != tt.want {
				t.Errorf("Lookup(%s) matched %s, want %s", a, e.Prefix, tt.want)
			}
		})
	}
	if _, ok := s.Lookup(netip.Addr{}); ok {
		t.Error("Lookup of the zero Addr matched")
	}
	var got []string
	for e := range s.All() {
		got = append(got, e.Prefix.String()+"="+e.Value.Name)
	}
	want := []string{"10.0.0.0/8=corp", "10.0.0.1/32=corp-dns-1", "192.168.0.0/16=lab", "2001:db8:53::/48=v6-resolvers"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("All mismatch (-want +got):\n%s", diff)
	}
	if s.Len() != 4 {
		t.Errorf("Len = %d, want 4", s.Len())
	}
}

func TestSetAddErrorNamesEntry(t *testing.T) {
	s := New[int]()
	err := s.Add("10.0.0.0/33", 1)
	if err == nil || !strings.Contains(err.Error(), `"10.0.0.0/33"`) {
		t.Fatalf("Add error = %v, want one naming the entry", err)
	}
	if s.Len() != 0 {
		t.Errorf("a bad entry was added")
	}
}

func TestClassify(t *testing.T) {
	c := NewClassifier()
	tests := []struct {
		addr  string
		class Class
		name  string
	}{
		{"10.0.0.1", ClassPrivate, "RFC 1918 private"},
		{"110.0.0.15", ClassExternal, ""},
		{"172.16.0.1", ClassPrivate, "RFC 1918 private"},
		{"172.31.255.255", ClassPrivate, "RFC 1918 private"},
		{"172.32.0.1", ClassExternal, ""},
		{"172.15.255.255", ClassExternal, ""},
		{"192.168.1.1", ClassPrivate, "RFC 1918 private"},
		{"127.0.0.53", ClassLoopback, "loopback"},
		{"::1", ClassLoopback, "loopback"},
		{"169.254.169.254", ClassLinkLocal, "link-local"},
		{"fe80::1", ClassLinkLocal, "link-local"},
		{"100.64.0.1", ClassSharedCGNAT, "shared address space (CGNAT)"},
		{"100.128.0.1", ClassExternal, ""},
		{"fd12:3456::1", ClassPrivate, "unique local (ULA)"},
		{"0.1.2.3", ClassThisNetwork, "this network"},
		{"224.0.0.251", ClassMulticast, "multicast"},
		{"ff02::fb", ClassMulticast, "multicast"},
		{"255.255.255.255", ClassBroadcast, "limited broadcast"},
		{"192.0.0.9", ClassReserved, "IETF protocol assignments"},
		{"::ffff:10.0.0.1", ClassPrivate, "RFC 1918 private"},
		{"::ffff:8.8.8.8", ClassExternal, ""},
		{"192.0.2.53", ClassExternal, ""},
		{"198.51.100.53", ClassExternal, ""},
		{"203.0.113.53", ClassExternal, ""},
		{"2001:db8::53", ClassExternal, ""},
		{"8.8.8.8", ClassExternal, ""},
		{"64:ff9b::808:808", ClassExternal, ""},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			a := netip.MustParseAddr(tt.addr)
			r, ok := c.Classify(a)
			if ok != (tt.class != ClassExternal) || c.IsSpecial(a) != ok {
				t.Fatalf("Classify(%s) ok = %v, IsSpecial = %v, want class %v", a, ok, c.IsSpecial(a), tt.class)
			}
			if diff := cmp.Diff(struct {
				Class Class
				Name  string
			}{tt.class, tt.name}, struct {
				Class Class
				Name  string
			}{r.Class, r.Name}); diff != "" {
				t.Errorf("Classify(%s) mismatch (-want +got):\n%s", a, diff)
			}
		})
	}
}

func TestSpecialRangesAreMaskedAndNamed(t *testing.T) {
	for _, r := range SpecialRanges() {
		t.Run(r.Prefix.String(), func(t *testing.T) {
			if r.Prefix.Masked() != r.Prefix || r.Name == "" || r.RFC == "" || r.Class == ClassExternal {
				t.Errorf("range %+v is not masked, named and classed", r)
			}
		})
	}
}

func FuzzParsePrefix(f *testing.F) {
	for _, s := range []string{"10.0.0.1", "10.0.0.0/8", "::ffff:10.0.0.0/104", "fe80::1%eth0", "10.0.0.1/8", "2001:db8::/32", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePrefix(s)
		if err != nil {
			return
		}
		if !p.IsValid() || p.Masked() != p || p.Addr().Is4In6() || p.Addr().Zone() != "" {
			t.Fatalf("ParsePrefix(%q) = %s: not a valid, masked, unmapped prefix", s, p)
		}
		set := New[int]()
		set.AddPrefix(p, 1)
		if !set.Contains(p.Addr()) {
			t.Fatalf("set of %s does not contain its own address", p)
		}
	})
}

func BenchmarkClassify(b *testing.B) {
	c := NewClassifier()
	addrs := []netip.Addr{
		netip.MustParseAddr("10.1.2.3"), netip.MustParseAddr("8.8.8.8"),
		netip.MustParseAddr("192.168.1.1"), netip.MustParseAddr("2001:db8::53"),
		netip.MustParseAddr("::ffff:172.16.0.1"), netip.MustParseAddr("fe80::1"),
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.Classify(addrs[i%len(addrs)])
		i++
	}
}

func BenchmarkSetLookup(b *testing.B) {
	s := New[tag]()
	for i := range 10000 {
		a := netip.AddrFrom4([4]byte{byte(i >> 8), byte(i), 0, 0})
		s.AddPrefix(netip.PrefixFrom(a, 16), tag{Name: "n"})
	}
	probe := netip.MustParseAddr("20.30.40.50")
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := s.Lookup(probe); !ok {
			b.Fatal("no match")
		}
	}
}
