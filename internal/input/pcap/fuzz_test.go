package pcap

import (
	"bytes"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket/layers"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// realSeeds returns small captures from the shared corpora, when present.
func realSeeds(tb testing.TB) [][]byte {
	dir, ok := testutil.SharedDir()
	if !ok {
		return nil
	}
	var out [][]byte
	for _, rel := range []string{
		"suricata-verify-dns/tests/dns-tcp-ts-gap/input.pcap",
		"suricata-verify-dns/tests/dns/v2/dns-udp-eve-txt/input.pcap",
		"suricata-verify-dns/tests/dns/dns-forward-pointer/input.pcap",
		"zeek-btest-dns/traces/ipv6-fragmented-dns.pcap",
		"zeek-btest-dns/traces/dns/dns-invalid-names.pcap",
	} {
		if b, err := os.ReadFile(filepath.Join(dir, rel)); err == nil && len(b) < 64<<10 {
			out = append(out, b)
		}
	}
	return out
}

// checkDecoder reads d to the end. Every error must be a RecordError (the
// input is in memory, so there is no I/O failure) and every DNS event must
// say what it holds.
func checkDecoder(t *testing.T, d *Decoder) {
	var ev event.Event
	for guard := 0; guard < 1<<20; guard++ {
		err := d.Next(&ev)
		switch {
		case err == io.EOF:
			return
		case err != nil && !input.IsRecordError(err):
			t.Fatalf("Next returned a stream error for in-memory input: %v", err)
		case err == nil && ev.Kind == event.KindDNS && !ev.DNS.HasQuery && !ev.DNS.HasResponse:
			t.Fatalf("DNS event with neither query nor response: %+v", ev)
		}
	}
	t.Fatal("decoder does not reach io.EOF")
}

// FuzzDecodeFile feeds whole files.
func FuzzDecodeFile(f *testing.F) {
	q, r, _, _ := exchange(&testing.T{}, false)
	f.Add(pcapFile(f, layers.LinkTypeEthernet, frame{0, ether(etherIPv4, q)}, frame{1, ether(etherIPv4, r)}))
	f.Add(pcapngFile(f, layers.LinkTypeEthernet, frame{0, ether(etherIPv4, q)}))
	for _, b := range realSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, file []byte) {
		d, err := Open(bytes.NewReader(file), input.Options{Name: "fuzz.pcap", MaxPending: 8, MaxTCPStreams: 4})
		if err != nil {
			if !input.IsRecordError(err) {
				t.Fatalf("Open error is not a RecordError: %v", err)
			}
			return
		}
		checkDecoder(t, d)
	})
}

// FuzzPacket feeds single packets of any supported link type, each twice
// (so a query and its retransmission, or two TCP segments, meet).
func FuzzPacket(f *testing.F) {
	msg := dnsMsg(&testing.T{}, 7, "seed.test.", false, netip.Addr{})
	f.Add(uint16(layers.LinkTypeEthernet), ether(etherIPv4, ipv4(cIP, sIP, protoUDP, udp(1, 53, msg))))
	f.Add(uint16(layers.LinkTypeEthernet), vlan([]uint16{etherQinQ, etherVLAN}, etherIPv6,
		ipv6("2001:db8::1", "2001:db8::2", protoTCP, tcp(1, 53, 1, 0, tcpDNS(msg, msg)), ext6(ext6HopByHop))))
	f.Add(uint16(layers.LinkTypeLinuxSLL2), sll2(etherIPv4, ipv4(cIP, sIP, protoTCP, tcp(1, 853, 1, tcpSYN, nil))))
	f.Add(uint16(layers.LinkTypeNull), loopback(afINET, be, ipv4(cIP, sIP, protoUDP, udp(53, 1, msg))))
	f.Add(uint16(layers.LinkTypeRaw), ipv4(cIP, sIP, protoUDP, udp(1, 53, msg)))
	f.Fuzz(func(t *testing.T, link uint16, data []byte) {
		if _, _, v := network(layers.LinkType(link), nil); v == verdictUnsupported {
			return
		}
		file := pcapFile(t, layers.LinkType(link), frame{0, data}, frame{1, data})
		d, err := Open(bytes.NewReader(file), input.Options{Name: "fuzz.pcap"})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		checkDecoder(t, d)
	})
}
