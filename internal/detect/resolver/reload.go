package resolver

import (
	"fmt"
	"net/netip"

	"github.com/dnsvigil/dnsvigil/internal/detect"
)

var _ detect.Reloader = (*Detector)(nil)

// Reload implements detect.Reloader: d takes next's configuration (approved
// resolvers, exclusions, ports, catalogue policy, severities, report timing,
// bounds) and keeps its pairs, overflow summary, counters and learned
// authoritative addresses, adding those next was given.
//
// Every setting can change: a pair's next report stays due when it was;
// a lower max_pairs is reached by evicting the least recently seen pairs as
// new ones arrive (counted, each reported first when it has unreported
// activity), a higher one lets the table grow. A pair whose resolver the
// new configuration approves (approved, special-purpose, or catalogue
// allowed) is forgotten without a report, counted. A pair that matched an
// expired exclusion keeps pointing at it when the new configuration still
// has it, wherever it now sits in the list.
func (d *Detector) Reload(next detect.Detector) error {
	n, ok := next.(*Detector)
	if !ok {
		return fmt.Errorf("reload resolver: new detector is a %T", next)
	}
	d.remapExpired(n.pol)
	d.cfg, d.pol, d.cat = n.cfg, n.pol, n.cat
	d.pairs.max = n.cfg.MaxPairs
	d.forgetApproved()
	for a, zone := range n.auth {
		if _, ok := d.auth[a]; ok || len(d.auth) >= maxAuthAddrs {
			continue
		}
		if d.auth == nil {
			d.auth = map[netip.Addr]string{}
		}
		d.auth[a] = zone
	}
	return nil
}

// remapExpired points each pair's expired exclusion at the same exclusion
// in the new policy, or at none when it is gone.
func (d *Detector) remapExpired(next *policy) {
	for _, i := range d.pairs.index {
		p := &d.pairs.slab[i]
		if p.expired < 0 {
			continue
		}
		p.expired = next.find(d.pol.exclusions[p.expired])
	}
}

// find returns the index of an exclusion equal to x but for its position,
// or -1.
func (p *policy) find(x exclusion) int {
	for i, y := range p.exclusions {
		if y.any == x.any && y.client == x.client && y.server == x.server && y.process == x.process &&
			y.user == x.user && y.reason == x.reason && y.expires.Equal(x.expires) {
			return i
		}
	}
	return -1
}

// forgetApproved drops the pairs whose resolver the policy now approves:
// their activity is what the new configuration calls acceptable.
func (d *Detector) forgetApproved() {
	var gone []int32
	for k, i := range d.pairs.index {
		if _, ok := d.pol.allow.Lookup(k.server); ok {
			gone = append(gone, i)
		}
	}
	for _, i := range gone {
		d.pairs.remove(i)
		d.stats[statPairsApproved]++
	}
}
