// Package pcapgen writes synthetic pcap files of DNS query/response pairs
// over Ethernet and UDP. Tests and benchmarks across dnsvigil use it to get a
// capture of known content and any size without shipping binary fixtures.
package pcapgen

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"golang.org/x/net/dns/dnsmessage"
)

// Config describes the capture to write. Zero fields take the defaults
// listed on each.
type Config struct {
	// Pairs is the number of query/response pairs.
	Pairs int
	// Clients and Servers are used round robin; a client and the server it
	// is paired with must be of the same address family. Defaults:
	// 10.0.0.1 and 192.0.2.53.
	Clients []netip.Addr
	Servers []netip.Addr
	// Names are the query names, used round robin. Default www.example.com.
	Names []string
	// QType is the query type, A (1) or AAAA (28); answers carry addresses
	// of that type. Default A.
	QType uint16
	// Answers is the number of address records in each response. Default 1.
	Answers int
	// Start is the time of the first query. Default 2024-01-01T00:00:00Z.
	Start time.Time
	// Interval separates consecutive queries. Default 1ms.
	Interval time.Duration
	// RTT separates a query from its response, which is written right after
	// it. Default 200µs.
	RTT time.Duration
}

// ErrConfig is returned (wrapped) for an unusable Config.
var ErrConfig = errors.New("invalid pcapgen config")

func (c Config) withDefaults() Config {
	if len(c.Clients) == 0 {
		c.Clients = []netip.Addr{netip.MustParseAddr("10.0.0.1")}
	}
	if len(c.Servers) == 0 {
		c.Servers = []netip.Addr{netip.MustParseAddr("192.0.2.53")}
	}
	if len(c.Names) == 0 {
		c.Names = []string{"www.example.com"}
	}
	if c.QType == 0 {
		c.QType = uint16(dnsmessage.TypeA)
	}
	if c.Answers == 0 {
		c.Answers = 1
	}
	if c.Start.IsZero() {
		c.Start = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if c.Interval == 0 {
		c.Interval = time.Millisecond
	}
	if c.RTT == 0 {
		c.RTT = 200 * time.Microsecond
	}
	return c
}

// Write writes a pcap (microsecond timestamps, Ethernet link type) with
// cfg.Pairs query/response pairs to w. Pair i uses client i mod
// len(Clients), server i mod len(Servers), name i mod len(Names), client
// port 1024 + i mod 60000 and DNS id i mod 65536.
func Write(w io.Writer, cfg Config) error {
	cfg = cfg.withDefaults()
	if cfg.QType != uint16(dnsmessage.TypeA) && cfg.QType != uint16(dnsmessage.TypeAAAA) {
		return fmt.Errorf("%w: qtype %d is neither A nor AAAA", ErrConfig, cfg.QType)
	}
	for _, n := range cfg.Names {
		name, err := dnsmessage.NewName(fqdn(n))
		if err == nil {
			_, err = dnsQuestion{name: name, qtype: dnsmessage.TypeA}.query(nil)
		}
		if err != nil {
			return fmt.Errorf("%w: name %q: %w", ErrConfig, n, err)
		}
	}
	pw := pcapgo.NewWriter(w)
	if err := pw.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		return fmt.Errorf("write pcap header: %w", err)
	}
	var g generator
	for i := range cfg.Pairs {
		if err := g.pair(pw, cfg, i); err != nil {
			return err
		}
	}
	return nil
}

// generator holds the buffers reused from packet to packet.
type generator struct {
	buf gopacket.SerializeBuffer
	msg []byte
}

func (g *generator) pair(pw *pcapgo.Writer, cfg Config, i int) error {
	client, server := cfg.Clients[i%len(cfg.Clients)], cfg.Servers[i%len(cfg.Servers)]
	if client.Is4() != server.Is4() {
		return fmt.Errorf("%w: client %s and server %s differ in address family", ErrConfig, client, server)
	}
	name, err := dnsmessage.NewName(fqdn(cfg.Names[i%len(cfg.Names)]))
	if err != nil {
		return fmt.Errorf("%w: name %q: %w", ErrConfig, cfg.Names[i%len(cfg.Names)], err)
	}
	cport, at := uint16(1024+i%60000), cfg.Start.Add(time.Duration(i)*cfg.Interval)
	q := dnsQuestion{id: uint16(i), name: name, qtype: dnsmessage.Type(cfg.QType)}
	if g.msg, err = q.query(g.msg[:0]); err != nil {
		return err
	}
	if err := g.write(pw, at, netip.AddrPortFrom(client, cport), netip.AddrPortFrom(server, 53)); err != nil {
		return err
	}
	if g.msg, err = q.response(g.msg[:0], cfg.Answers, i); err != nil {
		return err
	}
	return g.write(pw, at.Add(cfg.RTT), netip.AddrPortFrom(server, 53), netip.AddrPortFrom(client, cport))
}

func fqdn(s string) string {
	if len(s) > 0 && s[len(s)-1] == '.' {
		return s
	}
	return s + "."
}

// write frames g.msg in Ethernet, IP and UDP and writes the packet.
func (g *generator) write(pw *pcapgo.Writer, at time.Time, src, dst netip.AddrPort) error {
	if g.buf == nil {
		g.buf = gopacket.NewSerializeBuffer()
	}
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}}
	udp := &layers.UDP{SrcPort: layers.UDPPort(src.Port()), DstPort: layers.UDPPort(dst.Port())}
	var ip gopacket.SerializableLayer
	if src.Addr().Is4() {
		eth.EthernetType = layers.EthernetTypeIPv4
		v4 := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP,
			SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
		_ = udp.SetNetworkLayerForChecksum(v4)
		ip = v4
	} else {
		eth.EthernetType = layers.EthernetTypeIPv6
		v6 := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolUDP,
			SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
		_ = udp.SetNetworkLayerForChecksum(v6)
		ip = v6
	}
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(g.buf, opts, eth, ip, udp, gopacket.Payload(g.msg)); err != nil {
		return fmt.Errorf("serialize packet: %w", err)
	}
	data := g.buf.Bytes()
	ci := gopacket.CaptureInfo{Timestamp: at, CaptureLength: len(data), Length: len(data)}
	if err := pw.WritePacket(ci, data); err != nil {
		return fmt.Errorf("write packet: %w", err)
	}
	return nil
}

// dnsQuestion is the question shared by a generated query and its response.
type dnsQuestion struct {
	id    uint16
	name  dnsmessage.Name
	qtype dnsmessage.Type
}

func (q dnsQuestion) header(response bool) dnsmessage.Header {
	return dnsmessage.Header{ID: q.id, Response: response, RecursionDesired: true, RecursionAvailable: response}
}

func (q dnsQuestion) start(buf []byte, response bool) (dnsmessage.Builder, error) {
	b := dnsmessage.NewBuilder(buf, q.header(response))
	b.EnableCompression()
	if err := b.StartQuestions(); err != nil {
		return b, fmt.Errorf("build dns message: %w", err)
	}
	err := b.Question(dnsmessage.Question{Name: q.name, Type: q.qtype, Class: dnsmessage.ClassINET})
	if err != nil {
		return b, fmt.Errorf("build dns question: %w", err)
	}
	return b, nil
}

// query appends the wire form of the query to buf.
func (q dnsQuestion) query(buf []byte) ([]byte, error) {
	b, err := q.start(buf, false)
	if err != nil {
		return buf, err
	}
	return finish(&b)
}

// response appends a response with n address records to buf; pair number i
// picks the addresses (198.51.100.0/24 or 2001:db8::/64).
func (q dnsQuestion) response(buf []byte, n, i int) ([]byte, error) {
	b, err := q.start(buf, true)
	if err != nil {
		return buf, err
	}
	if err := b.StartAnswers(); err != nil {
		return buf, fmt.Errorf("build dns answers: %w", err)
	}
	h := dnsmessage.ResourceHeader{Name: q.name, Type: q.qtype, Class: dnsmessage.ClassINET, TTL: 300}
	for j := range n {
		host := byte(i+j) | 1
		if q.qtype == dnsmessage.TypeAAAA {
			err = b.AAAAResource(h, dnsmessage.AAAAResource{AAAA: [16]byte{0x20, 0x01, 0x0d, 0xb8, 15: host}})
		} else {
			err = b.AResource(h, dnsmessage.AResource{A: [4]byte{198, 51, 100, host}})
		}
		if err != nil {
			return buf, fmt.Errorf("build dns answer: %w", err)
		}
	}
	return finish(&b)
}

func finish(b *dnsmessage.Builder) ([]byte, error) {
	msg, err := b.Finish()
	if err != nil {
		return nil, fmt.Errorf("finish dns message: %w", err)
	}
	return msg, nil
}
