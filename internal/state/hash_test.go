package state

import (
	"net/netip"
	"strconv"
	"testing"
)

// TestHashStringGolden pins hash values: Distinct estimates and sketch
// layouts replay identically only while these stay the same.
func TestHashStringGolden(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		seed0    uint64
		seed42   uint64
		otherLen string // a different input that must hash differently
	}{
		{name: "empty", in: "", seed0: 0x6e4a977b57f8eef0, seed42: 0x5c9c524d55ce540b, otherLen: "\x00"},
		{name: "one byte", in: "a", seed0: 0xb1de9515e4c3477c, seed42: 0x40fbac093b396c78, otherLen: "a\x00"},
		{name: "short name", in: "example.com", seed0: 0x823a2c4b8be24600, seed42: 0xce0b379570b93f91, otherLen: "example.co"},
		{name: "sixteen bytes", in: "0123456789abcdef", seed0: 0xcbf9f5d611296d28, seed42: 0x3069c235adc77505, otherLen: "0123456789abcde"},
		{name: "seventeen bytes", in: "0123456789abcdefg", seed0: 0xcce872a1e2d95234, seed42: 0x590d0512145fbe41, otherLen: "0123456789abcdefg\x00"},
		{name: "long name", in: "a-very-long-name.with.many.labels.example.org", seed0: 0x69816bff2bd8f317, seed42: 0xf4306d056affdd19, otherLen: "a-very-long-name.with.many.labels.example.or"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := HashString(0, tc.in); got != tc.seed0 {
				t.Errorf("HashString(0, %q) = %#x, want %#x", tc.in, got, tc.seed0)
			}
			if got := HashString(42, tc.in); got != tc.seed42 {
				t.Errorf("HashString(42, %q) = %#x, want %#x", tc.in, got, tc.seed42)
			}
			if HashString(0, tc.otherLen) == tc.seed0 {
				t.Errorf("HashString(0, %q) collides with %q", tc.otherLen, tc.in)
			}
		})
	}
}

func TestHashAddr(t *testing.T) {
	tests := []struct {
		name string
		addr string
		want uint64
	}{
		{name: "ipv4", addr: "192.0.2.1", want: 0x387575869a6163e8},
		{name: "ipv4-mapped ipv6 differs from ipv4", addr: "::ffff:192.0.2.1", want: 0xb9a02ecb6c9d2b41},
		{name: "ipv6", addr: "2001:db8::1", want: 0x9be77ce57282c814},
		{name: "zone is ignored", addr: "2001:db8::1%eth0", want: 0x9be77ce57282c814},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := HashAddr(7, netip.MustParseAddr(tc.addr)); got != tc.want {
				t.Errorf("HashAddr(7, %s) = %#x, want %#x", tc.addr, got, tc.want)
			}
		})
	}
}

// TestHashDistribution checks that the top bits, which Distinct uses to pick
// a register, spread sequential names evenly.
func TestHashDistribution(t *testing.T) {
	tests := []struct {
		name string
		key  func(i int) uint64
	}{
		{name: "sequential names", key: func(i int) uint64 { return HashString(1, "host-"+strconv.Itoa(i)+".example.com") }},
		{name: "sequential integers", key: func(i int) uint64 { return HashUint64(1, uint64(i)) }},
		{name: "sequential addresses", key: func(i int) uint64 {
			return HashAddr(1, netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}))
		}},
	}
	const n, buckets = 1 << 16, 256
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var count [buckets]int
			for i := range n {
				count[tc.key(i)>>56]++
			}
			// Mean 256, standard deviation 16: allow five deviations.
			for b, c := range count {
				if c < 256-80 || c > 256+80 {
					t.Errorf("bucket %d holds %d of %d, want 176..336", b, c, n)
				}
			}
		})
	}
}

var sinkHash uint64

func BenchmarkHashString(b *testing.B) {
	s := "a1b2c3d4e5f6.tunnel.example.com"
	b.ReportAllocs()
	for b.Loop() {
		sinkHash += HashString(1, s)
	}
}

func BenchmarkHashAddr(b *testing.B) {
	a := netip.MustParseAddr("2001:db8::53")
	b.ReportAllocs()
	for b.Loop() {
		sinkHash += HashAddr(1, a)
	}
}
