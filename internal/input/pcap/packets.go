package pcap

import (
	"io"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/dnsvigil/dnsvigil/internal/input"
)

// A PacketReader supplies link-layer frames to a Decoder made by NewPackets:
// a live capture's ring, or a replay in a test or benchmark.
//
// ReadPacket returns the next frame, the time it was captured and its length
// on the wire (at least len(data); more when the frame was cut at the snap
// length). data is owned by the reader and must stay valid and unchanged
// until the next call to ReadPacket; the Decoder copies what it keeps beyond
// that. io.EOF ends the stream. Any other error is returned by Decoder.Next
// as is and leaves the Decoder usable, so a reader may report a poll timeout
// (or any other marker of its own) and be called again afterwards.
//
// The Decoder calls ReadPacket from the goroutine that calls Next.
type PacketReader interface {
	ReadPacket() (data []byte, ts time.Time, origLen int, err error)
}

// NewPackets returns a Decoder over the frames r reads, whose link-layer
// header is of type link (Ethernet for most interfaces, Raw for tunnels).
// Zero fields of opts take the values of input.DefaultOptions; opts.Name
// names the input in events and errors. An unsupported link type is an
// error.
//
// Such a Decoder differs from one made by Open in three ways: a reader error
// other than io.EOF is returned by Next unchanged and does not end the
// stream; event and error offsets are -1, since frames have no position; and
// on a live interface its clock stops when traffic stops, which Idle
// remedies.
func NewPackets(r PacketReader, link layers.LinkType, opts input.Options) (*Decoder, error) {
	if _, _, v := network(link, nil); v == verdictUnsupported {
		return nil, linkTypeError(link)
	}
	d := newDecoder(withDefaults(opts), link)
	d.pkts = r
	return d, nil
}

// readPacket reads the next frame from d.pkts and holds it for handle.
func (d *Decoder) readPacket() error {
	data, ts, wire, err := d.pkts.ReadPacket()
	if err != nil {
		if err == io.EOF {
			d.end = true
			return nil
		}
		return err
	}
	d.rec = record{data: data, time: ts, wire: max(wire, len(data)), offset: -1}
	d.held = true
	d.cnt.packets++
	if ts.After(d.now) {
		d.now = ts
	}
	return nil
}

// Idle moves the decoder's clock on to now when no frame has come for a
// while. The clock is otherwise the latest packet time, so on a live
// interface that goes quiet it stops, and a query left unanswered would wait
// for the next packet to come out. After Idle, the queries whose pair
// timeout (Options.PairTimeout after the clock when they were read) lies
// before now come out of the following calls to Next, oldest first, before
// any further frame is read.
//
// now must be on the frames' clock: for a live capture, the wall clock the
// kernel stamps packets with, read after the reader reported that nothing
// came. A now earlier than the clock is ignored. A Decoder reading a file
// never needs Idle: its end flushes what is pending.
func (d *Decoder) Idle(now time.Time) {
	if now.After(d.now) {
		d.now = now
	}
}
