// Package pcap decodes DNS from packet captures (pcap and pcapng files) into
// events. It is the fastest input in dnsvigil: packets are read with
// gopacket/pcapgo's zero-copy readers, the link, IP and transport headers are
// decoded by hand (no per-packet allocation), and each DNS message goes
// through package dnswire.
//
// What it produces:
//   - one DNS event per query/response exchange: a query and its response are
//     paired on client, server, transaction id, query name and type within
//     Options.PairTimeout of event time. A query left unanswered is emitted
//     alone once the capture's clock passes its deadline (or at the end), and
//     a response without a query is emitted alone.
//   - DNS over TCP on the DNS ports, reassembled per direction with bounded
//     buffers.
//   - one connection event (Transport DoT) for each TCP connection to port 853.
//
// The same decoding runs over frames from a live capture: NewPackets takes a
// PacketReader in place of a file, and Idle moves the clock on while the
// interface is quiet.
//
// Everything held between packets is bounded: pending queries
// (Options.MaxPending), TCP streams and DoT flows (Options.MaxTCPStreams each,
// with a per-stream byte cap and an idle timeout), and evictions are counted.
// Time is the capture's own timestamps; the wall clock is never read.
package pcap

import (
	"hash/maphash"
	"io"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/input/dnswire"
)

// Limits that are not options.
const (
	// DoTPort is the DNS-over-TLS port; TCP connections to it become
	// connection events.
	DoTPort = 853
	// FlowIdleTimeout is how long, in event time, a TCP stream or DoT flow
	// may stay silent before it is forgotten.
	FlowIdleTimeout = 5 * time.Minute
	// MaxStreamBytes caps the bytes buffered for one TCP direction: room for
	// a whole 64 KiB message plus the next segment.
	MaxStreamBytes = 2 * (2 + 65535)
)

// Format returns the pcap input format: its name, content sniffer and opener.
func Format() input.Format {
	return input.Format{
		Name:    "pcap",
		Summary: "DNS over UDP/TCP and DoT connections from pcap and pcapng captures",
		Sniff:   Sniff,
		Open: func(r io.Reader, opts input.Options) (input.Decoder, error) {
			d, err := Open(r, opts)
			if err != nil {
				return nil, err
			}
			return d, nil
		},
	}
}

// Decoder reads DNS events from one capture. It implements input.Decoder,
// input.Closer and input.Counter, and is not safe for concurrent use.
//
// Strings in the events it returns point into buffers the Decoder reuses and
// are valid until the next call to Next.
type Decoder struct {
	opts    input.Options
	src     *source      // the file read by a Decoder from Open
	pkts    PacketReader // the frames read by a Decoder from NewPackets
	link    layers.LinkType
	ports   portSet
	parser  dnswire.Parser
	pend    *table[uint64, pendingQuery] // keyed by pairKey.hash
	seed    maphash.Seed
	streams *table[flowKey, tcpStream]
	dot     *table[flowKey, dotFlow]
	frags   *table[fragKey, partial]
	spilled pendingQuery // a query that left the table, being emitted
	cnt     counters

	rec   record  // the current packet
	seg   segment // its L3/L4 view
	now   time.Time
	drain int32 // stream being split into messages, or none
	held  bool  // rec is read but not yet handled
	end   bool  // no more packets
}

// Open reads the file header from r and returns a Decoder. Zero fields of
// opts take the values of input.DefaultOptions. A stream that is not a pcap
// or pcapng file, or whose link type is not supported, gives a
// *input.RecordError at offset 0.
func Open(r io.Reader, opts input.Options) (*Decoder, error) {
	opts = withDefaults(opts)
	src, err := openSource(r)
	if err != nil {
		return nil, &input.RecordError{File: opts.Name, Offset: 0, Reason: "bad file header", Err: err}
	}
	if _, _, v := network(src.link, nil); v == verdictUnsupported {
		return nil, &input.RecordError{File: opts.Name, Offset: 0, Reason: "unsupported link type", Err: linkTypeError(src.link)}
	}
	d := newDecoder(opts, src.link)
	d.src = src
	return d, nil
}

// newDecoder returns a Decoder for frames of link type link, without its
// packet source; opts already has its defaults.
func newDecoder(opts input.Options, link layers.LinkType) *Decoder {
	d := &Decoder{
		opts:    opts,
		link:    link,
		pend:    newTable[uint64, pendingQuery](opts.MaxPending),
		seed:    maphash.MakeSeed(),
		streams: newTable[flowKey, tcpStream](opts.MaxTCPStreams),
		dot:     newTable[flowKey, dotFlow](opts.MaxTCPStreams),
		frags:   newTable[fragKey, partial](MaxFragDatagrams),
		drain:   none,
	}
	d.parser.HeaderOnly = opts.HeaderOnly
	for _, p := range opts.DNSPorts {
		d.ports.add(p)
	}
	return d
}

func withDefaults(o input.Options) input.Options {
	def := input.DefaultOptions()
	if len(o.DNSPorts) == 0 {
		o.DNSPorts = def.DNSPorts
	}
	if o.PairTimeout <= 0 {
		o.PairTimeout = def.PairTimeout
	}
	if o.MaxPending <= 0 {
		o.MaxPending = def.MaxPending
	}
	if o.MaxTCPStreams <= 0 {
		o.MaxTCPStreams = def.MaxTCPStreams
	}
	return o
}

// Next fills ev with the next event. See input.Decoder for the contract.
func (d *Decoder) Next(ev *event.Event) error {
	for {
		var produced bool
		var err error
		switch {
		case d.drain != none:
			produced, err = d.drainTCP(ev)
		case d.held:
			// The packet just read is handled before anything expires, so
			// a response pairs with its query even when its own time is
			// what pushed the clock past the query's deadline.
			d.held = false
			produced, err = d.handle(ev)
		case d.emitExpired(ev):
			return nil
		case d.end:
			return d.flush(ev)
		default:
			err = d.read()
		}
		if produced || err != nil {
			return err
		}
	}
}

// Close drops the buffered state. Queries still pending are not emitted;
// read to io.EOF first to get them.
func (d *Decoder) Close() error {
	d.end, d.held, d.drain = true, false, none
	d.pend = newTable[uint64, pendingQuery](1)
	d.streams = newTable[flowKey, tcpStream](1)
	d.dot = newTable[flowKey, dotFlow](1)
	d.frags = newTable[fragKey, partial](1)
	return nil
}

// portSet is a bitmap of the ports whose payload is DNS.
type portSet [65536 / 64]uint64

func (s *portSet) add(p uint16)      { s[p>>6] |= 1 << (p & 63) }
func (s *portSet) has(p uint16) bool { return s[p>>6]&(1<<(p&63)) != 0 }
