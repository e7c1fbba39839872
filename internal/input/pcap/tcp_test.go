package pcap

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gopacket/gopacket/layers"

	"github.com/dnsvigil/dnsvigil/internal/input"
)

const cIP, sIP = "10.0.0.5", "10.0.0.53"

// c2s and s2c frame a TCP segment from client port 50000 to server port
// 53 (or 853 with dot) and back.
func c2s(at int64, port uint16, seq uint32, flags byte, p []byte) frame {
	return frame{at: ms(at), data: ether(etherIPv4, ipv4(cIP, sIP, protoTCP, tcp(50000, port, seq, flags, p)))}
}

func s2c(at int64, port uint16, seq uint32, flags byte, p []byte) frame {
	return frame{at: ms(at), data: ether(etherIPv4, ipv4(sIP, cIP, protoTCP, tcp(port, 50000, seq, flags, p)))}
}

func TestTCPReassembly(t *testing.T) {
	qa := dnsMsg(t, 1, "a.test.", false, netip.Addr{})
	qb := dnsMsg(t, 2, "b.test.", false, netip.Addr{})
	ra := dnsMsg(t, 1, "a.test.", true, netip.MustParseAddr("192.0.2.1"))
	rb := dnsMsg(t, 2, "b.test.", true, netip.MustParseAddr("192.0.2.2"))
	resp := tcpDNS(ra, rb)
	cut1, cut2 := 1, len(tcpDNS(ra))+5 // inside the first length prefix, inside the second message
	pair := func(id uint16, name, answer string, at, rAt int64) view {
		return view{Kind: "dns", At: ms(at), Client: cIP + ":50000", Server: sIP + ":53", Transport: "tcp",
			ID: id, QName: name, QType: 1, Query: true, Response: true, RTT: ms(rAt - at),
			Answers: []string{name + " 1 " + answer}}
	}
	tests := []struct {
		name   string
		frames []frame
		want   []view
		counts map[string]int64
	}{{
		name: "two queries in one segment, responses split across three",
		frames: []frame{
			c2s(0, 53, 100, tcpSYN, nil), s2c(1, 53, 500, tcpSYN|tcpACK, nil),
			c2s(10, 53, 101, 0, tcpDNS(qa, qb)),
			s2c(20, 53, 501, 0, resp[:cut1]),
			s2c(30, 53, 501+uint32(cut1), 0, resp[cut1:cut2]),
			s2c(40, 53, 501+uint32(cut2), 0, resp[cut2:]),
			c2s(50, 53, 101+uint32(len(tcpDNS(qa, qb))), tcpFIN, nil),
		},
		want: []view{pair(1, "a.test", "192.0.2.1", 10, 30), pair(2, "b.test", "192.0.2.2", 10, 40)},
	}, {
		name: "retransmitted and overlapping segments are not doubled",
		frames: []frame{
			c2s(10, 53, 1, 0, tcpDNS(qa)),
			c2s(11, 53, 1, 0, tcpDNS(qa)), // retransmission
			s2c(20, 53, 1, 0, resp[:cut2]),
			s2c(30, 53, 1+uint32(cut2-4), 0, resp[cut2-4:]), // overlaps by 4 bytes
		},
		want: []view{pair(1, "a.test", "192.0.2.1", 10, 20), {Kind: "dns", At: ms(30), Client: cIP + ":50000",
			Server: sIP + ":53", Transport: "tcp", ID: 2, QName: "b.test", QType: 1, Response: true,
			Answers: []string{"b.test 1 192.0.2.2"}}},
		counts: map[string]int64{"tcp retransmitted segments": 2, "responses without query": 1},
	}, {
		name: "a gap drops the partial message and resumes at the next segment",
		frames: []frame{
			c2s(10, 53, 1, 0, tcpDNS(qa)[:5]),
			c2s(12, 53, 900, 0, tcpDNS(qb)), // bytes between 6 and 900 were never captured
			s2c(40, 53, 1, 0, tcpDNS(rb)),
		},
		want:   []view{pair(2, "b.test", "192.0.2.2", 12, 40)},
		counts: map[string]int64{"tcp gaps": 1},
	}, {
		name: "rst drops both directions",
		frames: []frame{
			c2s(10, 53, 1, 0, tcpDNS(qa)[:5]),
			s2c(11, 53, 1, tcpRST, nil),
			c2s(12, 53, 6, 0, tcpDNS(qb)), // had the partial qa been kept, this would not parse
		},
		want: []view{{Kind: "dns", At: ms(12), Client: cIP + ":50000", Server: sIP + ":53", Transport: "tcp",
			ID: 2, QName: "b.test", QType: 1, RCode: 0xffff, Query: true}},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := decodeBytes(t, pcapFile(t, layers.LinkTypeEthernet, tc.frames...), input.Options{})
			for i := range got.events {
				got.events[i].Offset = 0
			}
			if diff := cmp.Diff(tc.want, got.events); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			for name, want := range tc.counts {
				if got.counts[name] != want {
					t.Errorf("count %q = %d, want %d", name, got.counts[name], want)
				}
			}
		})
	}
}

func TestTCPStreamBounds(t *testing.T) {
	q := tcpDNS(dnsMsg(t, 1, "a.test.", false, netip.Addr{}))
	var frames []frame
	for i := range 5 { // five streams with a partial message each
		ip := ipv4(cIP, sIP, protoTCP, tcp(uint16(40000+i), 53, 1, 0, q[:4]))
		frames = append(frames, frame{at: ms(int64(i)), data: ether(etherIPv4, ip)})
	}
	late := ipv4(cIP, sIP, protoTCP, tcp(40100, 53, 1, 0, q[:4]))
	frames = append(frames, frame{at: FlowIdleTimeout + ms(100), data: ether(etherIPv4, late)})
	got := decodeBytes(t, pcapFile(t, layers.LinkTypeEthernet, frames...), input.Options{MaxTCPStreams: 3})
	want := map[string]int64{"tcp streams evicted": 2, "tcp streams expired": 3}
	for name, n := range want {
		if got.counts[name] != n {
			t.Errorf("count %q = %d, want %d", name, got.counts[name], n)
		}
	}
}

func TestDoT(t *testing.T) {
	tls := []byte{0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5}
	frames := []frame{
		c2s(0, 853, 1, tcpSYN, nil), s2c(1, 853, 9, tcpSYN|tcpACK, nil),
		c2s(2, 853, 2, 0, tls), s2c(3, 853, 10, 0, tls),
		c2s(4, 853, 12, tcpFIN, nil), s2c(5, 853, 20, tcpFIN, nil),
		c2s(100, 853, 5000, tcpSYN, nil), // the same ports, a new connection
		s2c(101, 853, 7000, tcpSYN|tcpACK, nil),
	}
	got := decodeBytes(t, pcapFile(t, layers.LinkTypeEthernet, frames...), input.Options{})
	conn := func(at int64, off int64) view {
		return view{Kind: "conn", At: ms(at), Client: cIP + ":50000", Server: sIP + ":853",
			Transport: "dot", RCode: 0, Offset: off}
	}
	want := []view{conn(0, recordOffset(frames, 0)), conn(100, recordOffset(frames, 6))}
	if diff := cmp.Diff(want, got.events); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}
