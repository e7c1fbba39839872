package pcap

import (
	"encoding/binary"
	"hash/maphash"
	"io"
	"net/netip"
	"time"
	"unsafe"

	"github.com/dnsvigil/dnsvigil/internal/event"
)

// pairKey identifies a query awaiting its response.
type pairKey struct {
	client, server netip.AddrPort
	id, qtype      uint16
	qname          string
}

// hash condenses k to the 64-bit key of the pending table: a seeded hash of
// the name mixed with the other fields. Two different keys may collide; a
// match is always confirmed against the stored query (sameQuery), so a
// collision can cost a pairing but never make a wrong one.
func (k *pairKey) hash(seed maphash.Seed) uint64 {
	c, s := k.client.Addr().As16(), k.server.Addr().As16()
	h := maphash.String(seed, k.qname)
	h = mix(h ^ binary.LittleEndian.Uint64(c[:8]))
	h = mix(h ^ binary.LittleEndian.Uint64(c[8:]))
	h = mix(h ^ binary.LittleEndian.Uint64(s[:8]))
	h = mix(h ^ binary.LittleEndian.Uint64(s[8:]))
	ports := uint64(k.client.Port())<<48 | uint64(k.server.Port())<<32 | uint64(k.id)<<16 | uint64(k.qtype)
	return mix(h ^ ports)
}

// mix is the splitmix64 finaliser: every input bit affects every output bit.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// pendingQuery is a query kept until its response arrives. Its fields are
// plain values and one reusable name buffer, so keeping a query allocates
// nothing once the table has reached its working size.
type pendingQuery struct {
	time time.Time
	// expires is when the query is given up on: pair_timeout after the
	// decoder's clock (the latest packet time seen) when it was stored. A
	// query is never expired by time that passed before it was read, so a
	// capture written in query order with a very late response in between
	// (time jumps forward, then back) does not lose the pairs after it.
	expires        time.Time
	offset         int64
	client, server netip.AddrPort
	transport      event.Transport
	flags          event.Flags
	opcode         uint8
	id, qtype      uint16
	qclass         uint16
	size           int
	name           []byte
}

// sameQuery reports whether q is the query k describes.
func (q *pendingQuery) sameQuery(k *pairKey) bool {
	return q.id == k.id && q.qtype == k.qtype && q.client == k.client && q.server == k.server &&
		string(q.name) == k.qname
}

// query stores the query just parsed into ev as pending. When another query
// has to leave the table first (a retransmission with the same key, or the
// oldest when the table is full), ev is refilled with that one, emitted
// alone, and query reports true.
func (d *Decoder) query(ev *event.Event, tr event.Transport) bool {
	k := pairKey{client: d.seg.src, server: d.seg.dst, id: ev.DNS.ID, qtype: ev.DNS.QType, qname: ev.DNS.QName}
	h := k.hash(d.seed)
	out := false
	if i, ok := d.pend.get(h); ok {
		d.cnt.duplicateQueries++
		d.spill(i)
		out = true
	} else if d.pend.full() {
		d.cnt.pendingEvicted++
		d.spill(d.pend.oldest())
		out = true
	}
	i := d.pend.alloc()
	q := d.pend.val(i)
	*q = pendingQuery{
		time: d.rec.time, expires: later(d.now, d.rec.time).Add(d.opts.PairTimeout), offset: d.rec.offset, client: k.client, server: k.server,
		transport: tr, flags: ev.DNS.Flags, opcode: ev.DNS.Opcode, id: k.id, qtype: k.qtype,
		qclass: ev.DNS.QClass, size: ev.DNS.QuerySize, name: append(q.name[:0], k.qname...),
	}
	d.pend.insert(i, h)
	if out {
		d.emitSpilled(ev)
	}
	return out
}

// response completes ev, which holds a parsed response, with the matching
// pending query if there is one.
func (d *Decoder) response(ev *event.Event, tr event.Transport) {
	d.setContext(ev, tr, d.rec.offset)
	ev.Time, ev.Client, ev.Server = d.rec.time, d.seg.dst, d.seg.src
	k := pairKey{client: d.seg.dst, server: d.seg.src, id: ev.DNS.ID, qtype: ev.DNS.QType, qname: ev.DNS.QName}
	i, ok := d.pend.get(k.hash(d.seed))
	if !ok || !d.pend.val(i).sameQuery(&k) {
		d.cnt.unsolicited++
		return
	}
	q := d.pend.val(i)
	ev.Time, ev.Source.Offset = q.time, q.offset
	ev.DNS.HasQuery, ev.DNS.QuerySize = true, q.size
	ev.DNS.RTT = max(d.rec.time.Sub(q.time), 0)
	d.pend.remove(i)
	d.cnt.paired++
}

// emitExpired emits the oldest pending query alone once event time has
// passed its deadline.
func (d *Decoder) emitExpired(ev *event.Event) bool {
	i := d.pend.oldest()
	if i == none || !d.now.After(d.pend.val(i).expires) {
		return false
	}
	d.cnt.unanswered++
	d.spill(i)
	d.emitSpilled(ev)
	return true
}

// flush emits the queries still pending at the end of the input, oldest
// first, then returns io.EOF.
func (d *Decoder) flush(ev *event.Event) error {
	i := d.pend.oldest()
	if i == none {
		return io.EOF
	}
	d.cnt.unanswered++
	d.spill(i)
	d.emitSpilled(ev)
	return nil
}

// spill takes pending slot i out of the table. Its contents are swapped with
// d.spilled, so they stay intact while the slot is reused.
func (d *Decoder) spill(i int32) {
	d.pend.remove(i)
	q := d.pend.val(i)
	d.spilled, *q = *q, d.spilled
}

// emitSpilled fills ev with the spilled query, alone.
func (d *Decoder) emitSpilled(ev *event.Event) {
	q := &d.spilled
	ev.Reset()
	d.setContext(ev, q.transport, q.offset)
	ev.Time, ev.Client, ev.Server = q.time, q.client, q.server
	ev.DNS = event.DNS{
		ID: q.id, Flags: q.flags, FlagsKnown: true, Opcode: q.opcode, RCode: event.RcodeUnknown,
		QName: bytesString(q.name), QType: q.qtype, QClass: q.qclass,
		HasQuery: true, QuerySize: q.size,
		Answers: ev.DNS.Answers, Authority: ev.DNS.Authority, Additional: ev.DNS.Additional,
	}
}

// later returns the later of two times.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// bytesString returns a string sharing b's memory.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
