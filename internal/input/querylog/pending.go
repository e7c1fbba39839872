package querylog

import (
	"bytes"
	"hash/maphash"
	"net/netip"
	"time"
)

// entry is one query waiting for its reply lines. Its byte buffers are kept
// when the slot is reused, so the steady state does not allocate.
type entry struct {
	time         time.Time
	respTime     time.Time
	line, off    int64
	client       netip.AddrPort
	server       netip.AddrPort
	qtype        uint16
	rcode        uint16
	hasResponse  bool
	open         bool
	key          uint64
	name         []byte
	data         []byte
	answers      []answer
	lastIsCNAME  bool
	generation   uint32
	dataOverflow bool
}

// answer is one answer line: its name and data as ranges of entry.data.
type answer struct {
	typ                  uint16
	nameStart, nameEnd   int32
	dataStart, dataEnd   int32
	nameIsQName, noValue bool
}

// pending is a FIFO of queries in arrival order with an index from
// (serial, name) to the latest open query for it. The FIFO has a fixed cap;
// the index holds at most one key per entry, so both are bounded.
type pending struct {
	slots []entry
	ring  []int32 // slot indexes in arrival order
	free  []int32
	first int
	n     int
	index map[uint64]int32
	seed  maphash.Seed
}

func newPending(limit int, seed maphash.Seed) pending {
	if limit < 1 {
		limit = 1
	}
	return pending{ring: make([]int32, limit), index: make(map[uint64]int32, min(limit, 1024)), seed: seed}
}

func (p *pending) full() bool { return p.n == len(p.ring) }

// key hashes a canonical name with the extra-mode serial (0 when absent).
func (p *pending) key(serial uint64, name []byte) uint64 {
	return maphash.Bytes(p.seed, name) ^ (serial * 0x9E3779B97F4A7C15)
}

// push adds a query; the caller has made room. It closes any older open
// query with the same key, which then only waits for its turn to be emitted.
func (p *pending) push(key uint64) *entry {
	var s int32
	if k := len(p.free); k > 0 {
		s, p.free = p.free[k-1], p.free[:k-1]
	} else {
		p.slots = append(p.slots, entry{})
		s = int32(len(p.slots) - 1)
	}
	if old, ok := p.index[key]; ok {
		p.slots[old].open = false
	}
	p.index[key] = s
	p.ring[(p.first+p.n)%len(p.ring)] = s
	p.n++
	e := &p.slots[s]
	gen := e.generation + 1
	*e = entry{name: e.name[:0], data: e.data[:0], answers: e.answers[:0], generation: gen, key: key, open: true}
	return e
}

// lookup returns the open query for key whose name is name, or nil.
func (p *pending) lookup(key uint64, name []byte) *entry {
	s, ok := p.index[key]
	if !ok {
		return nil
	}
	e := &p.slots[s]
	if !e.open || !bytes.Equal(e.name, name) {
		return nil
	}
	return e
}

// head returns the oldest query; the FIFO must not be empty.
func (p *pending) head() *entry { return &p.slots[p.ring[p.first]] }

// headExpired reports whether the oldest query is more than timeout older
// than now.
func (p *pending) headExpired(now time.Time, timeout time.Duration) bool {
	return p.n > 0 && now.Sub(p.head().time) > timeout
}

// pop drops the oldest query.
func (p *pending) pop() {
	s := p.ring[p.first]
	e := &p.slots[s]
	if e.open {
		if cur, ok := p.index[e.key]; ok && cur == s {
			delete(p.index, e.key)
		}
		e.open = false
	}
	e.generation++
	p.free = append(p.free, s)
	p.first = (p.first + 1) % len(p.ring)
	p.n--
}

// reset empties the FIFO.
func (p *pending) reset() {
	for p.n > 0 {
		p.pop()
	}
}
