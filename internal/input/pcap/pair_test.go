package pcap

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gopacket/gopacket/layers"

	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/input/pcap/pcapgen"
)

// udpFrame is a UDP DNS packet from client port cport to the server or back.
func udpFrame(t *testing.T, at time.Duration, cport uint16, toServer bool, id uint16, name string) frame {
	var msg []byte
	if toServer {
		msg = dnsMsg(t, id, name, false, netip.Addr{})
		return frame{at, ether(etherIPv4, ipv4(cIP, sIP, protoUDP, udp(cport, 53, msg)))}
	}
	msg = dnsMsg(t, id, name, true, netip.MustParseAddr("192.0.2.9"))
	return frame{at, ether(etherIPv4, ipv4(sIP, cIP, protoUDP, udp(53, cport, msg)))}
}

// brief is the part of an event the pairing tests compare.
type brief struct {
	At       time.Duration
	ID       uint16
	Query    bool
	Response bool
}

func TestPairing(t *testing.T) {
	q := func(at time.Duration, port, id uint16) frame { return udpFrame(t, at, port, true, id, "p.test.") }
	r := func(at time.Duration, port, id uint16) frame { return udpFrame(t, at, port, false, id, "p.test.") }
	tests := []struct {
		name   string
		opts   input.Options
		frames []frame
		want   []brief
		counts map[string]int64
	}{{
		name:   "query and response pair",
		frames: []frame{q(0, 1000, 1), r(ms(5), 1000, 1)},
		want:   []brief{{0, 1, true, true}},
	}, {
		name:   "response to another port or id does not pair",
		frames: []frame{q(0, 1000, 1), r(ms(5), 1001, 1), r(ms(6), 1000, 2)},
		want:   []brief{{ms(5), 1, false, true}, {ms(6), 2, false, true}, {0, 1, true, false}},
		counts: map[string]int64{"responses without query": 2, "unanswered queries": 1},
	}, {
		name: "an unanswered query leaves once event time passes its deadline",
		opts: input.Options{PairTimeout: 5 * time.Second},
		frames: []frame{q(0, 1000, 1), q(time.Second, 1001, 2), r(1100*time.Millisecond, 1001, 2),
			q(10*time.Second, 1002, 3)},
		want: []brief{{time.Second, 2, true, true}, {0, 1, true, false}, {10 * time.Second, 3, true, false}},
	}, {
		name:   "a response after the timeout is alone",
		opts:   input.Options{PairTimeout: time.Second},
		frames: []frame{q(0, 1000, 1), q(2*time.Second, 1001, 2), r(2100*time.Millisecond, 1000, 1)},
		want:   []brief{{0, 1, true, false}, {2100 * time.Millisecond, 1, false, true}, {2 * time.Second, 2, true, false}},
	}, {
		// Captures written in query order put a slow response right after its
		// query: the response's own late time must not expire that query.
		name:   "a slow response read next to its query pairs",
		opts:   input.Options{PairTimeout: time.Second},
		frames: []frame{q(0, 1000, 1), r(9*time.Second, 1000, 1), q(ms(10), 1001, 2), r(ms(20), 1001, 2)},
		want:   []brief{{0, 1, true, true}, {ms(10), 2, true, true}},
	}, {
		name:   "a repeated query sends the first one out alone",
		frames: []frame{q(0, 1000, 1), q(ms(500), 1000, 1), r(ms(600), 1000, 1)},
		want:   []brief{{0, 1, true, false}, {ms(500), 1, true, true}},
		counts: map[string]int64{"repeated queries": 1},
	}, {
		name:   "a full table evicts the oldest query",
		opts:   input.Options{MaxPending: 2},
		frames: []frame{q(0, 1000, 1), q(ms(1), 1001, 2), q(ms(2), 1002, 3), r(ms(3), 1001, 2)},
		want:   []brief{{0, 1, true, false}, {ms(1), 2, true, true}, {ms(2), 3, true, false}},
		counts: map[string]int64{"pending queries evicted": 1, "unanswered queries": 1},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := decodeBytes(t, pcapFile(t, layers.LinkTypeEthernet, tc.frames...), tc.opts)
			var briefs []brief
			for _, v := range got.events {
				briefs = append(briefs, brief{v.At, v.ID, v.Query, v.Response})
			}
			if diff := cmp.Diff(tc.want, briefs); diff != "" {
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

// TestPairingKeepsNames checks that the name of a query kept pending is
// intact when it is emitted after many other messages went through the
// parser's buffers.
func TestPairingKeepsNames(t *testing.T) {
	frames := []frame{udpFrame(t, 0, 999, true, 1, "first.kept.test.")}
	for i := range 50 {
		at := ms(int64(1 + i))
		frames = append(frames, udpFrame(t, at, uint16(2000+i), true, uint16(i), "other.test."),
			udpFrame(t, at, uint16(2000+i), false, uint16(i), "other.test."))
	}
	got := decodeBytes(t, pcapFile(t, layers.LinkTypeEthernet, frames...), input.Options{})
	last := got.events[len(got.events)-1]
	if diff := cmp.Diff("first.kept.test", last.QName); diff != "" || !last.Query || last.Response {
		t.Errorf("last event = %+v, want the unanswered first query (-want +got):\n%s", last, diff)
	}
}

// TestGeneratedCapture decodes a pcapgen capture: every query must come back
// paired with its response, with the name and answers it was written with.
func TestGeneratedCapture(t *testing.T) {
	var buf bytes.Buffer
	cfg := pcapgen.Config{Pairs: 1000, Answers: 2, Names: []string{"a.gen.test", "b.gen.test", "c.gen.test"},
		Clients: []netip.Addr{netip.MustParseAddr("10.9.0.1"), netip.MustParseAddr("10.9.0.2")}}
	must(t, pcapgen.Write(&buf, cfg))
	got := decodeBytes(t, buf.Bytes(), input.Options{})
	names := map[string]int{}
	for _, v := range got.events {
		if !v.Query || !v.Response || len(v.Answers) != 2 || v.RTT != 200*time.Microsecond {
			t.Fatalf("event not a full exchange: %+v", v)
		}
		names[v.QName]++
	}
	if diff := cmp.Diff(map[string]int{"a.gen.test": 334, "b.gen.test": 333, "c.gen.test": 333}, names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
}
