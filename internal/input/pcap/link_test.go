package pcap

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gopacket/gopacket/layers"

	"github.com/dnsvigil/dnsvigil/internal/input"
)

// exchange returns an IP query and response between a client and a server
// of the given family.
func exchange(t *testing.T, v6 bool) (q, r []byte, client, server string) {
	msgQ := dnsMsg(t, 0x1234, "www.example.test.", false, netip.Addr{})
	msgR := dnsMsg(t, 0x1234, "www.example.test.", true, netip.MustParseAddr("192.0.2.80"))
	if v6 {
		c, s := "2001:db8::1", "2001:db8::53"
		return ipv6(c, s, protoUDP, udp(40000, 53, msgQ)), ipv6(s, c, protoUDP, udp(53, 40000, msgR)),
			"[" + c + "]:40000", "[" + s + "]:53"
	}
	c, s := "10.1.1.1", "10.2.2.2"
	return ipv4(c, s, protoUDP, udp(40000, 53, msgQ)), ipv4(s, c, protoUDP, udp(53, 40000, msgR)),
		c + ":40000", s + ":53"
}

func TestLinkTypes(t *testing.T) {
	tests := []struct {
		name string
		link layers.LinkType
		v6   bool
		wrap func(ip []byte, v6 bool) []byte
	}{
		{"ethernet", layers.LinkTypeEthernet, false, func(ip []byte, _ bool) []byte { return ether(etherIPv4, ip) }},
		{"ethernet ipv6", layers.LinkTypeEthernet, true, func(ip []byte, _ bool) []byte { return ether(etherIPv6, ip) }},
		{"802.1q vlan", layers.LinkTypeEthernet, false, func(ip []byte, _ bool) []byte {
			return vlan([]uint16{etherVLAN}, etherIPv4, ip)
		}},
		{"qinq", layers.LinkTypeEthernet, true, func(ip []byte, _ bool) []byte {
			return vlan([]uint16{etherQinQ, etherVLAN}, etherIPv6, ip)
		}},
		{"linux sll", layers.LinkTypeLinuxSLL, false, func(ip []byte, _ bool) []byte { return sll(etherIPv4, ip) }},
		{"linux sll2 ipv6", layers.LinkTypeLinuxSLL2, true, func(ip []byte, _ bool) []byte { return sll2(etherIPv6, ip) }},
		{"raw ip v4", layers.LinkTypeRaw, false, func(ip []byte, _ bool) []byte { return ip }},
		{"raw ip v6", layers.LinkTypeRaw, true, func(ip []byte, _ bool) []byte { return ip }},
		{"linktype ipv4", layers.LinkTypeIPv4, false, func(ip []byte, _ bool) []byte { return ip }},
		{"linktype ipv6", layers.LinkTypeIPv6, true, func(ip []byte, _ bool) []byte { return ip }},
		{"fddi with snap", layers.LinkTypeFDDI, false, func(ip []byte, _ bool) []byte {
			return append(append(make([]byte, 13), snap(etherIPv4)...), ip...)
		}},
		{"802.3 length with snap", layers.LinkTypeEthernet, true, func(ip []byte, _ bool) []byte {
			return ether(uint16(8+len(ip)), append(snap(etherIPv6), ip...))
		}},
		{"bsd null little endian", layers.LinkTypeNull, false, func(ip []byte, _ bool) []byte {
			return loopback(afINET, binary.LittleEndian, ip)
		}},
		{"bsd null darwin ipv6", layers.LinkTypeNull, true, func(ip []byte, _ bool) []byte {
			return loopback(30, binary.LittleEndian, ip)
		}},
		{"openbsd loop ipv6", layers.LinkTypeLoop, true, func(ip []byte, _ bool) []byte {
			return loopback(24, binary.BigEndian, ip)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, r, client, server := exchange(t, tc.v6)
			file := pcapFile(t, tc.link, frame{0, tc.wrap(q, tc.v6)}, frame{3e6, tc.wrap(r, tc.v6)})
			got := decodeBytes(t, file, input.Options{})
			want := []view{{
				Kind: "dns", Client: client, Server: server, Transport: "udp", ID: 0x1234,
				QName: "www.example.test", QType: 1, RCode: 0, Query: true, Response: true, RTT: 3e6,
				Answers: []string{"www.example.test 1 192.0.2.80"}, Offset: 24,
			}}
			if diff := cmp.Diff(want, got.events); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if len(got.errs) > 0 {
				t.Errorf("unexpected errors: %v", got.errs)
			}
		})
	}
}

// TestFileVariants reads the same two packets from pcap files in both byte
// orders with micro- and nanosecond timestamps, and from pcapng.
func TestFileVariants(t *testing.T) {
	q, r, _, _ := exchange(t, false)
	frames := []frame{{0, ether(etherIPv4, q)}, {1500, ether(etherIPv4, r)}}
	tests := []struct {
		name    string
		file    []byte
		wantRTT int64
	}{
		{"little endian micro", pcapFileOrder(binary.LittleEndian, false, layers.LinkTypeEthernet, frames...), 1000},
		{"big endian micro", pcapFileOrder(binary.BigEndian, false, layers.LinkTypeEthernet, frames...), 1000},
		{"little endian nano", pcapFileOrder(binary.LittleEndian, true, layers.LinkTypeEthernet, frames...), 1500},
		{"big endian nano", pcapFileOrder(binary.BigEndian, true, layers.LinkTypeEthernet, frames...), 1500},
		{"pcapng", pcapngFile(t, layers.LinkTypeEthernet, frames...), 1500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !Sniff(tc.file) {
				t.Errorf("Sniff = false")
			}
			got := decodeBytes(t, tc.file, input.Options{})
			var summary []any
			for _, v := range got.events {
				summary = append(summary, v.QName, v.Query, v.Response, int64(v.RTT), v.Offset >= 0)
			}
			want := []any{"www.example.test", true, true, tc.wantRTT, true}
			if diff := cmp.Diff(want, summary); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
