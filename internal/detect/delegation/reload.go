package delegation

import (
	"fmt"

	"github.com/dnsvigil/dnsvigil/internal/detect"
)

var _ detect.Reloader = (*Detector)(nil)

// Reload implements detect.Reloader: d takes next's configuration
// (watched zones, max_variants, max_clients, severities) and keeps, for each
// zone it still watches, its baselines and the changes seen, with their
// sightings and clients.
//
// A newly watched zone starts from its configured expectations or the
// first values seen. A zone no longer watched is forgotten, with any
// sightings not yet reported. Where the new configuration states an
// expected NS set or SOA that differs from a kept zone's baseline, the
// configuration becomes the baseline (a planned move of the zone is
// entered this way); the changes seen so far stay. A lower max_variants or
// max_clients keeps what is held and holds no more.
func (d *Detector) Reload(next detect.Detector) error {
	n, ok := next.(*Detector)
	if !ok {
		return fmt.Errorf("reload delegation: new detector is a %T", next)
	}
	zones := make(map[string]*zone, len(n.zones))
	for _, w := range n.cfg.Watched {
		nz := n.zones[w.Zone]
		z, ok := d.zones[w.Zone]
		if !ok {
			zones[w.Zone] = nz
			continue
		}
		if len(w.ExpectedNS) > 0 && nz.ns != z.ns {
			z.nsList, z.ns, z.nsFrom = nz.nsList, nz.ns, nz.nsFrom
			for _, h := range z.nsList {
				delete(z.nsHostsOfChanges, h) // now a baseline server: its addresses are a baseline too
			}
		}
		if (w.ExpectedSOAMName != "" || w.ExpectedSOARName != "") && (nz.mname != z.mname || nz.rname != z.rname) {
			z.mname, z.rname, z.soaFrom = nz.mname, nz.rname, nz.soaFrom
		}
		zones[w.Zone] = z
	}
	d.cfg, d.sev, d.zones = n.cfg, n.sev, zones
	d.hostZones = map[string][]*zone{}
	for _, w := range n.cfg.Watched {
		z := zones[w.Zone]
		for _, h := range z.nsList {
			d.hostZones[h] = append(d.hostZones[h], z)
		}
		for h := range z.nsHostsOfChanges {
			d.hostZones[h] = append(d.hostZones[h], z)
		}
	}
	return nil
}
