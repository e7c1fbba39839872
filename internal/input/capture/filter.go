package capture

import (
	"errors"
	"fmt"
	"slices"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// MaxPorts caps Config.Ports: the built filter compares each port twice and
// a classic BPF conditional jump skips at most 255 instructions.
const MaxPorts = 64

// Header fields the filter reads.
const (
	etherTypeIPv4   = 0x0800
	etherTypeIPv6   = 0x86dd
	etherTypeVLAN   = 0x8100
	etherTypeQinQ   = 0x88a8
	protoTCP        = 6
	protoUDP        = 17
	protoFragment6  = 44
	ipv4FragOffset  = 0x1fff // fragment offset bits of the IPv4 flags/offset field
	ipv6FragOffset  = 0xfff8 // fragment offset bits of the IPv6 fragment header
	ipv6HeaderLen   = 40
	fragHeaderLen   = 8
	ethernetHdrLen  = 14
	vlanTagLen      = 4
	ipVersionMask   = 0xf0
	ipVersion4Octet = 0x40
	ipVersion6Octet = 0x60
)

// DNSFilter builds the classic BPF program that keeps the frames the
// decoder can use and drops the rest in the kernel, so that other traffic
// costs neither ring space nor a wake-up. It accepts:
//
//   - IPv4 and IPv6 carrying UDP or TCP whose source or destination port is
//     one of ports;
//   - IPv4 fragments after the first of any UDP or TCP datagram (they carry
//     no ports; the decoder reassembles the datagram and keeps it only when
//     its ports match), and IPv6 fragments likewise, where the fragment
//     header directly follows the IPv6 header;
//   - for Ethernet, frames with one 802.1Q or 802.1ad tag left in the data.
//     On receive the kernel usually moves the tag into the packet's
//     metadata before the filter runs, so tagged traffic is then filtered,
//     and decoded, as untagged.
//
// It drops IPv6 packets whose transport header sits behind other extension
// headers (hop-by-hop, routing, destination options), frames with two VLAN
// tags in the data, and everything else. link is the interface's link type:
// Ethernet (loopback included) or Raw (IP with no link header, as on tun
// and WireGuard devices). An accepted frame is cut to snapLen bytes.
func DNSFilter(ports []uint16, link layers.LinkType, snapLen uint32) ([]bpf.RawInstruction, error) {
	ins, err := dnsFilter(ports, link, snapLen)
	if err != nil {
		return nil, err
	}
	raw, err := bpf.Assemble(ins)
	if err != nil {
		return nil, fmt.Errorf("assemble filter: %w", err)
	}
	return raw, nil
}

// dnsFilter is DNSFilter before assembly.
func dnsFilter(ports []uint16, link layers.LinkType, snapLen uint32) ([]bpf.Instruction, error) {
	ports = slices.Compact(slices.Sorted(slices.Values(ports)))
	switch {
	case len(ports) == 0:
		return nil, errors.New("no ports to filter on")
	case len(ports) > MaxPorts:
		return nil, fmt.Errorf("%d ports, at most %d", len(ports), MaxPorts)
	case ports[0] == 0:
		return nil, errors.New("port 0 is not valid")
	case snapLen == 0:
		return nil, errors.New("snap length must be positive")
	}
	b := &builder{labels: map[string]int{}}
	switch link {
	case layers.LinkTypeEthernet:
		b.ethernet()
	case layers.LinkTypeRaw:
		b.emit(bpf.LoadAbsolute{Off: 0, Size: 1})
		b.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: ipVersionMask})
		b.jump(bpf.JumpEqual, ipVersion4Octet, "ip4@0", "")
		b.jump(bpf.JumpEqual, ipVersion6Octet, "ip6@0", "drop")
		b.ipv4(0)
		b.ipv6(0)
	default:
		return nil, fmt.Errorf("no filter for link type %s", link)
	}
	b.ports(ports)
	b.label("drop")
	b.emit(bpf.RetConstant{Val: 0})
	b.label("accept")
	b.emit(bpf.RetConstant{Val: snapLen})
	if err := b.resolve(); err != nil {
		return nil, err
	}
	return b.ins, nil
}

// ethernet dispatches on the EtherType, behind at most one VLAN tag.
func (b *builder) ethernet() {
	b.emit(bpf.LoadAbsolute{Off: 12, Size: 2})
	b.jump(bpf.JumpEqual, etherTypeIPv4, "ip4@14", "")
	b.jump(bpf.JumpEqual, etherTypeIPv6, "ip6@14", "")
	b.jump(bpf.JumpEqual, etherTypeVLAN, "vlan", "")
	b.jump(bpf.JumpEqual, etherTypeQinQ, "vlan", "drop")
	b.label("vlan")
	b.emit(bpf.LoadAbsolute{Off: 16, Size: 2})
	b.jump(bpf.JumpEqual, etherTypeIPv4, "ip4@18", "")
	b.jump(bpf.JumpEqual, etherTypeIPv6, "ip6@18", "drop")
	b.ipv4(ethernetHdrLen)
	b.ipv6(ethernetHdrLen)
	b.ipv4(ethernetHdrLen + vlanTagLen)
	b.ipv6(ethernetHdrLen + vlanTagLen)
}

// ipv4 checks an IPv4 header at offset l: UDP or TCP, then a later
// fragment is accepted and a whole datagram or first fragment goes to the
// port check with X at its transport header.
func (b *builder) ipv4(l uint32) {
	b.label(fmt.Sprint("ip4@", l))
	b.emit(bpf.LoadAbsolute{Off: l + 9, Size: 1})
	b.jump(bpf.JumpEqual, protoUDP, fmt.Sprint("ip4ok@", l), "")
	b.jump(bpf.JumpEqual, protoTCP, "", "drop")
	b.label(fmt.Sprint("ip4ok@", l))
	b.emit(bpf.LoadAbsolute{Off: l + 6, Size: 2})
	b.jump(bpf.JumpBitsSet, ipv4FragOffset, "accept", "")
	b.emit(bpf.LoadMemShift{Off: l})
	b.emit(bpf.TXA{})
	b.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: l})
	b.emit(bpf.TAX{})
	b.goTo("ports")
}

// ipv6 checks an IPv6 header at offset l: UDP or TCP directly, or behind a
// fragment header (later fragments accepted, the first one checked).
func (b *builder) ipv6(l uint32) {
	b.label(fmt.Sprint("ip6@", l))
	b.emit(bpf.LoadAbsolute{Off: l + 6, Size: 1})
	b.jump(bpf.JumpEqual, protoUDP, fmt.Sprint("ip6t@", l), "")
	b.jump(bpf.JumpEqual, protoTCP, fmt.Sprint("ip6t@", l), "")
	b.jump(bpf.JumpEqual, protoFragment6, "", "drop")
	b.emit(bpf.LoadAbsolute{Off: l + ipv6HeaderLen, Size: 1})
	b.jump(bpf.JumpEqual, protoUDP, fmt.Sprint("ip6f@", l), "")
	b.jump(bpf.JumpEqual, protoTCP, "", "drop")
	b.label(fmt.Sprint("ip6f@", l))
	b.emit(bpf.LoadAbsolute{Off: l + ipv6HeaderLen + 2, Size: 2})
	b.jump(bpf.JumpBitsSet, ipv6FragOffset, "accept", "")
	b.emit(bpf.LoadConstant{Dst: bpf.RegX, Val: l + ipv6HeaderLen + fragHeaderLen})
	b.goTo("ports")
	b.label(fmt.Sprint("ip6t@", l))
	b.emit(bpf.LoadConstant{Dst: bpf.RegX, Val: l + ipv6HeaderLen})
	b.goTo("ports")
}

// ports accepts when the source or destination port at X is in ports.
func (b *builder) ports(ports []uint16) {
	b.label("ports")
	for i, off := range []uint32{0, 2} {
		b.emit(bpf.LoadIndirect{Off: off, Size: 2})
		for j, p := range ports {
			no := ""
			if i == 1 && j == len(ports)-1 {
				no = "drop"
			}
			b.jump(bpf.JumpEqual, uint32(p), "accept", no)
		}
	}
}

// builder assembles a program with symbolic jump targets.
type builder struct {
	ins    []bpf.Instruction
	labels map[string]int
	jumps  []target
}

// target is a jump waiting for its labels; "" is the next instruction.
type target struct {
	at      int
	yes, no string
}

func (b *builder) emit(i bpf.Instruction) { b.ins = append(b.ins, i) }

func (b *builder) label(name string) { b.labels[name] = len(b.ins) }

// jump emits a conditional jump to yes when the test holds, else to no.
func (b *builder) jump(cond bpf.JumpTest, val uint32, yes, no string) {
	b.jumps = append(b.jumps, target{at: len(b.ins), yes: yes, no: no})
	b.emit(bpf.JumpIf{Cond: cond, Val: val})
}

// goTo emits an unconditional jump.
func (b *builder) goTo(label string) {
	b.jumps = append(b.jumps, target{at: len(b.ins), yes: label})
	b.emit(bpf.Jump{})
}

// resolve turns labels into forward skips.
func (b *builder) resolve() error {
	for _, j := range b.jumps {
		yes, err := b.skip(j.at, j.yes)
		if err != nil {
			return err
		}
		no, err := b.skip(j.at, j.no)
		if err != nil {
			return err
		}
		switch in := b.ins[j.at].(type) {
		case bpf.Jump:
			in.Skip = yes
			b.ins[j.at] = in
		case bpf.JumpIf:
			if yes > 255 || no > 255 {
				return fmt.Errorf("filter too long: a jump at instruction %d skips more than 255", j.at)
			}
			in.SkipTrue, in.SkipFalse = uint8(yes), uint8(no)
			b.ins[j.at] = in
		}
	}
	return nil
}

func (b *builder) skip(at int, label string) (uint32, error) {
	if label == "" {
		return 0, nil
	}
	to, ok := b.labels[label]
	if !ok || to <= at {
		return 0, fmt.Errorf("filter: bad jump from %d to %q", at, label)
	}
	return uint32(to - at - 1), nil
}

// packetOutgoing is PACKET_OUTGOING, the packet type of a frame this host
// sends.
const packetOutgoing = 4

// dropOutgoing puts in front of prog a check that drops the frames this
// host sends. On loopback the kernel shows every frame twice, once sent and
// once received; like libpcap, the capture keeps only the received copy, so
// that a query does not look retransmitted. The check reads the packet type
// the kernel attaches (SKF_AD_PKTTYPE), not the frame.
func dropOutgoing(prog []bpf.RawInstruction) ([]bpf.RawInstruction, error) {
	pre, err := bpf.Assemble([]bpf.Instruction{
		bpf.LoadExtension{Num: bpf.ExtType},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: packetOutgoing, SkipFalse: 1},
		bpf.RetConstant{Val: 0},
	})
	if err != nil {
		return nil, fmt.Errorf("assemble loopback check: %w", err)
	}
	if len(pre)+len(prog) > maxInstructions {
		return nil, fmt.Errorf("filter of %d instructions too long for loopback (at most %d)", len(prog), maxInstructions-len(pre))
	}
	return append(pre, prog...), nil
}
