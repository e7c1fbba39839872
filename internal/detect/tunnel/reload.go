package tunnel

import (
	"fmt"

	"github.com/dnsvigil/dnsvigil/internal/detect"
)

var _ detect.Reloader = (*Detector)(nil)

// Reload implements detect.Reloader: d takes next's configuration (score
// thresholds, min_queries, escalate_bytes, slow_window, sample_names, the
// built-in benign list and allow entries) and keeps its current and
// previous bins, its slow-channel table and its counters.
//
// Keys of the open bin that have not alerted are scored again at their next
// query, so a lowered threshold or min_queries applies to the queries
// counted before the reload too. A key whose whole domain is now allowed
// forgets what the open bin counted for it. A changed window or max_keys is
// refused: the open and previous bins are aggregated at that width and held
// in tables of that size.
func (d *Detector) Reload(next detect.Detector) error {
	n, ok := next.(*Detector)
	if !ok {
		return fmt.Errorf("reload tunnel: new detector is a %T", next)
	}
	if w := d.win.Width(); n.cfg.Window != w {
		return fmt.Errorf("reload tunnel: window changed from %v to %v, which the open and previous bins cannot follow; restart to apply it", w, n.cfg.Window)
	}
	if n.cfg.MaxKeys != d.cfg.MaxKeys {
		return fmt.Errorf("reload tunnel: max_keys changed from %d to %d, which sizes the tables of the open and previous bins; restart to apply it", d.cfg.MaxKeys, n.cfg.MaxKeys)
	}
	d.cfg, d.allow = n.cfg, n.allow
	for id := range d.keys.Len() {
		a := &d.aggs[id]
		dom := d.keyOf[id].domain
		if _, ok := d.allow.match(dom); ok {
			a.reset()
		}
		a.allowCheck = d.allow.mayCover(dom)
		if !a.alerted {
			a.nextEval = 0
		}
	}
	return nil
}
