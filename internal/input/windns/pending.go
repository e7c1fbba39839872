package windns

import (
	"net/netip"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/event"
)

// maxPendingCap caps the queries waiting for a response whatever
// input.Options says.
const maxPendingCap = 1 << 16

// none marks the end of the pending list.
const none = -1

// pairKey identifies a query awaiting its response: the other end's
// address, the message ID, and whether the exchange is the server's own
// query to an upstream server (up) or a client's query to the server. Ports
// are left out: the analytical log leaves them out of some events, and the
// debug log shows them only in packet details.
type pairKey struct {
	addr netip.Addr
	xid  uint16
	up   bool
}

// query is one query waiting for its response. Its name buffer is kept when
// the slot is reused, so the steady state does not allocate.
type query struct {
	key     pairKey
	time    time.Time
	expires time.Time
	line    int64
	off     int64
	client  netip.AddrPort
	server  netip.AddrPort
	tr      event.Transport
	flags   event.Flags
	known   bool // flags are header bits as sent
	opcode  uint8
	qtype   uint16
	qclass  uint16
	size    int
	name    []byte
	// prev and next link the pending queries in arrival order.
	prev, next int32
}

// pending holds queries in arrival order in a doubly linked list over a
// slot array, with an index from key to slot. Both are bounded by limit:
// the caller makes room (emitting the oldest) before adding to a full table.
type pending struct {
	slots      []query
	free       []int32
	head, tail int32
	n, limit   int
	index      map[pairKey]int32
}

func newPending(limit int) pending {
	limit = max(1, min(limit, maxPendingCap))
	return pending{head: none, tail: none, limit: limit, index: make(map[pairKey]int32, min(limit, 1024))}
}

func (p *pending) full() bool { return p.n >= p.limit }

// get returns the slot of the query waiting under k.
func (p *pending) get(k pairKey) (int32, bool) {
	i, ok := p.index[k]
	return i, ok
}

// oldest returns the slot of the oldest query, or none.
func (p *pending) oldest() int32 { return p.head }

// add takes a slot for a query under k, appends it to the list and returns
// it cleared (its name buffer kept). The table must not be full and must not
// hold k.
func (p *pending) add(k pairKey) *query {
	var i int32
	if n := len(p.free); n > 0 {
		i, p.free = p.free[n-1], p.free[:n-1]
	} else {
		p.slots = append(p.slots, query{})
		i = int32(len(p.slots) - 1)
	}
	q := &p.slots[i]
	*q = query{key: k, name: q.name[:0], prev: p.tail, next: none}
	if p.tail != none {
		p.slots[p.tail].next = i
	} else {
		p.head = i
	}
	p.tail = i
	p.index[k] = i
	p.n++
	return q
}

// remove unlinks slot i and frees it. Its contents stay readable until the
// slot is taken again.
func (p *pending) remove(i int32) {
	q := &p.slots[i]
	if q.prev != none {
		p.slots[q.prev].next = q.next
	} else {
		p.head = q.next
	}
	if q.next != none {
		p.slots[q.next].prev = q.prev
	} else {
		p.tail = q.prev
	}
	delete(p.index, q.key)
	p.free = append(p.free, i)
	p.n--
}
