package capture

import (
	"encoding/binary"
	"net/netip"
	"os"
	"testing"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// Hand-built frames for the filter tests. Only the fields the filter reads
// are meaningful; checksums and lengths beyond them are left zero.

var be = binary.BigEndian

func ether(etype uint16, payload []byte) []byte {
	b := make([]byte, 14, 14+len(payload))
	be.PutUint16(b[12:], etype)
	return append(b, payload...)
}

// tagged wraps payload in one VLAN tag (tpid 0x8100 or 0x88a8) per tpid.
func tagged(tpids []uint16, etype uint16, payload []byte) []byte {
	b := make([]byte, 12)
	for _, tpid := range tpids {
		b = be.AppendUint16(b, tpid)
		b = be.AppendUint16(b, 100) // VLAN id
	}
	b = be.AppendUint16(b, etype)
	return append(b, payload...)
}

// ipv4 builds an IPv4 header with ihl 32-bit words (5 without options),
// fragment offset off (in 8-byte units) and the more-fragments flag.
func ipv4(proto byte, ihl int, off uint16, more bool, payload []byte) []byte {
	b := make([]byte, 4*ihl, 4*ihl+len(payload))
	b[0], b[8], b[9] = 0x40|byte(ihl), 64, proto
	flags := off
	if more {
		flags |= 0x2000
	}
	be.PutUint16(b[6:], flags)
	copy(b[12:], []byte{10, 0, 0, 1, 10, 0, 0, 2})
	return append(b, payload...)
}

// optionsLike53 is an IPv4 header with one option word that reads as
// ports 53 and 53, followed by payload.
func optionsLike53(payload []byte) []byte {
	b := ipv4(protoUDP, 6, 0, false, payload)
	copy(b[20:], []byte{0, 53, 0, 53})
	return b
}

func ipv6(next byte, payload []byte) []byte {
	b := make([]byte, 40, 40+len(payload))
	b[0], b[6], b[7] = 0x60, next, 64
	be.PutUint16(b[4:], uint16(len(payload)))
	copy(b[8:], netip.MustParseAddr("2001:db8::1").AsSlice())
	copy(b[24:], netip.MustParseAddr("2001:db8::2").AsSlice())
	return append(b, payload...)
}

// ext6 is an IPv6 extension header (8 bytes) followed by payload.
func ext6(next byte, payload []byte) []byte {
	return append([]byte{next, 0, 0, 0, 0, 0, 0, 0}, payload...)
}

// frag6 is an IPv6 fragment header with fragment offset off (8-byte
// units) followed by payload.
func frag6(next byte, off uint16, payload []byte) []byte {
	b := []byte{next, 0, 0, 0, 0, 0, 0, 1}
	be.PutUint16(b[2:], off<<3|1)
	return append(b, payload...)
}

func ports(sport, dport uint16, rest int) []byte {
	b := be.AppendUint16(nil, sport)
	b = be.AppendUint16(b, dport)
	return append(b, make([]byte, rest)...)
}

func udp(sport, dport uint16) []byte { return ports(sport, dport, 4+12) }
func tcp(sport, dport uint16) []byte { return ports(sport, dport, 16) }

const (
	snap     = 262144
	icmp     = 1
	hopByHop = 0
)

// run executes raw in x/net/bpf's VM, as the kernel would run it, and
// returns the number of bytes kept (0: dropped).
func run(t *testing.T, raw []bpf.RawInstruction, frame []byte) int {
	t.Helper()
	ins, ok := bpf.Disassemble(raw)
	if !ok {
		t.Fatal("program does not disassemble")
	}
	vm, err := bpf.NewVM(ins)
	if err != nil {
		t.Fatalf("NewVM: %v", err)
	}
	n, err := vm.Run(frame)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return n
}

type filterCase struct {
	name  string
	frame []byte
	keep  bool
}

func ethernetCases() []filterCase {
	return []filterCase{
		{"udp4 query to 53", ether(etherTypeIPv4, ipv4(protoUDP, 5, 0, false, udp(40000, 53))), true},
		{"udp4 response from 53", ether(etherTypeIPv4, ipv4(protoUDP, 5, 0, false, udp(53, 40000))), true},
		{"udp6 query to 53", ether(etherTypeIPv6, ipv6(protoUDP, udp(40000, 53))), true},
		{"tcp4 to 853 (DoT)", ether(etherTypeIPv4, ipv4(protoTCP, 5, 0, false, tcp(40000, 853))), true},
		{"tcp6 from 853", ether(etherTypeIPv6, ipv6(protoTCP, tcp(853, 40000))), true},
		{"tcp4 to 53", ether(etherTypeIPv4, ipv4(protoTCP, 5, 0, false, tcp(40000, 53))), true},
		{"udp4 to 123 (NTP)", ether(etherTypeIPv4, ipv4(protoUDP, 5, 0, false, udp(40000, 123))), false},
		{"tcp4 to 443", ether(etherTypeIPv4, ipv4(protoTCP, 5, 0, false, tcp(40000, 443))), false},
		{"udp6 to 123", ether(etherTypeIPv6, ipv6(protoUDP, udp(123, 123))), false},
		{"icmp4", ether(etherTypeIPv4, ipv4(icmp, 5, 0, false, ports(53, 53, 4))), false},
		{"arp", ether(0x0806, make([]byte, 28)), false},
		{"ipv4 with options to 53", ether(etherTypeIPv4, ipv4(protoUDP, 7, 0, false, udp(40000, 53))), true},
		{"ipv4 with options to 123, 53 where ports would be without them", ether(etherTypeIPv4, optionsLike53(udp(40000, 123))), false},
		{"ipv4 first fragment to 53", ether(etherTypeIPv4, ipv4(protoUDP, 5, 0, true, udp(53, 40000))), true},
		{"ipv4 first fragment to 123", ether(etherTypeIPv4, ipv4(protoUDP, 5, 0, true, udp(123, 40000))), false},
		{"ipv4 later fragment of udp", ether(etherTypeIPv4, ipv4(protoUDP, 5, 185, true, make([]byte, 64))), true},
		{"ipv4 last fragment of tcp", ether(etherTypeIPv4, ipv4(protoTCP, 5, 370, false, make([]byte, 64))), true},
		{"ipv4 later fragment of icmp", ether(etherTypeIPv4, ipv4(icmp, 5, 185, false, make([]byte, 64))), false},
		{"ipv6 first fragment to 53", ether(etherTypeIPv6, ipv6(protoFragment6, frag6(protoUDP, 0, udp(53, 40000)))), true},
		{"ipv6 first fragment to 123", ether(etherTypeIPv6, ipv6(protoFragment6, frag6(protoUDP, 0, udp(123, 40000)))), false},
		{"ipv6 later fragment of udp", ether(etherTypeIPv6, ipv6(protoFragment6, frag6(protoUDP, 181, make([]byte, 64)))), true},
		{"ipv6 later fragment of icmp6", ether(etherTypeIPv6, ipv6(protoFragment6, frag6(58, 181, make([]byte, 64)))), false},
		{"ipv6 hop-by-hop then udp to 53 (not matched)", ether(etherTypeIPv6, ipv6(hopByHop, ext6(protoUDP, udp(40000, 53)))), false},
		{"802.1Q tag, udp4 to 53", tagged([]uint16{etherTypeVLAN}, etherTypeIPv4, ipv4(protoUDP, 5, 0, false, udp(40000, 53))), true},
		{"802.1Q tag, udp4 to 123", tagged([]uint16{etherTypeVLAN}, etherTypeIPv4, ipv4(protoUDP, 5, 0, false, udp(40000, 123))), false},
		{"802.1ad tag, udp6 from 53", tagged([]uint16{etherTypeQinQ}, etherTypeIPv6, ipv6(protoUDP, udp(53, 40000))), true},
		{"802.1Q tag, ipv4 later fragment", tagged([]uint16{etherTypeVLAN}, etherTypeIPv4, ipv4(protoUDP, 5, 10, false, make([]byte, 16))), true},
		{"two tags (not matched)", tagged([]uint16{etherTypeQinQ, etherTypeVLAN}, etherTypeIPv4, ipv4(protoUDP, 5, 0, false, udp(40000, 53))), false},
		{"truncated before the ports", ether(etherTypeIPv4, ipv4(protoUDP, 5, 0, false, nil)), false},
		{"truncated ethernet header", make([]byte, 10), false},
	}
}

// TestDNSFilterEthernet runs the built program on crafted Ethernet frames.
func TestDNSFilterEthernet(t *testing.T) {
	raw, err := DNSFilter([]uint16{853, 53}, layers.LinkTypeEthernet, snap)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range ethernetCases() {
		t.Run(c.name, func(t *testing.T) {
			want := 0 // x/net/bpf's VM returns the return value; the kernel cuts the frame to it
			if c.keep {
				want = snap
			}
			if got := run(t, raw, c.frame); got != want {
				t.Errorf("filter kept %d bytes, want %d", got, want)
			}
		})
	}
}

// TestDNSFilterRaw runs the program for raw-IP interfaces (tun, WireGuard).
func TestDNSFilterRaw(t *testing.T) {
	raw, err := DNSFilter([]uint16{53, 853}, layers.LinkTypeRaw, snap)
	if err != nil {
		t.Fatal(err)
	}
	cases := []filterCase{
		{"udp4 to 53", ipv4(protoUDP, 5, 0, false, udp(40000, 53)), true},
		{"tcp6 to 853", ipv6(protoTCP, tcp(40000, 853)), true},
		{"ipv4 later fragment", ipv4(protoUDP, 5, 185, false, make([]byte, 32)), true},
		{"ipv6 first fragment to 53", ipv6(protoFragment6, frag6(protoUDP, 0, udp(40000, 53))), true},
		{"udp4 to 123", ipv4(protoUDP, 5, 0, false, udp(40000, 123)), false},
		{"udp6 to 123", ipv6(protoUDP, udp(40000, 123)), false},
		{"not ip", []byte{0x20, 0, 0, 0}, false},
		{"an ethernet frame", ether(etherTypeIPv4, ipv4(protoUDP, 5, 0, false, udp(40000, 53))), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := run(t, raw, c.frame) > 0; got != c.keep {
				t.Errorf("kept = %v, want %v", got, c.keep)
			}
		})
	}
}

// TestDNSFilterPorts checks other port lists, including the largest, and
// the snap length.
func TestDNSFilterPorts(t *testing.T) {
	many := make([]uint16, MaxPorts)
	for i := range many {
		many[i] = uint16(1000 + 7*i)
	}
	last := many[len(many)-1]
	cases := []struct {
		name  string
		ports []uint16
		sport uint16
		dport uint16
		snap  uint32
		keep  bool
	}{
		{"custom port matches", []uint16{5353}, 40000, 5353, snap, true},
		{"53 not listed", []uint16{5353}, 40000, 53, snap, false},
		{"duplicates are harmless", []uint16{53, 53, 53}, 53, 40000, snap, true},
		{"last of MaxPorts as destination", many, 40000, last, snap, true},
		{"last of MaxPorts as source", many, last, 40000, snap, true},
		{"first of MaxPorts", many, 40000, many[0], snap, true},
		{"unlisted among MaxPorts", many, 40000, last + 1, snap, false},
		{"cut to the snap length", []uint16{53}, 40000, 53, 40, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw, err := DNSFilter(c.ports, layers.LinkTypeEthernet, c.snap)
			if err != nil {
				t.Fatal(err)
			}
			frame := ether(etherTypeIPv4, ipv4(protoUDP, 5, 0, false, udp(c.sport, c.dport)))
			want := 0
			if c.keep {
				want = int(c.snap)
			}
			if got := run(t, raw, frame); got != want {
				t.Errorf("kept %d bytes, want %d", got, want)
			}
		})
	}
}

func TestDNSFilterErrors(t *testing.T) {
	cases := []struct {
		name  string
		ports []uint16
		link  layers.LinkType
		snap  uint32
	}{
		{"no ports", nil, layers.LinkTypeEthernet, snap},
		{"port 0", []uint16{0, 53}, layers.LinkTypeEthernet, snap},
		{"too many ports", make([]uint16, MaxPorts+1), layers.LinkTypeEthernet, snap},
		{"unsupported link type", []uint16{53}, layers.LinkTypeLinuxSLL, snap},
		{"zero snap length", []uint16{53}, layers.LinkTypeEthernet, 0},
	}
	for i := range cases[2].ports {
		cases[2].ports[i] = uint16(i + 1)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := DNSFilter(c.ports, c.link, c.snap); err == nil {
				t.Error("DNSFilter succeeded")
			}
		})
	}
}

// TestTcpdumpProgram runs the program tcpdump 4.99 compiles for
// "port 53 or port 853" on loopback next to the built one: on unfragmented,
// untagged frames they agree.
func TestTcpdumpProgram(t *testing.T) {
	text, err := os.ReadFile("testdata/tcpdump_port53_853.ddd")
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := ParseProgram(string(text))
	if err != nil {
		t.Fatal(err)
	}
	ours, err := DNSFilter([]uint16{53, 853}, layers.LinkTypeEthernet, snap)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range ethernetCases() {
		frame := c.frame
		if len(frame) < 14 || be.Uint16(frame[12:]) == etherTypeVLAN || be.Uint16(frame[12:]) == etherTypeQinQ ||
			(be.Uint16(frame[12:]) == etherTypeIPv4 && len(frame) > 21 && be.Uint16(frame[20:])&(ipv4FragOffset|0x2000) != 0) ||
			(be.Uint16(frame[12:]) == etherTypeIPv6 && frame[20] == protoFragment6) {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			if a, b := run(t, theirs, frame), run(t, ours, frame); a != b {
				t.Errorf("tcpdump's program keeps %d bytes, ours %d", a, b)
			}
		})
	}
}
