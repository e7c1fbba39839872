package configchange

import (
	"fmt"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/detect"
)

var _ detect.Reloader = (*Detector)(nil)

// Reload implements detect.Reloader: d takes next's configuration (approved
// resolvers, exclusions, catalogue policy, severities, report_resets,
// correlation ports and bounds) and keeps the changes it tracks and its
// counters.
//
// Every setting can change. A new correlation.window or max_tracked moves
// the tracked changes into a table of the new size, most recent last: a
// smaller max_tracked evicts the least recently touched changes (counted as
// evicted), and a change then counts as followed by traffic for the new
// window after it was made.
func (d *Detector) Reload(next detect.Detector) error {
	n, ok := next.(*Detector)
	if !ok {
		return fmt.Errorf("reload configchange: new detector is a %T", next)
	}
	old := d.cfg.Correlation
	d.cfg, d.pol = n.cfg, n.pol
	if c := n.cfg.Correlation; c.Window != old.Window || c.MaxTracked != old.MaxTracked {
		d.evictedBefore += d.track.Evictions()
		d.expiredBefore += d.track.Expirations()
		detect.MoveLRU(n.track, d.track, func(_ trackKey, t *tracked) time.Time { return t.changed })
		d.track = n.track
	}
	return nil
}
