// Package capture is the live capture source of `dnsvigil serve`: DNS read
// straight off a network interface through an AF_PACKET TPACKET_V3 ring, in
// pure Go (no libpcap, no cgo).
//
// A classic BPF filter, built in Go from the configured ports (or given as
// `tcpdump -ddd` text), runs in the kernel so that only DNS, DoT and IP
// fragments reach the ring. Frames are decoded by package pcap's decoder,
// the same code that reads capture files: queries paired with responses,
// DNS over TCP reassembled, one connection event per DoT connection.
//
// What is seen: DNS over UDP and TCP on the configured ports, in clear;
// DNS over TLS (port 853) as connections only, since its content is
// encrypted. What is not: DNS over HTTPS is ordinary HTTPS on port 443 and
// cannot be told apart at this layer; DNS over QUIC is not decoded.
//
// Live capture needs Linux and CAP_NET_RAW. On other systems Run returns an
// error.
package capture

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"

	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/input/pcap"
)

// Config configures one capture. Start from DefaultConfig.
type Config struct {
	// Interface is the network interface to capture on ("eth0", "lo").
	// Required. Its link type must be Ethernet-like (Ethernet, loopback)
	// or raw IP (tun, WireGuard, PPP, IP-in-IP tunnels).
	Interface string `yaml:"interface"`
	// Ports are the UDP/TCP ports kept by the built filter, and the ports
	// decoded as DNS except 853, whose TCP connections are reported as DoT
	// connections. Default [53, 853]; at most MaxPorts.
	Ports []uint16 `yaml:"ports"`
	// Filter, when set, replaces the built filter: a classic BPF program
	// as `tcpdump -i IFACE -ddd 'expression'` prints it (count line, then
	// "code jt jf k" lines). It sees frames as the interface delivers
	// them, so compile it for that interface. Ports still chooses what is
	// decoded.
	Filter string `yaml:"filter"`
	// SnapLen is the number of bytes kept of each frame by the built
	// filter; a DNS message cut short is counted as a truncated packet.
	// Default 262144. With Filter, the program's return value decides.
	SnapLen int `yaml:"snap_len"`
	// RingMB is the size of the ring shared with the kernel, in MiB; when
	// it is full the kernel drops frames and counts them. Default 32.
	RingMB int `yaml:"ring_mb"`
	// BlockKB is the size of one ring block in KiB, a power of two of at
	// least 64 that divides the ring and holds one whole frame of SnapLen
	// bytes. The kernel hands the ring over a block at a time: when the
	// block is full or 64 ms after its first frame. Default 1024.
	BlockKB int `yaml:"block_kb"`
	// Promisc puts the interface in promiscuous mode while the capture
	// runs, to see traffic not addressed to this host (a mirror port).
	Promisc bool `yaml:"promisc"`
	// FanoutGroup, from 1 to 65535, joins a PACKET_FANOUT group: the
	// sockets of every process with the same group share the interface's
	// traffic, split by flow (both directions of a flow go to the same
	// socket, and the kernel reassembles IP fragments first). 0 (the
	// default) captures alone.
	FanoutGroup int `yaml:"fanout_group"`
	// PollTimeout is how long a read waits for the next block. Each time
	// it passes with nothing read, buffered events are flushed and the
	// decoder's clock moves on to the wall clock, so that unanswered
	// queries come out after pair_timeout. Default 100ms.
	PollTimeout time.Duration `yaml:"poll_timeout"`
}

// DefaultConfig returns the defaults. Interface has no default.
func DefaultConfig() Config {
	return Config{
		Ports:       []uint16{53, pcap.DoTPort},
		SnapLen:     262144,
		RingMB:      32,
		BlockKB:     1024,
		PollTimeout: 100 * time.Millisecond,
	}
}

// Validate reports every problem in c, one error each, prefixed with at,
// the key path of this section ("serve.capture").
func (c Config) Validate(at string) []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s.%s: %s", at, key, fmt.Sprintf(format, args...)))
	}
	if c.Interface == "" {
		bad("interface", "must name the interface to capture on")
	}
	if len(c.Ports) == 0 || len(c.Ports) > MaxPorts {
		bad("ports", "must list 1 to %d ports, got %d", MaxPorts, len(c.Ports))
	}
	for i, p := range c.Ports {
		if p == 0 {
			bad(fmt.Sprintf("ports[%d]", i), "port 0 is not valid")
		}
	}
	if c.Filter != "" {
		if _, err := ParseProgram(c.Filter); err != nil {
			bad("filter", "%v", err)
		}
	}
	block := c.BlockKB << 10
	if c.SnapLen < 256 || c.SnapLen > 1<<20 {
		bad("snap_len", "must be between 256 and 1048576, got %d", c.SnapLen)
	}
	if c.BlockKB < 64 || c.BlockKB > 1<<16 || c.BlockKB&(c.BlockKB-1) != 0 {
		bad("block_kb", "must be a power of two from 64 to 65536, got %d", c.BlockKB)
	} else if block < c.SnapLen+blockOverhead {
		bad("block_kb", "a block of %d KiB cannot hold a frame of snap_len %d", c.BlockKB, c.SnapLen)
	}
	if c.RingMB < 1 || c.RingMB > 1<<16 {
		bad("ring_mb", "must be between 1 and 65536, got %d", c.RingMB)
	} else if c.BlockKB > 0 && (c.RingMB<<10)%c.BlockKB != 0 {
		bad("ring_mb", "must be a multiple of block_kb (%d KiB), got %d MiB", c.BlockKB, c.RingMB)
	}
	if c.FanoutGroup < 0 || c.FanoutGroup > 65535 {
		bad("fanout_group", "must be between 0 (off) and 65535, got %d", c.FanoutGroup)
	}
	if c.PollTimeout < time.Millisecond || c.PollTimeout > 10*time.Second {
		bad("poll_timeout", "must be between 1ms and 10s, got %v", c.PollTimeout)
	}
	return errs
}

// blockOverhead is room in a block for its header and one frame's headers
// (struct tpacket_block_desc, struct tpacket3_hdr, struct sockaddr_ll and
// alignment), rounded up.
const blockOverhead = 256

// Source captures DNS on one interface. It implements input.Source and
// input.Counter.
type Source struct {
	cfg    Config
	opts   input.Options
	filter []bpf.RawInstruction // the parsed Config.Filter, or nil
	now    func() time.Time     // the wall clock, for the decoder's idle clock
	opened func()               // called once the socket is ready (tests)

	// kernel and prior carry the counters across calls of Run, so that
	// they never go back: the socket's totals, and the decoder counts of
	// the runs that ended. Only Run uses them.
	kernel kernelCounts
	prior  []input.Count

	mu     sync.Mutex
	counts []input.Count // the last snapshot
}

var (
	_ input.Source  = (*Source)(nil)
	_ input.Counter = (*Source)(nil)
)

// New returns a Source for cfg; nothing is opened before Run. opts are the
// decoder options (pair timeout, table sizes); their DNSPorts are replaced
// by cfg.Ports other than 853, and an empty Name by Name().
func New(cfg Config, opts input.Options) (*Source, error) {
	if errs := cfg.Validate("capture"); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	s := &Source{cfg: cfg, opts: opts, now: time.Now}
	if cfg.Filter != "" {
		s.filter, _ = ParseProgram(cfg.Filter) // checked by Validate
	} else if _, err := DNSFilter(cfg.Ports, layers.LinkTypeEthernet, uint32(cfg.SnapLen)); err != nil {
		return nil, fmt.Errorf("capture %s: %w", cfg.Interface, err)
	}
	s.opts.DNSPorts = nil
	for _, p := range cfg.Ports {
		if p != pcap.DoTPort {
			s.opts.DNSPorts = append(s.opts.DNSPorts, p)
		}
	}
	if s.opts.Name == "" {
		s.opts.Name = s.Name()
	}
	s.counts = kernelCounts{}.append(nil)
	return s, nil
}

// Name returns "capture:" and the interface name.
func (s *Source) Name() string { return "capture:" + s.cfg.Interface }

// Counts returns the kernel's counters for the socket followed by the
// decoder's (input.Counter), as of the last snapshot: Run takes one when
// the socket is ready, then each time it flushes (at most every
// PollTimeout) and when it ends. It is safe to call from any goroutine.
func (s *Source) Counts() []input.Count {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.counts)
}

// publish replaces the snapshot with the kernel's totals and the decoder's
// counts plus those of earlier runs.
func (s *Source) publish(dec input.Counter) {
	c := s.kernel.append(make([]input.Count, 0, 40))
	c = append(c, addCounts(dec.Counts(), s.prior)...)
	s.mu.Lock()
	s.counts = c
	s.mu.Unlock()
}

// addCounts adds to cur the values of prior with the same names, in
// place, and returns cur.
func addCounts(cur, prior []input.Count) []input.Count {
	for i := range cur {
		for _, p := range prior {
			if p.Name == cur[i].Name {
				cur[i].Value += p.Value
				break
			}
		}
	}
	return cur
}

// kernelCounts are the socket's totals from PACKET_STATISTICS. The kernel
// reports 32-bit counters; add keeps 64-bit totals across their wrap. A new
// socket starts from zero: clear last then.
type kernelCounts struct {
	last                    [3]uint32
	packets, drops, freezes int64
}

// add takes the kernel's cumulative 32-bit values: packets that passed the
// filter (dropped ones included), packets dropped for want of ring space,
// and ring freezes.
func (k *kernelCounts) add(packets, drops, freezes uint32) {
	cur := [3]uint32{packets, drops, freezes}
	k.packets += int64(cur[0] - k.last[0])
	k.drops += int64(cur[1] - k.last[1])
	k.freezes += int64(cur[2] - k.last[2])
	k.last = cur
}

func (k kernelCounts) append(c []input.Count) []input.Count {
	return append(c,
		input.Count{Name: "packets received", Value: k.packets},
		input.Count{Name: "packets dropped by kernel", Value: k.drops},
		input.Count{Name: "ring freezes", Value: k.freezes},
	)
}
