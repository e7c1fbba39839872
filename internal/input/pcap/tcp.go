package pcap

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/event"
)

// keepBufferBytes is the largest buffer an idle stream keeps; a bigger one
// (grown for a large message) is released once the stream has no partial
// data, so thousands of quiet streams do not pin memory.
const keepBufferBytes = 16 << 10

// flowKey is one direction of a TCP connection (for DNS streams) or a
// connection seen from its client (for DoT flows).
type flowKey struct {
	src, dst netip.AddrPort
}

// tcpStream reassembles one direction of a DNS-over-TCP connection: RFC 1035
// §4.2.2 messages, each preceded by a two-byte length.
type tcpStream struct {
	next     uint32 // sequence number expected next
	buf      []byte // bytes not yet split into messages
	start    int    // first unread byte of buf while draining
	lastSeen time.Time
	closing  bool // FIN seen: drop the stream once drained
}

// tcpSegment adds the current segment to its stream. It reports whether the
// stream has data to split into messages, and sets d.drain to it.
func (d *Decoder) tcpSegment() bool {
	s := &d.seg
	d.expireStreams()
	k := flowKey{s.src, s.dst}
	i, ok := d.streams.get(k)
	if s.flags&tcpRST != 0 {
		d.dropStream(k)
		d.dropStream(flowKey{s.dst, s.src})
		return false
	}
	if !ok {
		if len(s.payload) == 0 && s.flags&tcpSYN == 0 {
			return false
		}
		i = d.newStream(k)
	}
	st := d.streams.val(i)
	d.streams.touch(i)
	st.lastSeen = d.rec.time
	seq := s.seq
	if s.flags&tcpSYN != 0 {
		seq++
		st.next, st.buf = seq, st.buf[:0]
	}
	d.appendSegment(st, seq, s.payload)
	st.closing = st.closing || s.flags&tcpFIN != 0
	if len(st.buf) >= 2 || st.closing {
		d.drain = i
		return true
	}
	return false
}

func (d *Decoder) newStream(k flowKey) int32 {
	if d.streams.full() {
		d.cnt.tcpStreamsEvicted++
		d.streams.remove(d.streams.oldest())
	}
	i := d.streams.alloc()
	st := d.streams.val(i)
	*st = tcpStream{next: d.seg.seq, buf: st.buf[:0]}
	d.streams.insert(i, k)
	return i
}

// appendSegment places payload p, which starts at sequence number seq, after
// the stream's data. Bytes already seen are skipped; a gap (a lost or
// reordered segment) drops the partial message and resumes at this segment,
// so bytes from both sides of a gap are never joined.
func (d *Decoder) appendSegment(st *tcpStream, seq uint32, p []byte) {
	if len(p) == 0 {
		return
	}
	switch diff := int32(seq - st.next); {
	case diff < 0 && int(-diff) >= len(p):
		d.cnt.tcpRetransmissions++
		return
	case diff < 0:
		d.cnt.tcpRetransmissions++
		seq, p = st.next, p[-diff:]
	case diff > 0:
		d.cnt.tcpGaps++
		st.buf = st.buf[:0]
	}
	st.next = seq + uint32(len(p))
	if len(st.buf)+len(p) > MaxStreamBytes {
		d.cnt.tcpOverflows++
		st.buf = st.buf[:0]
		return
	}
	st.buf = append(st.buf, p...)
}

// drainTCP decodes the complete messages buffered in stream d.drain, one
// per call while they produce events. When no complete message is left the
// remainder moves to the front of the buffer, and a closing stream is
// dropped.
func (d *Decoder) drainTCP(ev *event.Event) (bool, error) {
	st := d.streams.val(d.drain)
	for {
		b := st.buf[st.start:]
		if len(b) < 2 {
			break
		}
		n := int(binary.BigEndian.Uint16(b))
		if len(b) < 2+n {
			break
		}
		st.start += 2 + n
		if produced, err := d.message(ev, b[2:2+n], event.TransportTCP); produced || err != nil {
			return produced, err
		}
	}
	st.buf = st.buf[:copy(st.buf, st.buf[st.start:])]
	st.start = 0
	if len(st.buf) == 0 && cap(st.buf) > keepBufferBytes {
		st.buf = nil
	}
	if st.closing {
		d.streams.remove(d.drain)
	}
	d.drain = none
	return false, nil
}

func (d *Decoder) dropStream(k flowKey) {
	if i, ok := d.streams.get(k); ok {
		d.streams.remove(i)
	}
}

// expireStreams forgets streams idle for FlowIdleTimeout of event time.
func (d *Decoder) expireStreams() {
	for i := d.streams.oldest(); i != none; i = d.streams.oldest() {
		if !d.now.After(d.streams.val(i).lastSeen.Add(FlowIdleTimeout)) {
			return
		}
		d.cnt.tcpStreamsExpired++
		d.streams.remove(i)
	}
}

// dotFlow remembers a DNS-over-TLS connection already reported.
type dotFlow struct {
	lastSeen time.Time
	closed   bool // FIN or RST seen; a new SYN starts a new connection
}

// dotSegment handles a TCP segment to or from port 853. The first segment of
// a connection fills ev with a connection event (client = the side not on
// port 853) and reports true; later segments only keep the flow alive.
func (d *Decoder) dotSegment(ev *event.Event) bool {
	s := &d.seg
	client, server := s.src, s.dst
	if s.src.Port() == DoTPort && s.dst.Port() != DoTPort {
		client, server = s.dst, s.src
	}
	d.expireDoT()
	k := flowKey{client, server}
	i, ok := d.dot.get(k)
	if ok {
		f := d.dot.val(i)
		d.dot.touch(i)
		f.lastSeen = d.rec.time
		reopened := f.closed && s.flags&(tcpSYN|tcpACK) == tcpSYN
		f.closed = s.flags&(tcpFIN|tcpRST) != 0 || f.closed && !reopened
		if !reopened {
			return false
		}
	} else {
		if d.dot.full() {
			d.cnt.dotFlowsEvicted++
			d.dot.remove(d.dot.oldest())
		}
		i = d.dot.alloc()
		*d.dot.val(i) = dotFlow{lastSeen: d.rec.time, closed: s.flags&(tcpFIN|tcpRST) != 0}
		d.dot.insert(i, k)
	}
	d.cnt.dotConnections++
	ev.Reset()
	ev.Kind = event.KindConn
	ev.Time, ev.Client, ev.Server = d.rec.time, client, server
	ev.Transport = event.TransportDoT
	ev.Conn.Proto = protoTCP
	ev.Source = event.Source{Name: d.opts.Name, Offset: d.rec.offset}
	return true
}

// expireDoT forgets flows idle for FlowIdleTimeout of event time.
func (d *Decoder) expireDoT() {
	for i := d.dot.oldest(); i != none; i = d.dot.oldest() {
		if !d.now.After(d.dot.val(i).lastSeen.Add(FlowIdleTimeout)) {
			return
		}
		d.cnt.dotFlowsExpired++
		d.dot.remove(i)
	}
}
