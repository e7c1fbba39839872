package store

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// rrKey is the identity of an rrset row. While a key is only looked up its
// strings are the caller's; a key that is kept owns copies.
type rrKey struct {
	name, data string
	typ        uint16
}

// cdKey is the identity of a client_domain row.
type cdKey struct {
	client, domain string
}

// agg is the pre-aggregate of one key: event times in Unix seconds.
type agg struct {
	first, last, count int64
}

func (a *agg) add(sec int64) {
	a.first = min(a.first, sec)
	a.last = max(a.last, sec)
	a.count++
}

type rrEntry struct {
	key      rrKey
	sections Section
	agg
}

type cdEntry struct {
	key cdKey
	agg
}

// pending is the in-memory aggregate between two flushes. The maps index into
// the entry slices, so a repeated key costs one map lookup and no allocation,
// and a flush walks the slices.
type pending struct {
	rrIdx     map[rrKey]int32
	rr        []rrEntry
	cdIdx     map[cdKey]int32
	cd        []cdEntry
	windowEnd time.Time // event time at which the pending window is flushed
}

func (p *pending) init() {
	p.rrIdx = make(map[rrKey]int32)
	p.cdIdx = make(map[cdKey]int32)
}

func (p *pending) len() int { return len(p.rr) + len(p.cd) }

func (p *pending) addRR(k rrKey, s Section, sec int64) {
	if i, ok := p.rrIdx[k]; ok {
		e := &p.rr[i]
		e.sections |= s
		e.add(sec)
		return
	}
	k.name, k.data = clone2(k.name, k.data)
	p.rrIdx[k] = int32(len(p.rr))
	p.rr = append(p.rr, rrEntry{key: k, sections: s, agg: agg{first: sec, last: sec, count: 1}})
}

func (p *pending) addClient(k cdKey, sec int64) {
	if i, ok := p.cdIdx[k]; ok {
		p.cd[i].add(sec)
		return
	}
	k.client, k.domain = clone2(k.client, k.domain)
	p.cdIdx[k] = int32(len(p.cd))
	p.cd = append(p.cd, cdEntry{key: k, agg: agg{first: sec, last: sec, count: 1}})
}

// clone2 copies two borrowed strings into one allocation.
func clone2(a, b string) (string, string) {
	var sb strings.Builder
	sb.Grow(len(a) + len(b))
	sb.WriteString(a)
	sb.WriteString(b)
	s := sb.String()
	return s[:len(a)], s[len(a):]
}

// sort orders the entries by primary key, so that a flush walks each B-tree
// in order. The maps are stale until reindex or reset.
func (p *pending) sort() {
	slices.SortFunc(p.rr, func(x, y rrEntry) int {
		return cmp.Or(strings.Compare(x.key.name, y.key.name), cmp.Compare(x.key.typ, y.key.typ),
			strings.Compare(x.key.data, y.key.data))
	})
	slices.SortFunc(p.cd, func(x, y cdEntry) int {
		return cmp.Or(strings.Compare(x.key.client, y.key.client), strings.Compare(x.key.domain, y.key.domain))
	})
}

// reindex points the maps at the entries again after sort, for a flush that
// failed and keeps them pending.
func (p *pending) reindex() {
	for i := range p.rr {
		p.rrIdx[p.rr[i].key] = int32(i)
	}
	for i := range p.cd {
		p.cdIdx[p.cd[i].key] = int32(i)
	}
}

// reset empties the aggregate and keeps its capacity for the next window.
func (p *pending) reset() {
	clear(p.rrIdx)
	clear(p.cdIdx)
	clear(p.rr)
	clear(p.cd)
	p.rr, p.cd = p.rr[:0], p.cd[:0]
}
