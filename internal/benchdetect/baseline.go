package benchdetect

import (
	"net/netip"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/state"
)

// A Baseline is the heuristic every published DNS tunnel rule shares:
// a client asking for at least Threshold distinct subdomains under one
// registrable domain within Window. Published thresholds range from 8 per
// hour to 1,000 per minute; the benchmark scores both ends beside
// dnsvigil's detector, and the seed's Signal 2 (the volume detector).
type Baseline struct {
	Name      string
	Threshold int
	Window    time.Duration
}

// Baselines are the rules the benchmark compares against.
func Baselines() []Baseline {
	return []Baseline{
		{Name: "unique subdomains >= 8 per hour", Threshold: 8, Window: time.Hour},
		{Name: "unique subdomains >= 1000 per minute", Threshold: 1000, Window: time.Minute},
	}
}

// baselineKey is one client, registrable domain and window of a baseline.
type baselineKey struct {
	client netip.Addr
	domain string
	bin    int64
}

// baselineRun counts distinct subdomains per key for one baseline and
// records the (client, domain) pairs that reached its threshold.
type baselineRun struct {
	b       Baseline
	counts  map[baselineKey]*state.Distinct
	flagged map[pairKey]bool
}

// pairKey is a (client, domain) finding of a baseline.
type pairKey struct {
	client netip.Addr
	domain string
}

func newBaselineRun(b Baseline) *baselineRun {
	return &baselineRun{b: b, counts: map[baselineKey]*state.Distinct{}, flagged: map[pairKey]bool{}}
}

// observe counts one query. The benchmark's inputs are bounded files, so
// the maps grow with the data; this is a measuring tool, not a detector.
func (r *baselineRun) observe(ev *event.Event) {
	name, dom := ev.DNS.QName, ev.Enrich.Domain
	if dom == "" || len(name) <= len(dom)+1 {
		return
	}
	client := ev.Client.Addr().Unmap()
	k := baselineKey{client: client, domain: dom, bin: ev.Time.UnixNano() / int64(r.b.Window)}
	d := r.counts[k]
	if d == nil {
		d, _ = state.NewDistinct(64, 10) // constant, valid sizes
		k.domain = string([]byte(dom))
		r.counts[k] = d
	}
	d.Add(state.HashString(1, name[:len(name)-len(dom)-1]))
	if d.Count() < uint64(r.b.Threshold) {
		return
	}
	// The event's strings are borrowed: a new map key owns a copy.
	if p := (pairKey{client: client, domain: dom}); !r.flagged[p] {
		p.domain = string([]byte(dom))
		r.flagged[p] = true
	}
}
