package intelmatch

import (
	"fmt"

	"github.com/dnsvigil/dnsvigil/internal/detect"
)

var _ detect.Reloader = (*Detector)(nil)

// Reload implements detect.Reloader: d takes next's intel set, severity and
// max_findings, and keeps its findings and counters. A finding whose
// indicator the new intel no longer lists is kept (it is reported again at
// the end if seen again); new matches use the new set. When max_findings is
// lowered below the findings held, the oldest findings are forgotten,
// counted as dropped, with any later sightings not yet reported.
func (d *Detector) Reload(next detect.Detector) error {
	n, ok := next.(*Detector)
	if !ok {
		return fmt.Errorf("reload intel: new detector is a %T", next)
	}
	d.cfg, d.sev, d.set = n.cfg, n.sev, n.set
	if over := len(d.order) - d.cfg.MaxFindings; over > 0 {
		for _, k := range d.order[:over] {
			delete(d.findings, k)
		}
		d.order = append([]findingKey(nil), d.order[over:]...)
		d.dropped += int64(over)
	}
	return nil
}
