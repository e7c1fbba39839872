package pcap

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gopacket/gopacket/layers"

	"github.com/dnsvigil/dnsvigil/internal/input"
)

// ipv4Frag builds one IPv4 fragment carrying chunk at byte offset off of
// the datagram payload.
func ipv4Frag(src, dst string, id uint16, off int, more bool, chunk []byte) []byte {
	b := ipv4(src, dst, protoUDP, chunk)
	be.PutUint16(b[4:], id)
	ff := uint16(off / 8)
	if more {
		ff |= 0x2000
	}
	be.PutUint16(b[6:], ff)
	return b
}

// ipv6Frag builds one IPv6 packet with a fragment header.
func ipv6Frag(src, dst string, id uint32, off int, more bool, chunk []byte) []byte {
	h := []byte{ext6Fragment, 0, byte(off >> 8), byte(off) & 0xf8, 0, 0, 0, 0}
	if more {
		h[3] |= 1
	}
	be.PutUint32(h[4:], id)
	return ipv6(src, dst, protoUDP, chunk, h)
}

func TestReassembly(t *testing.T) {
	query := dnsMsg(t, 5, "frag.test.", false, netip.Addr{})
	resp := udp(53, 1000, dnsMsg(t, 5, "frag.test.", true, netip.MustParseAddr("192.0.2.77")))
	q4 := frame{0, ether(etherIPv4, ipv4(cIP, sIP, protoUDP, udp(1000, 53, query)))}
	f4 := func(at int64, off, end int, more bool) frame {
		return frame{ms(at), ether(etherIPv4, ipv4Frag(sIP, cIP, 77, off, more, resp[off:end]))}
	}
	c6, s6 := "2001:db8::5", "2001:db8::53"
	q6 := frame{0, ether(etherIPv6, ipv6(c6, s6, protoUDP, udp(1000, 53, query)))}
	f6 := func(at int64, off, end int, more bool) frame {
		return frame{ms(at), ether(etherIPv6, ipv6Frag(s6, c6, 0xabcdef, off, more, resp[off:end]))}
	}
	n := len(resp)
	tests := []struct {
		name    string
		frames  []frame
		paired  bool
		dropped int64
	}{
		{"ipv4 in order", []frame{q4, f4(1, 0, 16, true), f4(2, 16, 32, true), f4(3, 32, n, false)}, true, 0},
		{"ipv4 out of order", []frame{q4, f4(1, 32, n, false), f4(2, 0, 16, true), f4(3, 16, 32, true)}, true, 0},
		{"ipv4 overlap drops the datagram", []frame{q4, f4(1, 0, 24, true), f4(2, 16, n, false)}, false, 1},
		{"ipv4 missing piece expires", []frame{q4, f4(1, 0, 16, true), f4(2, 32, n, false),
			{FragTimeout + ms(100), ether(etherIPv4, ipv4(cIP, sIP, protoUDP, udp(2, 9, nil)))}}, false, 1},
		{"ipv6 out of order", []frame{q6, f6(1, 24, n, false), f6(2, 0, 24, true)}, true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := decodeBytes(t, pcapFile(t, layers.LinkTypeEthernet, tc.frames...), input.Options{})
			q, r := got.tally()
			paired := len(got.events) == 1 && q == 1 && r == 1
			summary := []any{paired, got.counts["ip fragments dropped"], len(got.errs)}
			if diff := cmp.Diff([]any{tc.paired, tc.dropped, 0}, summary); diff != "" {
				t.Errorf("(-want +got):\n%s\nevents: %+v", diff, got.events)
			}
		})
	}
}
