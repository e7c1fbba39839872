package windns

import (
	"net/netip"
	"time"
	"unsafe"

	"github.com/dnsvigil/dnsvigil/internal/event"
)

// message is one DNS message as a log line or event describes it, before it
// is paired. Its name is a view of the decoder's buffers.
type message struct {
	time      time.Time
	line, off int64
	response  bool
	// up says the message belongs to the server's own query to an upstream
	// server (forwarder or authoritative server), not to a client's query.
	up bool
	// remote is the other end; local is this server's address, unknown
	// (zero) when the log does not say. A port of 0 means not logged.
	remote, local netip.AddrPort
	tr            event.Transport
	xid           uint16
	flags         event.Flags
	known         bool
	opcode        uint8
	qtype, qclass uint16
	rcode         uint16
	size          int
	qname         string
}

func (m *message) key() pairKey {
	return pairKey{addr: m.remote.Addr().Unmap().WithZone(""), xid: m.xid, up: m.up}
}

// ends returns the client and server of m's exchange.
func (m *message) ends() (client, server netip.AddrPort) {
	if m.up {
		return m.local, m.remote
	}
	return m.remote, m.local
}

// pairCounts are the pairing counters every decoder reports.
type pairCounts struct {
	queries, upstream, responses, paired, unsolicited, unanswered, duplicate, evicted int64
}

func (c *pairCounts) list() []countEntry {
	return []countEntry{
		{"client queries", c.queries},
		{"upstream queries", c.upstream},
		{"responses", c.responses},
		{"responses paired", c.paired},
		{"responses without query", c.unsolicited},
		{"queries without response", c.unanswered},
		{"duplicate queries", c.duplicate},
		{"pending queries evicted", c.evicted},
	}
}

// countEntry is one counter before it becomes an input.Count.
type countEntry struct {
	name  string
	value int64
}

// pairer pairs queries with their responses. A query waits in a bounded
// table until its response arrives (the pair becomes one event), until a
// line more than timeout later in log time is read, until the table is full
// (the oldest waiting query leaves first) or until the input ends; then it
// is emitted alone.
type pairer struct {
	name    string
	timeout time.Duration
	pend    pending
	// spilled is a query taken out of the table to be emitted alone; its
	// name stays valid until the next spill.
	spilled query
	// now is the latest log time seen.
	now time.Time
	c   pairCounts
}

func newPairer(name string, timeout time.Duration, limit int) pairer {
	return pairer{name: name, timeout: timeout, pend: newPending(limit)}
}

// advance moves the log clock to t (it never goes back).
func (p *pairer) advance(t time.Time) {
	if t.After(p.now) {
		p.now = t
	}
}

// expired reports whether the oldest waiting query has waited too long.
func (p *pairer) expired() bool {
	i := p.pend.oldest()
	return i != none && p.now.After(p.pend.slots[i].expires)
}

// spill takes slot i out of the table into p.spilled. The slot's name
// buffer is swapped, not copied, so nothing is allocated.
func (p *pairer) spill(i int32) {
	p.pend.remove(i)
	q := &p.pend.slots[i]
	p.spilled, *q = *q, p.spilled
}

// spillOldest takes the oldest waiting query out, for emission alone; it
// reports false when none waits.
func (p *pairer) spillOldest() bool {
	i := p.pend.oldest()
	if i == none {
		return false
	}
	p.c.unanswered++
	p.spill(i)
	return true
}

// store puts query m in the table. When another query has to leave first (a
// retransmission under the same key, or the oldest when the table is full)
// it is spilled and store reports true: the caller emits it now.
func (p *pairer) store(m *message) bool {
	k := m.key()
	out := false
	if i, ok := p.pend.get(k); ok {
		p.c.duplicate++
		p.spill(i)
		out = true
	} else if p.pend.full() {
		p.c.evicted++
		p.spill(p.pend.oldest())
		out = true
	}
	if m.up {
		p.c.upstream++
	} else {
		p.c.queries++
	}
	q := p.pend.add(k)
	q.time, q.line, q.off = m.time, m.line, m.off
	q.expires = later(p.now, m.time).Add(p.timeout)
	q.client, q.server = m.ends()
	q.tr, q.flags, q.known, q.opcode = m.tr, m.flags, m.known, m.opcode
	q.qtype, q.qclass, q.size = m.qtype, m.qclass, m.size
	q.name = append(q.name, m.qname...)
	return out
}

// respond completes ev, whose records the decoder has filled, with response
// m and, when one waits, the query it answers.
func (p *pairer) respond(ev *event.Event, m *message) {
	p.c.responses++
	p.header(ev, m)
	d := &ev.DNS
	d.HasResponse, d.ResponseSize, d.RCode = true, m.size, m.rcode
	i, ok := p.pend.get(m.key())
	if !ok {
		p.c.unsolicited++
		return
	}
	q := &p.pend.slots[i]
	p.c.paired++
	ev.Time, ev.Source.Line, ev.Source.Offset = q.time, q.line, q.off
	d.HasQuery, d.QuerySize, d.RTT = true, q.size, max(m.time.Sub(q.time), 0)
	if (ev.Client.Port() == 0 && q.client.Port() != 0) || !ev.Client.IsValid() {
		ev.Client = q.client
	}
	if (ev.Server.Port() == 0 && q.server.Port() != 0) || !ev.Server.IsValid() {
		ev.Server = q.server
	}
	if ev.Transport == event.TransportUnknown {
		ev.Transport = q.tr
	}
	p.pend.remove(i)
}

// alone emits query m by itself, without storing it: a query whose end the
// log reports without a response (an ignored query, a recursion timeout)
// when the query itself was not seen.
func (p *pairer) alone(ev *event.Event, m *message) {
	if m.up {
		p.c.upstream++
	} else {
		p.c.queries++
	}
	p.header(ev, m)
	ev.DNS.HasQuery, ev.DNS.QuerySize, ev.DNS.RCode = true, m.size, event.RcodeUnknown
}

// header fills the fields of ev that every message sets. The records are
// left alone.
func (p *pairer) header(ev *event.Event, m *message) {
	ev.Kind = event.KindDNS
	ev.Time = m.time
	ev.Client, ev.Server = m.ends()
	ev.Transport = m.tr
	ev.Source = event.Source{Name: p.name, Line: m.line, Offset: m.off}
	d := &ev.DNS
	d.ID, d.Flags, d.FlagsKnown, d.Opcode = m.xid, m.flags, m.known, m.opcode
	d.QName, d.QType, d.QClass = m.qname, m.qtype, m.qclass
}

// emitSpilled fills ev with the spilled query, alone.
func (p *pairer) emitSpilled(ev *event.Event) {
	q := &p.spilled
	ev.Reset()
	ev.Kind = event.KindDNS
	ev.Time, ev.Client, ev.Server, ev.Transport = q.time, q.client, q.server, q.tr
	ev.Source = event.Source{Name: p.name, Line: q.line, Offset: q.off}
	d := &ev.DNS
	d.ID, d.Flags, d.FlagsKnown, d.Opcode = q.key.xid, q.flags, q.known, q.opcode
	d.RCode = event.RcodeUnknown
	d.QName, d.QType, d.QClass = view(q.name), q.qtype, q.qclass
	d.HasQuery, d.QuerySize = true, q.size
}

// later returns the later of two times.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// view returns b as a string sharing its memory; the string must not
// outlive the bytes.
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}
