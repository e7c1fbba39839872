package pcap

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gopacket/gopacket/layers"

	"github.com/dnsvigil/dnsvigil/internal/input"
)

func TestBadInput(t *testing.T) {
	q := udpFrame(t, 0, 1000, true, 1, "ok.test.")
	r := udpFrame(t, ms(1), 1000, false, 1, "ok.test.")
	garbage := []byte{0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08}
	badIP := frame{ms(1), ether(etherIPv4, append([]byte{0xf5}, make([]byte, 30)...))}
	badDNS := frame{ms(1), ether(etherIPv4, ipv4(cIP, sIP, protoUDP, udp(1001, 53, garbage)))}
	shortFrame := frame{ms(1), []byte{1, 2, 3, 4, 5, 6}}
	frag := frame{ms(1), ether(etherIPv4, ipv4(cIP, sIP, protoUDP, udp(1002, 53, garbage)))}
	frag.data[14+6] = 0x20 // more fragments
	frag6 := frame{ms(1), ether(etherIPv6, ipv6("2001:db8::1", "2001:db8::2", protoUDP, udp(1, 53, garbage),
		[]byte{ext6Fragment, 0, 0, 8, 0, 0, 0, 1}))}
	other := frame{ms(1), ether(etherIPv4, ipv4(cIP, sIP, protoUDP, udp(1003, 123, garbage)))}
	arp := frame{ms(1), ether(0x0806, make([]byte, 28))}
	cutTLS := frame{ms(1), ether(etherIPv4, ipv4(cIP, sIP, protoTCP, tcp(5000, 443, 1, 0, nil)[:12]))}

	full := pcapFile(t, layers.LinkTypeEthernet, q, r, q)
	ng := pcapngFile(t, layers.LinkTypeEthernet, q, r, q)
	lastBlock := int64(len(ng) - (32 + len(q.data) + (4-len(q.data)%4)%4))
	mid := pcapFile(t, layers.LinkTypeEthernet, q, badIP, badDNS, shortFrame, frag, frag6, other, arp, cutTLS, r)
	off := func(i int) int64 {
		return recordOffset([]frame{q, badIP, badDNS, shortFrame}, i)
	}
	tests := []struct {
		name   string
		file   []byte
		events int
		errs   []string
		counts map[string]int64
	}{{
		name:   "truncated inside the last packet",
		file:   full[:len(full)-7],
		events: 1,
		errs:   []string{"truncated file @" + itoa(recordOffset([]frame{q, r}, 2))},
	}, {
		name:   "truncated inside a record header",
		file:   full[:recordOffset([]frame{q, r}, 2)+5],
		events: 1,
		errs:   []string{"truncated file @" + itoa(recordOffset([]frame{q, r}, 2))},
	}, {
		name:   "pcapng truncated inside the last block",
		file:   ng[:len(ng)-9],
		events: 1,
		errs:   []string{"truncated file @" + itoa(lastBlock)},
	}, {
		name:   "garbage packets in the middle",
		file:   mid,
		events: 1,
		errs: []string{"malformed packet @" + itoa(off(1)), "malformed dns @" + itoa(off(2)),
			"truncated packet @" + itoa(off(3))},
		counts: map[string]int64{"ip fragments": 2, "non-dns packets": 2, "non-ip packets": 1,
			"malformed dns": 1, "truncated packets": 2, "packets": 10},
	}, {
		name: "record longer than any snap length",
		file: append(pcapFile(t, layers.LinkTypeEthernet, q),
			0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0x7f),
		events: 1,
		errs:   []string{"bad record header @" + itoa(recordOffset([]frame{q}, 1))},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := decodeBytes(t, tc.file, input.Options{})
			if len(got.events) != tc.events {
				t.Errorf("got %d events, want %d: %+v", len(got.events), tc.events, got.events)
			}
			if diff := cmp.Diff(tc.errs, got.errs); diff != "" {
				t.Errorf("record errors (-want +got):\n%s", diff)
			}
			for name, want := range tc.counts {
				if got.counts[name] != want {
					t.Errorf("count %q = %d, want %d", name, got.counts[name], want)
				}
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	random := make([]byte, 4096)
	for i := range random {
		random[i] = byte(i*7919 + i>>3)
	}
	tests := []struct {
		name   string
		file   []byte
		reason string
	}{
		{"random bytes", random, "bad file header"},
		{"empty", nil, "bad file header"},
		{"header cut short", pcapFile(t, layers.LinkTypeEthernet)[:10], "bad file header"},
		{"unsupported link type", pcapFile(t, layers.LinkTypeIEEE802_11), "unsupported link type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(bytes.NewReader(tc.file), input.Options{Name: "x.pcap"})
			var re *input.RecordError
			if !errors.As(err, &re) {
				t.Fatalf("Open error = %v, want a *input.RecordError", err)
			}
			got := []any{re.File, re.Offset, re.Reason}
			if diff := cmp.Diff([]any{"x.pcap", int64(0), tc.reason}, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestEmptyCapture(t *testing.T) {
	got := decodeBytes(t, pcapFile(t, layers.LinkTypeEthernet), input.Options{})
	if len(got.events)+len(got.errs) != 0 {
		t.Errorf("got %v %v, want nothing", got.events, got.errs)
	}
}

// TestAdversarialName checks that a query whose label holds a dot reaches
// the event with its label boundaries kept, and is counted as a fallback.
func TestAdversarialName(t *testing.T) {
	msg := []byte{0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0}
	msg = append(msg, 16)
	msg = append(msg, "attacker.example"...)
	msg = append(msg, 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1)
	f := frame{0, ether(etherIPv4, ipv4(cIP, sIP, protoUDP, udp(1000, 53, msg)))}
	got := decodeBytes(t, pcapFile(t, layers.LinkTypeEthernet, f), input.Options{})
	var names []string
	for _, v := range got.events {
		names = append(names, v.QName)
	}
	summary := []any{names, got.counts["dnsmessage fallbacks"]}
	if diff := cmp.Diff([]any{[]string{`attacker\.example.test`}, int64(1)}, summary); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
