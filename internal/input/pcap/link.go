package pcap

import (
	"encoding/binary"

	"github.com/gopacket/gopacket/layers"
)

// verdict says what became of a packet in the L2–L4 decoding.
type verdict uint8

const (
	verdictOK          verdict = iota
	verdictNotIP               // a frame that carries no IP (ARP, LLC, ...)
	verdictNotDNS              // IP, but not UDP/TCP on a port of interest
	verdictFragment            // an IP fragment; cannot be decoded alone
	verdictTruncated           // shorter than the headers it announces
	verdictMalformed           // a header that cannot be valid
	verdictUnsupported         // a link type this decoder does not read
)

// Link types read besides those named in gopacket's layers package: DLT_RAW
// as some BSDs number it.
const (
	linkTypeRawBSD12 layers.LinkType = 12
	linkTypeRawBSD14 layers.LinkType = 14
)

// EtherTypes and address families.
const (
	etherIPv4  = 0x0800
	etherIPv6  = 0x86dd
	etherVLAN  = 0x8100
	etherQinQ  = 0x88a8
	etherQinQ9 = 0x9100
	maxVLANs   = 4
	// maxLength8023 is the largest value of the EtherType field that is an
	// 802.3 length rather than a type.
	maxLength8023 = 1500

	afINET = 2
)

// network strips the link-layer header of a frame. It returns the IP packet
// and its IP version (4 or 6), or a verdict saying why there is none.
func network(link layers.LinkType, b []byte) ([]byte, int, verdict) {
	switch link {
	case layers.LinkTypeEthernet:
		if len(b) < 14 {
			return nil, 0, verdictTruncated
		}
		return etherPayload(binary.BigEndian.Uint16(b[12:]), b[14:])
	case layers.LinkTypeLinuxSLL:
		if len(b) < 16 {
			return nil, 0, verdictTruncated
		}
		return etherPayload(binary.BigEndian.Uint16(b[14:]), b[16:])
	case layers.LinkTypeLinuxSLL2:
		if len(b) < 20 {
			return nil, 0, verdictTruncated
		}
		return etherPayload(binary.BigEndian.Uint16(b[0:]), b[20:])
	case layers.LinkTypeFDDI:
		if len(b) < 13 {
			return nil, 0, verdictTruncated
		}
		return snapPayload(b[13:])
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		return loopbackPayload(link, b)
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6, linkTypeRawBSD12, linkTypeRawBSD14:
		return rawPayload(b)
	}
	return nil, 0, verdictUnsupported
}

// etherPayload follows 802.1Q and 802.1ad (QinQ) tags to the IP packet.
func etherPayload(etype uint16, b []byte) ([]byte, int, verdict) {
	for range maxVLANs {
		if etype != etherVLAN && etype != etherQinQ && etype != etherQinQ9 {
			break
		}
		if len(b) < 4 {
			return nil, 0, verdictTruncated
		}
		etype, b = binary.BigEndian.Uint16(b[2:]), b[4:]
	}
	switch {
	case etype == etherIPv4:
		return b, 4, verdictOK
	case etype == etherIPv6:
		return b, 6, verdictOK
	case etype <= maxLength8023:
		return snapPayload(b)
	}
	return nil, 0, verdictNotIP
}

// snapPayload reads an 802.2 LLC header with a SNAP extension (AA AA 03,
// three bytes of OUI, an EtherType), as carried by FDDI and by 802.3 frames
// that hold a length instead of an EtherType.
func snapPayload(b []byte) ([]byte, int, verdict) {
	if len(b) < 8 || b[0] != 0xaa || b[1] != 0xaa || b[2] != 0x03 {
		return nil, 0, verdictNotIP
	}
	etype := binary.BigEndian.Uint16(b[6:])
	if etype == etherIPv4 || etype == etherIPv6 || etype == etherVLAN {
		return etherPayload(etype, b[8:])
	}
	return nil, 0, verdictNotIP
}

// loopbackPayload reads the 4-byte address family header of BSD loopback
// captures: host byte order for LinkTypeNull (so either order is accepted),
// network order for LinkTypeLoop. IPv6 is 10, 24, 28 or 30 depending on the
// capturing system.
func loopbackPayload(link layers.LinkType, b []byte) ([]byte, int, verdict) {
	if len(b) < 4 {
		return nil, 0, verdictTruncated
	}
	af := binary.BigEndian.Uint32(b)
	if link == layers.LinkTypeNull && af > 0xffff {
		af = binary.LittleEndian.Uint32(b)
	}
	switch af {
	case afINET:
		return b[4:], 4, verdictOK
	case 10, 24, 28, 30:
		return b[4:], 6, verdictOK
	}
	return nil, 0, verdictNotIP
}

// rawPayload takes the IP version from the first nibble.
func rawPayload(b []byte) ([]byte, int, verdict) {
	if len(b) == 0 {
		return nil, 0, verdictTruncated
	}
	switch b[0] >> 4 {
	case 4:
		return b, 4, verdictOK
	case 6:
		return b, 6, verdictOK
	}
	return nil, 0, verdictMalformed
}
