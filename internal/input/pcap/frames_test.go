package pcap

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"golang.org/x/net/dns/dnsmessage"
)

// Hand-built frames for the synthetic tests. Checksums are left zero: the
// decoder does not verify them.

var be = binary.BigEndian

func ipv4(src, dst string, proto byte, payload []byte) []byte {
	b := make([]byte, 20, 20+len(payload))
	b[0], b[8], b[9] = 0x45, 64, proto
	be.PutUint16(b[2:], uint16(20+len(payload)))
	copy(b[12:], netip.MustParseAddr(src).AsSlice())
	copy(b[16:], netip.MustParseAddr(dst).AsSlice())
	return append(b, payload...)
}

// ipv6 builds an IPv6 packet; ext are extension headers given as
// (next header, body) pairs written in order before the payload.
func ipv6(src, dst string, proto byte, payload []byte, ext ...[]byte) []byte {
	b := make([]byte, 40)
	b[0], b[7] = 0x60, 64
	copy(b[8:], netip.MustParseAddr(src).AsSlice())
	copy(b[24:], netip.MustParseAddr(dst).AsSlice())
	next := proto
	for i := len(ext) - 1; i >= 0; i-- {
		h := append([]byte(nil), ext[i]...)
		h[0] = next
		next = ext[i][0]
		payload = append(h, payload...)
	}
	b[6] = next
	be.PutUint16(b[4:], uint16(len(payload)))
	return append(b, payload...)
}

// ext6 returns an 8-byte extension header of type typ (the first byte is
// the type until ipv6 replaces it with the next header).
func ext6(typ byte) []byte { return []byte{typ, 0, 1, 4, 0, 0, 0, 0} }

func udp(sport, dport uint16, payload []byte) []byte {
	b := make([]byte, 8, 8+len(payload))
	be.PutUint16(b[0:], sport)
	be.PutUint16(b[2:], dport)
	be.PutUint16(b[4:], uint16(8+len(payload)))
	return append(b, payload...)
}

func tcp(sport, dport uint16, seq uint32, flags byte, payload []byte) []byte {
	b := make([]byte, 20, 20+len(payload))
	be.PutUint16(b[0:], sport)
	be.PutUint16(b[2:], dport)
	be.PutUint32(b[4:], seq)
	b[12], b[13] = 5<<4, flags|tcpACK
	if flags&tcpSYN != 0 && flags&tcpACK == 0 {
		b[13] = flags
	}
	return append(b, payload...)
}

func ether(etype uint16, payload []byte) []byte {
	b := make([]byte, 14, 14+len(payload))
	copy(b, []byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1})
	be.PutUint16(b[12:], etype)
	return append(b, payload...)
}

// vlan builds an Ethernet frame with one 802.1Q/802.1ad tag per TPID, the
// outermost first, then the inner EtherType.
func vlan(tpids []uint16, inner uint16, payload []byte) []byte {
	var b []byte
	for i := range tpids {
		b = be.AppendUint16(b, uint16(100+i)) // VLAN id
		if i+1 < len(tpids) {
			b = be.AppendUint16(b, tpids[i+1])
		}
	}
	b = be.AppendUint16(b, inner)
	return ether(tpids[0], append(b, payload...))
}

// snap is an 802.2 LLC header with a SNAP extension naming etype.
func snap(etype uint16) []byte {
	return be.AppendUint16([]byte{0xaa, 0xaa, 0x03, 0, 0, 0}, etype)
}

func sll(etype uint16, payload []byte) []byte {
	b := make([]byte, 16, 16+len(payload))
	be.PutUint16(b[2:], 1) // ARPHRD_ETHER
	be.PutUint16(b[4:], 6)
	be.PutUint16(b[14:], etype)
	return append(b, payload...)
}

func sll2(etype uint16, payload []byte) []byte {
	b := make([]byte, 20, 20+len(payload))
	be.PutUint16(b[0:], etype)
	be.PutUint32(b[4:], 2) // interface index
	be.PutUint16(b[8:], 1)
	b[11] = 6
	return append(b, payload...)
}

func loopback(af uint32, order binary.AppendByteOrder, payload []byte) []byte {
	return append(order.AppendUint32(nil, af), payload...)
}

// dnsMsg builds a query, or a response with one A record when answer is
// valid.
func dnsMsg(t testing.TB, id uint16, name string, response bool, answer netip.Addr) []byte {
	t.Helper()
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: id, Response: response, RecursionDesired: true})
	b.EnableCompression()
	n := dnsmessage.MustNewName(name)
	must(t, b.StartQuestions())
	must(t, b.Question(dnsmessage.Question{Name: n, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}))
	if answer.IsValid() {
		must(t, b.StartAnswers())
		must(t, b.AResource(dnsmessage.ResourceHeader{Name: n, Class: dnsmessage.ClassINET, TTL: 60},
			dnsmessage.AResource{A: answer.As4()}))
	}
	msg, err := b.Finish()
	must(t, err)
	return msg
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// tcpDNS prefixes each message with its two-byte length.
func tcpDNS(msgs ...[]byte) []byte {
	var b []byte
	for _, m := range msgs {
		b = be.AppendUint16(b, uint16(len(m)))
		b = append(b, m...)
	}
	return b
}

// frame is one packet for a test capture.
type frame struct {
	at   time.Duration // since t0
	data []byte
}

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// pcapFile writes frames as a little-endian microsecond pcap.
func pcapFile(t testing.TB, link layers.LinkType, frames ...frame) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	must(t, w.WriteFileHeader(65535, link))
	for _, f := range frames {
		ci := gopacket.CaptureInfo{Timestamp: t0.Add(f.at), CaptureLength: len(f.data), Length: len(f.data)}
		must(t, w.WritePacket(ci, f.data))
	}
	return buf.Bytes()
}

// pcapFileOrder writes frames by hand in the given byte order with micro- or
// nanosecond timestamps.
func pcapFileOrder(order binary.AppendByteOrder, nano bool, link layers.LinkType, frames ...frame) []byte {
	magic := uint32(0xa1b2c3d4)
	if nano {
		magic = 0xa1b23c4d
	}
	b := order.AppendUint32(nil, magic)
	b = order.AppendUint16(b, 2)
	b = order.AppendUint16(b, 4)
	b = append(b, make([]byte, 8)...)
	b = order.AppendUint32(b, 65535)
	b = order.AppendUint32(b, uint32(link))
	for _, f := range frames {
		ts := t0.Add(f.at)
		frac := uint32(ts.Nanosecond())
		if !nano {
			frac /= 1000
		}
		b = order.AppendUint32(b, uint32(ts.Unix()))
		b = order.AppendUint32(b, frac)
		b = order.AppendUint32(b, uint32(len(f.data)))
		b = order.AppendUint32(b, uint32(len(f.data)))
		b = append(b, f.data...)
	}
	return b
}

// pcapngFile writes frames as pcapng with one interface.
func pcapngFile(t testing.TB, link layers.LinkType, frames ...frame) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := pcapgo.NewNgWriter(&buf, link)
	must(t, err)
	for _, f := range frames {
		ci := gopacket.CaptureInfo{Timestamp: t0.Add(f.at), CaptureLength: len(f.data), Length: len(f.data)}
		must(t, w.WritePacket(ci, f.data))
	}
	must(t, w.Flush())
	return buf.Bytes()
}

// ms is a duration in milliseconds.
func ms(n int64) time.Duration { return time.Duration(n) * time.Millisecond }

// recordOffset is the byte offset of record i in a pcap written by pcapFile.
func recordOffset(frames []frame, i int) int64 {
	off := int64(24)
	for _, f := range frames[:i] {
		off += 16 + int64(len(f.data))
	}
	return off
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
