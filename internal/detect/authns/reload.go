package authns

import (
	"fmt"

	"github.com/dnsvigil/dnsvigil/internal/detect"
)

var _ detect.Reloader = (*Detector)(nil)

// Reload implements detect.Reloader: d takes next's configuration (score
// thresholds, low_ns_ttl, new_ns_age, providers, exclusions), its public
// suffix list and intel, and its history when next has one; it keeps the
// zones, name servers and pending queries it learned and its counters.
//
// Every zone is scored again at its next query, so a lowered threshold,
// new intel or a removed exclusion applies to zones seen before the reload
// (a zone is still reported once per NS set). A new max_domains or
// max_name_servers moves the tables into ones of the new size, the least
// recently seen entries evicted (counted) when they shrink. Turning the
// detector off forgets what it learned; turning it on starts empty.
func (d *Detector) Reload(next detect.Detector) error {
	n, ok := next.(*Detector)
	if !ok {
		return fmt.Errorf("reload authns: new detector is a %T", next)
	}
	switch {
	case !n.cfg.Enabled:
		d.zones, d.nss, d.pending, d.addrHost = nil, nil, nil, nil
		d.zonesEvictedBefore, d.nssEvictedBefore = 0, 0
	case !d.cfg.Enabled:
		d.zones, d.nss, d.pending = n.zones, n.nss, n.pending
	default:
		d.resize(n)
	}
	hist := d.deps.History
	d.cfg, d.deps, d.prov, d.excl = n.cfg, n.deps, n.prov, n.excl
	if d.deps.History == nil {
		d.deps.History = hist
	}
	if d.cfg.Enabled {
		d.zones.Each(func(_ string, z *zone) bool {
			z.scored = z.version - 1 // differs from version: score again
			return true
		})
	}
	return nil
}

// resize moves the tables into n's when n's bounds differ.
func (d *Detector) resize(n *Detector) {
	if n.cfg.MaxDomains != d.cfg.MaxDomains {
		d.zonesEvictedBefore += d.zones.Evictions()
		detect.MoveLRU(n.zones, d.zones, nil)
		detect.MoveLRU(n.pending, d.pending, nil)
		d.zones, d.pending = n.zones, n.pending
	}
	if n.cfg.MaxNameServers != d.cfg.MaxNameServers {
		d.nssEvictedBefore += d.nss.Evictions()
		detect.MoveLRU(n.nss, d.nss, nil)
		d.nss = n.nss
		if len(d.addrHost) > n.cfg.MaxNameServers {
			clear(d.addrHost)
		}
	}
}
