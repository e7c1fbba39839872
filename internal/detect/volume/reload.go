package volume

import (
	"fmt"

	"github.com/dnsvigil/dnsvigil/internal/detect"
)

var _ detect.Reloader = (*Detector)(nil)

// Reload implements detect.Reloader: d takes next's configuration and keeps
// its open bin, its counts and its counters.
//
// The threshold, the exclusions and count_response_only and
// count_connections apply at once; the threshold is checked when the open
// bin closes, so it applies to the queries counted before the reload too.
// max_keys, top_domains, sample_names and per_process shape the per-bin
// tables, so they take effect when the open bin closes (at once when no key
// is counted yet). A changed window is refused: the open bin cannot change
// its width.
func (d *Detector) Reload(next detect.Detector) error {
	n, ok := next.(*Detector)
	if !ok {
		return fmt.Errorf("reload volume: new detector is a %T", next)
	}
	if w := d.win.Width(); n.cfg.Window != w {
		return fmt.Errorf("reload volume: window changed from %v to %v, which the open bin cannot follow; restart to apply it", w, n.cfg.Window)
	}
	cur := d.cfg
	d.cfg = n.cfg
	d.pending = nil
	if sameShape(cur, n.cfg) {
		return nil
	}
	d.cfg.MaxKeys, d.cfg.TopDomains, d.cfg.SampleNames, d.cfg.PerProcess = cur.MaxKeys, cur.TopDomains, cur.SampleNames, cur.PerProcess
	d.pending = n
	if d.keys.Len() == 0 {
		d.adoptShape()
	}
	return nil
}

// sameShape reports whether a and b give the per-bin tables the same shape.
func sameShape(a, b Config) bool {
	return a.MaxKeys == b.MaxKeys && a.TopDomains == b.TopDomains && a.SampleNames == b.SampleNames && a.PerProcess == b.PerProcess
}

// adoptShape takes the per-bin tables of the pending configuration; it runs
// when no key is counted, so nothing is lost.
func (d *Detector) adoptShape() {
	n := d.pending
	d.pending = nil
	d.evictedBefore += d.keys.Evictions()
	d.keys = n.keys
	d.cfg.MaxKeys, d.cfg.TopDomains, d.cfg.SampleNames, d.cfg.PerProcess = n.cfg.MaxKeys, n.cfg.TopDomains, n.cfg.SampleNames, n.cfg.PerProcess
	d.domainSlots = n.domainSlots
	d.aggs, d.doms, d.domNames, d.samples = nil, nil, nil, nil
}
