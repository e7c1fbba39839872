package pcapgen

import (
	"bytes"
	"errors"
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"golang.org/x/net/dns/dnsmessage"
)

// packet is what the test reads back from one generated packet.
type packet struct {
	At      time.Duration
	Src     string
	Dst     string
	ID      uint16
	Name    string
	Answers int
}

func readBack(t *testing.T, file []byte) []packet {
	t.Helper()
	r, err := pcapgo.NewReader(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	var out []packet
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for {
		data, ci, err := r.ReadPacketData()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, parsePacket(t, data, ci.Timestamp.Sub(start)))
	}
}

// parsePacket decodes an Ethernet/IPv4 or IPv6/UDP/DNS frame by fixed
// offsets, as Write lays them out.
func parsePacket(t *testing.T, data []byte, at time.Duration) packet {
	t.Helper()
	ipLen, addrOff, addrLen := 20, 12, 4
	if layers.EthernetType(uint16(data[12])<<8|uint16(data[13])) == layers.EthernetTypeIPv6 {
		ipLen, addrOff, addrLen = 40, 8, 16
	}
	ip := data[14:]
	src, _ := netip.AddrFromSlice(ip[addrOff : addrOff+addrLen])
	dst, _ := netip.AddrFromSlice(ip[addrOff+addrLen : addrOff+2*addrLen])
	udp := ip[ipLen:]
	sport, dport := uint16(udp[0])<<8|uint16(udp[1]), uint16(udp[2])<<8|uint16(udp[3])
	var m dnsmessage.Message
	if err := m.Unpack(udp[8:]); err != nil {
		t.Fatal(err)
	}
	return packet{At: at, Src: netip.AddrPortFrom(src, sport).String(), Dst: netip.AddrPortFrom(dst, dport).String(),
		ID: m.Header.ID, Name: m.Questions[0].Name.String(), Answers: len(m.Answers)}
}

func TestWrite(t *testing.T) {
	var buf bytes.Buffer
	err := Write(&buf, Config{
		Pairs:   3,
		Clients: []netip.Addr{netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2")},
		Servers: []netip.Addr{netip.MustParseAddr("2001:db8::53")},
		Names:   []string{"a.example", "b.example."},
		QType:   uint16(dnsmessage.TypeAAAA),
		Answers: 2,
		RTT:     time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	q := func(i int, c, n string) packet {
		return packet{At: time.Duration(i) * time.Millisecond, Src: c, Dst: "[2001:db8::53]:53", ID: uint16(i), Name: n}
	}
	r := func(i int, c, n string) packet {
		return packet{At: time.Duration(i+1) * time.Millisecond, Src: "[2001:db8::53]:53", Dst: c, ID: uint16(i), Name: n, Answers: 2}
	}
	want := []packet{
		q(0, "[2001:db8::1]:1024", "a.example."), r(0, "[2001:db8::1]:1024", "a.example."),
		q(1, "[2001:db8::2]:1025", "b.example."), r(1, "[2001:db8::2]:1025", "b.example."),
		q(2, "[2001:db8::1]:1026", "a.example."), r(2, "[2001:db8::1]:1026", "a.example."),
	}
	if diff := cmp.Diff(want, readBack(t, buf.Bytes())); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestWriteErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"mixed families", Config{Pairs: 1, Clients: []netip.Addr{netip.MustParseAddr("2001:db8::1")}}},
		{"unsupported qtype", Config{Pairs: 1, QType: 16}},
		{"bad name", Config{Pairs: 1, Names: []string{"a..b"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := Write(io.Discard, tc.cfg); !errors.Is(err, ErrConfig) {
				t.Errorf("err = %v, want ErrConfig", err)
			}
		})
	}
}
