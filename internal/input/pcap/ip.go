package pcap

import (
	"encoding/binary"
	"net/netip"
)

// IP protocol numbers and IPv6 extension headers.
const (
	protoTCP = 6
	protoUDP = 17

	ext6HopByHop = 0
	ext6Routing  = 43
	ext6Fragment = 44
	ext6AH       = 51
	ext6DestOpts = 60
	maxExt6      = 8
)

// TCP flag bits.
const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpRST = 0x04
	tcpACK = 0x10
)

// segment is the L3/L4 view of one packet.
type segment struct {
	src, dst netip.AddrPort
	proto    uint8
	payload  []byte
	flags    uint8  // TCP flags
	seq      uint32 // TCP sequence number
	short    bool   // the IP or UDP length says more bytes than were captured
	frag     fragment
}

// fragment describes an IP fragment (verdictFragment): where its data goes
// in the original datagram's payload.
type fragment struct {
	key  fragKey
	off  int
	more bool
	data []byte
	v6   bool
}

// fragKey identifies the datagram a fragment belongs to (RFC 791, RFC 8200).
type fragKey struct {
	src, dst netip.Addr
	id       uint32
	proto    uint8
}

// decodeIP fills s from an IP packet of the given version.
func decodeIP(b []byte, version int, s *segment) verdict {
	if version == 4 {
		return decodeIPv4(b, s)
	}
	return decodeIPv6(b, s)
}

func decodeIPv4(b []byte, s *segment) verdict {
	if len(b) < 20 {
		return verdictTruncated
	}
	ihl := int(b[0]&0x0f) * 4
	if b[0]>>4 != 4 || ihl < 20 {
		return verdictMalformed
	}
	if len(b) < ihl {
		return verdictTruncated
	}
	total := int(binary.BigEndian.Uint16(b[2:]))
	switch {
	case total == 0 && b[9] == protoTCP:
		// Segmentation offload leaves the length zero; trust the capture.
	case total < ihl:
		return verdictMalformed
	case total > len(b):
		s.short = true
	default:
		b = b[:total]
	}
	src, dst := netip.AddrFrom4([4]byte(b[12:16])), netip.AddrFrom4([4]byte(b[16:20]))
	if ff := binary.BigEndian.Uint16(b[6:]); ff&0x3fff != 0 {
		s.frag = fragment{key: fragKey{src, dst, uint32(binary.BigEndian.Uint16(b[4:])), b[9]},
			off: int(ff&0x1fff) * 8, more: ff&0x2000 != 0, data: b[ihl:]}
		return verdictFragment
	}
	return decodeTransport(b[9], b[ihl:], src, dst, s)
}

func decodeIPv6(b []byte, s *segment) verdict {
	if len(b) < 40 {
		return verdictTruncated
	}
	if b[0]>>4 != 6 {
		return verdictMalformed
	}
	src, dst := netip.AddrFrom16([16]byte(b[8:24])), netip.AddrFrom16([16]byte(b[24:40]))
	next, p := b[6], b[40:]
	if n := int(binary.BigEndian.Uint16(b[4:])); n > len(p) {
		s.short = true
	} else if n > 0 {
		p = p[:n]
	}
	return walkIPv6(next, p, src, dst, s)
}

// walkIPv6 skips IPv6 extension headers up to the transport header.
func walkIPv6(next uint8, p []byte, src, dst netip.Addr, s *segment) verdict {
	for range maxExt6 {
		var hlen int
		switch next {
		case ext6HopByHop, ext6Routing, ext6DestOpts:
			if len(p) < 2 {
				return verdictTruncated
			}
			hlen = (int(p[1]) + 1) * 8
		case ext6AH:
			if len(p) < 2 {
				return verdictTruncated
			}
			hlen = (int(p[1]) + 2) * 4
		case ext6Fragment:
			if len(p) < 8 {
				return verdictTruncated
			}
			if ff := binary.BigEndian.Uint16(p[2:]); ff&0xfff9 != 0 { // offset or more-fragments
				s.frag = fragment{key: fragKey{src, dst, binary.BigEndian.Uint32(p[4:]), p[0]},
					off: int(ff &^ 7), more: ff&1 != 0, data: p[8:], v6: true}
				return verdictFragment
			}
			hlen = 8
		default:
			return decodeTransport(next, p, src, dst, s)
		}
		if len(p) < hlen {
			return verdictTruncated
		}
		next, p = p[0], p[hlen:]
	}
	return verdictNotDNS
}

func decodeTransport(proto uint8, b []byte, src, dst netip.Addr, s *segment) verdict {
	s.proto = proto
	if proto != protoUDP && proto != protoTCP {
		return verdictNotDNS
	}
	if len(b) < 4 {
		return verdictTruncated
	}
	// Ports first, so a header cut short can still be told to be
	// uninteresting.
	s.src = netip.AddrPortFrom(src, binary.BigEndian.Uint16(b[0:]))
	s.dst = netip.AddrPortFrom(dst, binary.BigEndian.Uint16(b[2:]))
	switch proto {
	case protoUDP:
		if len(b) < 8 {
			return verdictTruncated
		}
		n := int(binary.BigEndian.Uint16(b[4:]))
		switch {
		case n > len(b):
			s.short = true
			s.payload = b[8:]
		case n >= 8:
			s.payload = b[8:n]
		default:
			s.payload = b[8:]
		}
		return verdictOK
	case protoTCP:
		if len(b) < 20 {
			return verdictTruncated
		}
		hlen := int(b[12]>>4) * 4
		if hlen < 20 {
			return verdictMalformed
		}
		if hlen > len(b) {
			return verdictTruncated
		}
		s.seq, s.flags, s.payload = binary.BigEndian.Uint32(b[4:]), b[13], b[hlen:]
	}
	return verdictOK
}
