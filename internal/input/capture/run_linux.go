//go:build linux

package capture

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/afpacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/input/pcap"
)

// frameSize is tp_frame_size. TPACKET_V3 packs frames of any size into a
// block, so it only has to divide the block.
const frameSize = 4096

// Run opens the ring on the interface and passes its events to out until
// ctx is cancelled (nil) or the socket fails: the kernel reports an error
// on it when the interface is taken down or removed, and Run then returns
// an error (restarting the source is the caller's choice). ctx is checked
// at least once per PollTimeout. Run may be called again once it has
// returned; the counters go on from where they were. Runs must not overlap.
func (s *Source) Run(ctx context.Context, out input.Out) error {
	link, loopback, err := linkType(s.cfg.Interface)
	if err != nil {
		return fmt.Errorf("capture %s: %w", s.cfg.Interface, err)
	}
	prog, err := s.program(link, loopback)
	if err != nil {
		return fmt.Errorf("capture %s: %w", s.cfg.Interface, err)
	}
	tp, err := s.open(prog)
	if err != nil {
		return fmt.Errorf("capture %s: %w", s.cfg.Interface, err)
	}
	defer tp.Close()
	rr := &ringReader{tp: tp, every: s.cfg.PollTimeout}
	dec, err := pcap.NewPackets(rr, link, s.opts)
	if err != nil {
		return fmt.Errorf("capture %s: %w", s.cfg.Interface, err)
	}
	s.kernel.last = [3]uint32{}
	s.publish(dec)
	if s.opened != nil {
		s.opened()
	}
	err = s.loop(ctx, dec, out, func() { s.snapshot(tp, dec) })
	s.snapshot(tp, dec)
	s.prior = addCounts(dec.Counts(), s.prior)
	return err
}

// loop reads events until ctx ends or the ring fails. Whenever the ring
// has been read for PollTimeout, or a poll waited that long for nothing,
// it flushes out and takes a snapshot of the counters; after an empty
// poll it also moves the decoder's clock on.
func (s *Source) loop(ctx context.Context, dec *pcap.Decoder, out input.Out, snapshot func()) error {
	var ev event.Event
	for {
		err := dec.Next(&ev)
		switch {
		case err == nil:
			out.Event(&ev)
			continue
		case input.IsRecordError(err):
			out.Error(err)
			continue
		case errors.Is(err, afpacket.ErrTimeout):
			out.Flush()
			dec.Idle(s.now())
		case err == errTick:
			out.Flush()
		case errors.Is(err, afpacket.ErrPoll):
			out.Flush()
			return fmt.Errorf("capture %s: the socket reported an error (interface down or removed): %w", s.cfg.Interface, err)
		default:
			out.Flush()
			return fmt.Errorf("capture %s: read: %w", s.cfg.Interface, err)
		}
		snapshot()
		if ctx.Err() != nil {
			return nil
		}
	}
}

// snapshot reads the socket's statistics and publishes the counters.
func (s *Source) snapshot(tp *afpacket.TPacket, dec *pcap.Decoder) {
	if _, st, err := tp.SocketStats(); err == nil {
		s.kernel.add(uint32(st.Packets()), uint32(st.Drops()), uint32(st.QueueFreezes()))
	}
	s.publish(dec)
}

// program returns the filter to attach: Config.Filter or the built one,
// behind the loopback check on loopback.
func (s *Source) program(link layers.LinkType, loopback bool) ([]bpf.RawInstruction, error) {
	prog := s.filter
	if prog == nil {
		var err error
		if prog, err = DNSFilter(s.cfg.Ports, link, uint32(s.cfg.SnapLen)); err != nil {
			return nil, err
		}
	}
	if loopback {
		return dropOutgoing(prog)
	}
	return prog, nil
}

// open creates the ring and attaches the filter.
func (s *Source) open(prog []bpf.RawInstruction) (*afpacket.TPacket, error) {
	block := s.cfg.BlockKB << 10
	tp, err := afpacket.NewTPacket(
		afpacket.OptInterface(s.cfg.Interface),
		afpacket.TPacketVersion3,
		afpacket.OptFrameSize(frameSize),
		afpacket.OptBlockSize(block),
		afpacket.OptNumBlocks(s.cfg.RingMB<<20/block),
		afpacket.OptPollTimeout(s.cfg.PollTimeout),
	)
	if err != nil {
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
			return nil, fmt.Errorf("open AF_PACKET socket (needs CAP_NET_RAW): %w", err)
		}
		return nil, fmt.Errorf("open AF_PACKET ring: %w", err)
	}
	steps := []struct {
		what string
		on   bool
		do   func() error
	}{
		{"attach filter", true, func() error { return tp.SetBPF(prog) }},
		{"enable promiscuous mode", s.cfg.Promisc, func() error { return tp.SetPromiscuous(true) }},
		{"join fanout group", s.cfg.FanoutGroup > 0, func() error {
			return tp.SetFanout(afpacket.FanoutHashWithDefrag, uint16(s.cfg.FanoutGroup))
		}},
	}
	for _, st := range steps {
		if !st.on {
			continue
		}
		if err := st.do(); err != nil {
			tp.Close()
			return nil, fmt.Errorf("%s: %w", st.what, err)
		}
	}
	return tp, nil
}

// zeroCopyReader is the part of *afpacket.TPacket that ringReader uses.
type zeroCopyReader interface {
	ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
}

// errTick is ringReader's marker that PollTimeout of packet time went by
// since the last flush.
var errTick = errors.New("flush tick")

// ringReader is the pcap.PacketReader over the ring. Every PollTimeout of
// packet time it returns errTick once, holding the frame it just read for
// the next call, so that a busy interface is flushed as often as a quiet
// one without reading the clock per packet.
type ringReader struct {
	tp    zeroCopyReader
	every time.Duration
	last  time.Time // time of the frame that caused the last tick

	held bool
	data []byte
	ts   time.Time
	wire int
}

// ReadPacket returns the next frame; data stays valid until the next call
// (it points into the ring, whose block is released then).
func (r *ringReader) ReadPacket() ([]byte, time.Time, int, error) {
	if r.held {
		r.held = false
		return r.data, r.ts, r.wire, nil
	}
	data, ci, err := r.tp.ZeroCopyReadPacketData()
	if err != nil {
		return nil, time.Time{}, 0, err
	}
	if d := ci.Timestamp.Sub(r.last); d >= r.every || d < 0 {
		r.last = ci.Timestamp
		r.held, r.data, r.ts, r.wire = true, data, ci.Timestamp, ci.Length
		return nil, time.Time{}, 0, errTick
	}
	return data, ci.Timestamp, ci.Length, nil
}

// linkType maps the interface's hardware type to the link-layer header
// its frames carry on an AF_PACKET SOCK_RAW socket, and says whether it is
// a loopback interface.
func linkType(iface string) (link layers.LinkType, loopback bool, err error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, false, fmt.Errorf("socket for interface lookup: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq(iface)
	if err != nil {
		return 0, false, fmt.Errorf("interface name: %w", err)
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFHWADDR, ifr); err != nil {
		return 0, false, fmt.Errorf("interface %s: %w", iface, err)
	}
	switch hw := ifr.Uint16(); hw {
	case unix.ARPHRD_ETHER:
		return layers.LinkTypeEthernet, false, nil
	case unix.ARPHRD_LOOPBACK:
		return layers.LinkTypeEthernet, true, nil
	case unix.ARPHRD_NONE, unix.ARPHRD_RAWIP, unix.ARPHRD_PPP, unix.ARPHRD_TUNNEL, unix.ARPHRD_TUNNEL6:
		return layers.LinkTypeRaw, false, nil
	default:
		return 0, false, fmt.Errorf("interface %s has hardware type %d, which this capture does not read (Ethernet-like or raw IP only)", iface, hw)
	}
}
