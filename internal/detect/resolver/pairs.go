package resolver

import (
	"net/netip"
	"strings"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/event"
)

// pairKey identifies a (host, resolver) pair: the host is its name when the
// telemetry gives one, else its address (addr is then zero when name is set).
// The name in a lookup key may point into an event; keys stored in the map
// hold a clone.
type pairKey struct {
	name   string
	addr   netip.Addr
	server netip.Addr
}

// pair is what the detector knows about one (host, resolver) pair.
type pair struct {
	key        pairKey
	client     netip.Addr // last client address seen
	port       uint16     // first server port seen
	first      time.Time
	last       time.Time
	queries    int64
	conns      int64
	noRecurse  int64 // queries with recursion desired clear (RD=0)
	transports uint8 // bit per event.Transport
	ports      [maxPorts]uint16
	nports     uint8
	morePorts  bool
	names      []string // distinct sample query names, cloned
	images     []string // distinct sample process images, cloned
	user       string
	domain     string          // registrable domain of the first sample name (ev.Enrich.Domain)
	cat        *CatalogueEntry // nil when not in the catalogue
	expired    int             // index of an expired exclusion that matched, -1 if none
	dirty      bool            // activity since the last alert
	reports    int
	due        time.Time // when the next alert (or the idle check) is due
	heapIdx    int32
	prev, next int32 // LRU list, most recent at head
}

const maxPorts = 4

// pairTable holds at most max pairs in a slab indexed by int32, with a map
// from key to slot, an LRU list for eviction and a min-heap on due time for
// reporting. No operation allocates once the slab has grown, except the
// clones a new pair stores.
type pairTable struct {
	max        int
	index      map[pairKey]int32
	slab       []pair
	free       []int32
	head, tail int32   // LRU list ends, -1 when empty
	heap       []int32 // slots ordered by pair.due
}

func newPairTable(max int) *pairTable {
	return &pairTable{max: max, index: make(map[pairKey]int32, min(max, 1024)), head: -1, tail: -1}
}

func (t *pairTable) len() int { return len(t.index) }

func (t *pairTable) get(k pairKey) (int32, bool) {
	i, ok := t.index[k]
	return i, ok
}

// insert stores a new pair (the caller has made room) and returns its slot.
func (t *pairTable) insert(p pair) int32 {
	var i int32
	if n := len(t.free); n > 0 {
		i = t.free[n-1]
		t.free = t.free[:n-1]
		names, images := t.slab[i].names[:0], t.slab[i].images[:0]
		t.slab[i] = p
		t.slab[i].names, t.slab[i].images = names, images
	} else {
		i = int32(len(t.slab))
		t.slab = append(t.slab, p)
	}
	t.index[p.key] = i
	t.pushFront(i)
	t.heapPush(i)
	return i
}

// remove deletes the pair in slot i.
func (t *pairTable) remove(i int32) {
	p := &t.slab[i]
	delete(t.index, p.key)
	t.unlink(i)
	t.heapRemove(p.heapIdx)
	p.key = pairKey{}
	p.cat = nil
	p.user, p.domain = "", ""
	clear(p.names)
	clear(p.images)
	t.free = append(t.free, i)
}

// touch moves slot i to the head of the LRU list.
func (t *pairTable) touch(i int32) {
	if t.head == i {
		return
	}
	t.unlink(i)
	t.pushFront(i)
}

func (t *pairTable) pushFront(i int32) {
	p := &t.slab[i]
	p.prev, p.next = -1, t.head
	if t.head >= 0 {
		t.slab[t.head].prev = i
	}
	t.head = i
	if t.tail < 0 {
		t.tail = i
	}
}

func (t *pairTable) unlink(i int32) {
	p := &t.slab[i]
	if p.prev >= 0 {
		t.slab[p.prev].next = p.next
	} else {
		t.head = p.next
	}
	if p.next >= 0 {
		t.slab[p.next].prev = p.prev
	} else {
		t.tail = p.prev
	}
	p.prev, p.next = -1, -1
}

// The due heap: a binary min-heap of slots on pair.due, each pair knowing
// its position so it can be fixed or removed in O(log n).

func (t *pairTable) less(a, b int) bool {
	return t.slab[t.heap[a]].due.Before(t.slab[t.heap[b]].due)
}

func (t *pairTable) swap(a, b int) {
	t.heap[a], t.heap[b] = t.heap[b], t.heap[a]
	t.slab[t.heap[a]].heapIdx = int32(a)
	t.slab[t.heap[b]].heapIdx = int32(b)
}

func (t *pairTable) heapPush(i int32) {
	t.heap = append(t.heap, i)
	n := len(t.heap) - 1
	t.slab[i].heapIdx = int32(n)
	t.up(n)
}

// heapTop returns the slot due first, or -1.
func (t *pairTable) heapTop() int32 {
	if len(t.heap) == 0 {
		return -1
	}
	return t.heap[0]
}

// heapFix restores the order after slot i's due time changed.
func (t *pairTable) heapFix(i int32) {
	h := int(t.slab[i].heapIdx)
	if !t.down(h) {
		t.up(h)
	}
}

func (t *pairTable) heapRemove(h int32) {
	n := len(t.heap) - 1
	if int(h) != n {
		t.swap(int(h), n)
	}
	t.heap = t.heap[:n]
	if int(h) < n && !t.down(int(h)) {
		t.up(int(h))
	}
}

func (t *pairTable) up(j int) {
	for j > 0 {
		parent := (j - 1) / 2
		if !t.less(j, parent) {
			return
		}
		t.swap(j, parent)
		j = parent
	}
}

// down sifts position j down and reports whether it moved.
func (t *pairTable) down(j int) bool {
	start := j
	n := len(t.heap)
	for {
		l := 2*j + 1
		if l >= n {
			break
		}
		c := l
		if r := l + 1; r < n && t.less(r, l) {
			c = r
		}
		if !t.less(c, j) {
			break
		}
		t.swap(j, c)
		j = c
	}
	return j > start
}

// record adds one event to the pair.
func (p *pair) record(ev *event.Event, client netip.Addr, tr event.Transport, query bool, samples int) {
	if query {
		p.queries++
		if ev.DNS.HasQuery && ev.DNS.FlagsKnown && !ev.DNS.Flags.Has(event.FlagRD) {
			p.noRecurse++
		}
	} else {
		p.conns++
	}
	if ev.Time.Before(p.first) {
		p.first = ev.Time
	}
	if ev.Time.After(p.last) {
		p.last = ev.Time
	}
	p.client = client
	p.transports |= 1 << tr
	p.addPort(ev.Server.Port())
	if query && ev.DNS.QName != "" {
		p.names = addSample(p.names, ev.DNS.QName, samples)
		if p.domain == "" && ev.Enrich.Domain != "" && len(p.names) > 0 && p.names[0] == ev.DNS.QName {
			p.domain = strings.Clone(ev.Enrich.Domain)
		}
	}
	if ev.Process.Image != "" {
		p.images = addSample(p.images, ev.Process.Image, samples)
	}
	if u := eventUser(ev); p.user == "" && u != "" {
		p.user = strings.Clone(u)
	}
	p.dirty = true
}

func (p *pair) addPort(port uint16) {
	if port == 0 {
		return
	}
	for _, q := range p.ports[:p.nports] {
		if q == port {
			return
		}
	}
	if int(p.nports) == maxPorts {
		p.morePorts = true
		return
	}
	p.ports[p.nports] = port
	p.nports++
}

// addSample appends a clone of s to list when it is new and list has room.
// Once the list is full it costs one length check.
func addSample(list []string, s string, limit int) []string {
	if len(list) >= limit {
		return list
	}
	for _, v := range list {
		if v == s {
			return list
		}
	}
	return append(list, strings.Clone(s))
}

// eventUser is the account behind an event: the process's, else the host's
// logged-on user.
func eventUser(ev *event.Event) string {
	if ev.Process.User != "" {
		return ev.Process.User
	}
	return ev.Host.User
}
