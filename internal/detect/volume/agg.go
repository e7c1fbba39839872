package volume

import (
	"math"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/state"
)

// key identifies who sent the queries: a device (host name, or client
// address when the telemetry names no host) and, when known, the process.
// Strings are borrowed from the event for lookups and cloned on insert.
type key struct {
	client netip.Addr // zero when host is set
	host   string
	proc   string
}

func cloneKey(k key) key {
	k.host, k.proc = strings.Clone(k.host), strings.Clone(k.proc)
	return k
}

// device is the name the alert and its stable key use for the device.
func (k key) device() string {
	if k.host != "" {
		return k.host
	}
	return k.client.String()
}

// less orders keys for a deterministic alert order.
func (k key) less(o key) bool {
	if k.host != o.host {
		return k.host < o.host
	}
	if c := k.client.Compare(o.client); c != 0 {
		return c < 0
	}
	return k.proc < o.proc
}

// Sizes of the per-key state.
const (
	// Distinct counters are exact up to 16 values, then a 256-register
	// sketch (about 6.5 % standard error).
	distinctExact     = 16
	distinctPrecision = 8
	// maxStoredName bounds a name kept for evidence; canonical names are
	// shorter (253 wire bytes, at most 4 characters each when escaped).
	maxStoredName = 1024
	// minArena is the first capacity of a key's name arena.
	minArena = 64
)

// agg is what one tracked key gathered in the current bin. The key's
// top-domain sketch, domain-name locations and sample-name locations live in
// the Detector's flat slices at the key's slot id, so that one key's state
// sits in a few contiguous cache lines; names are copied into the key's
// arena. An agg is reset, keeping its storage, when its slot changes hands.
type agg struct {
	first, last int64      // event time, Unix nanoseconds
	client      netip.Addr // first client address seen for the key
	user        string     // first account seen for the key, cloned
	late        int64
	servers     state.Distinct
	domainSet   state.Distinct
	arena       []byte
	nsamples    int32
	domainsLost bool // the domain sketch had to evict
	// The last server and domain sketch entry seen: consecutive queries of
	// a key mostly repeat them, and then skip hashing.
	lastServer netip.Addr
	lastDomain int32 // index in the key's domain sketch, -1 when none
}

// nameRef locates a name in a key's arena; n 0 means none.
type nameRef struct {
	off, n uint32
}

func (a *agg) name(r nameRef) []byte { return a.arena[r.off : r.off+r.n] }

// newAgg returns an agg for a fresh slot. The sizes are constants, so the
// constructor cannot fail.
func newAgg() agg {
	s, _ := state.MakeDistinct(distinctExact, distinctPrecision)
	d, _ := state.MakeDistinct(distinctExact, distinctPrecision)
	return agg{servers: s, domainSet: d}
}

// slots returns key id's top-domain sketch, its domain-name locations and
// its sample-name locations.
func (d *Detector) slots(id int) (state.SmallTopK, []nameRef, []nameRef) {
	nd, ns := d.domainSlots, d.cfg.SampleNames
	return d.doms[id*nd : (id+1)*nd], d.domNames[id*nd : (id+1)*nd], d.samples[id*ns : (id+1)*ns]
}

// grow adds the state of the next unused slot id. Capacity doubles but
// never passes max_keys, so no space is reserved for keys that cannot exist.
func (d *Detector) grow() {
	if len(d.aggs) == cap(d.aggs) {
		n := min(max(2*cap(d.aggs), 1024), d.cfg.MaxKeys)
		d.aggs = regrow(d.aggs, n)
		d.doms = regrow(d.doms, n*d.domainSlots)
		d.domNames = regrow(d.domNames, n*d.domainSlots)
		d.samples = regrow(d.samples, n*d.cfg.SampleNames)
	}
	d.aggs = append(d.aggs, newAgg())
	d.doms = append(d.doms, make([]state.HashCount, d.domainSlots)...)
	d.domNames = append(d.domNames, make([]nameRef, d.domainSlots)...)
	d.samples = append(d.samples, make([]nameRef, d.cfg.SampleNames)...)
}

// regrow returns s with capacity exactly n (append would round it up).
func regrow[T any](s []T, n int) []T {
	out := make([]T, len(s), n)
	copy(out, s)
	return out
}

// reset prepares slot id for a new key.
func (d *Detector) reset(id int) {
	a := &d.aggs[id]
	a.servers.Reset()
	a.domainSet.Reset()
	a.first, a.last, a.client, a.late, a.user = math.MaxInt64, math.MinInt64, netip.Addr{}, 0, ""
	a.arena, a.nsamples, a.domainsLost = a.arena[:0], 0, false
	a.lastServer, a.lastDomain = netip.Addr{}, -1
	doms, _, _ := d.slots(id)
	doms.Reset()
}

// observe adds one query of key id at time t (Unix nanoseconds).
func (d *Detector) observe(id int, t int64, late bool, client, server netip.Addr, domain, name string) {
	a := &d.aggs[id]
	if t < a.first {
		a.first = t
	}
	if t > a.last {
		a.last = t
	}
	if !a.client.IsValid() {
		a.client = client
	}
	if late {
		a.late++
	}
	if server.IsValid() && server != a.lastServer {
		a.servers.Add(state.HashAddr(hashSeed, server))
		a.lastServer = server
	}
	doms, domNames, samples := d.slots(id)
	switch {
	case domain == "":
	case a.lastDomain >= 0 && string(a.name(domNames[a.lastDomain])) == domain:
		if e := &doms[a.lastDomain]; e.Count < math.MaxUint32 {
			e.Count++
		}
	default:
		d.observeDomain(id, domain, doms, domNames)
	}
	if name != "" && int(a.nsamples) < len(samples) {
		for _, r := range samples[:a.nsamples] {
			if string(a.name(r)) == name {
				return
			}
		}
		samples[a.nsamples] = d.store(id, name)
		a.nsamples++
	}
}

// observeDomain counts domain in key id's sketch and distinct counter.
func (d *Detector) observeDomain(id int, domain string, doms state.SmallTopK, domNames []nameRef) {
	a := &d.aggs[id]
	dh := state.HashString(hashSeed, domain)
	a.domainSet.Add(dh)
	s := doms.Add(dh, 1)
	a.lastDomain = int32(s.Index)
	if !s.New {
		return
	}
	domNames[s.Index] = nameRef{} // the old name is dead if store compacts
	domNames[s.Index] = d.store(id, domain)
	if s.Evicted {
		a.domainsLost = true
		d.domainEvictions++
	}
}

// store copies name into key id's arena, compacting the arena (dropping
// names of evicted domains) or growing it when it is full.
func (d *Detector) store(id int, name string) nameRef {
	name = name[:min(len(name), maxStoredName)]
	a := &d.aggs[id]
	if len(a.arena)+len(name) > cap(a.arena) {
		d.compact(id, len(name))
	}
	off := len(a.arena)
	a.arena = append(a.arena, name...)
	return nameRef{off: uint32(off), n: uint32(len(name))}
}

// compact rewrites key id's arena with only its live names, doubling its
// capacity when they would fill more than half of it, so compactions stay
// rare and the arena stays within twice the live names.
func (d *Detector) compact(id int, need int) {
	a := &d.aggs[id]
	doms, domNames, samples := d.slots(id)
	buf := d.scratch[:0]
	move := func(r *nameRef) {
		if r.n == 0 {
			return
		}
		off := len(buf)
		buf = append(buf, a.name(*r)...)
		r.off = uint32(off)
	}
	for i := range doms {
		if doms[i].Count > 0 {
			move(&domNames[i])
		}
	}
	for i := range samples[:a.nsamples] {
		move(&samples[i])
	}
	if live := len(buf) + need; 2*live > cap(a.arena) {
		a.arena = make([]byte, 0, max(minArena, 2*live))
	}
	a.arena = append(a.arena[:0], buf...)
	d.scratch = buf[:0]
}

// domainCount is one row of the top-domains evidence.
type domainCount struct {
	name  string
	count uint64 // guaranteed count
}

// topDomains returns up to n of key id's domains by guaranteed count, then
// name.
func (d *Detector) topDomains(id, n int) []domainCount {
	a := &d.aggs[id]
	doms, domNames, _ := d.slots(id)
	out := make([]domainCount, 0, len(doms))
	for i, e := range doms {
		if e.Count > 0 {
			out = append(out, domainCount{name: string(a.name(domNames[i])), count: uint64(e.Count - e.Err)})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].count != out[j].count {
			return out[i].count > out[j].count
		}
		return out[i].name < out[j].name
	})
	return out[:min(n, len(out))]
}

func (d *Detector) sampleNames(id int) []string {
	a := &d.aggs[id]
	_, _, samples := d.slots(id)
	out := make([]string, a.nsamples)
	for i, r := range samples[:a.nsamples] {
		out[i] = string(a.name(r))
	}
	return out
}

func unixTime(ns int64) time.Time { return time.Unix(0, ns).UTC() }
