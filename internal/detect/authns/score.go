package authns

import (
	"fmt"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
)

// scored is a zone's score with each feature's contribution and the facts
// behind it.
type scored struct {
	score    float64
	contrib  []alert.Field // contribution_<feature>
	reasons  []string      // one phrase per feature that counted
	provider string        // the provider whose servers damped the score
	nsDomain string        // the one registrable domain all servers share
	addrs    []string      // "host addr" of the servers
	intelHit string
	badZone  string
	// historyNS is the zone's earlier NS set from the history, when the
	// change was seen against it.
	historyNS string
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// score evaluates the formula of the package doc for z, asked at t.
func (d *Detector) score(z *zone, t time.Time) scored {
	var sc scored
	add := func(name string, w float64, reason string) {
		sc.score += w
		sc.contrib = append(sc.contrib, alert.Field{Name: "contribution_" + name, Value: w})
		sc.reasons = append(sc.reasons, reason)
	}
	hosts := z.ns[:z.nNS]
	sameDomain, exclusive := "", true
	for i, h := range hosts {
		s, ok := d.nss.Peek(h)
		if !ok {
			s = server{host: h, dom: d.deps.PSL.Domain(h)}
		}
		if i == 0 {
			sameDomain = s.dom
		} else if s.dom != sameDomain {
			sameDomain = ""
		}
		if s.nAddrs > 0 {
			for _, a := range s.addrs[:s.nAddrs] {
				sc.addrs = append(sc.addrs, h+" "+a.String())
			}
		}
		if s.nZones > 1 {
			exclusive = false
		}
		if p, ok := d.prov.match(s.dom); ok && sc.provider == "" {
			sc.provider = p.Name
		}
		if d.deps.Intel != nil && sc.intelHit == "" {
			if ind, ok := d.deps.Intel.MatchName(h); ok {
				sc.intelHit = h + " (" + ind.Source + ")"
			}
			for _, a := range s.addrs[:s.nAddrs] {
				if ind, ok := d.deps.Intel.MatchAddr(a); ok && sc.intelHit == "" {
					sc.intelHit = h + " " + a.String() + " (" + ind.Source + ")"
				}
			}
		}
		if s.badZone != "" && s.badZone != z.name && sc.badZone == "" {
			sc.badZone = h + " also serves " + s.badZone
		}
	}
	sc.nsDomain = sameDomain
	switch old, inHistory := d.deps.History.previousNS(z.name, hosts); {
	case sc.provider != "":
	case z.oldNS != "":
		add("delegation_changed", wChanged, fmt.Sprintf("NS changed from %s at %s", z.oldNS, z.changed.UTC().Format(time.RFC3339)))
	case inHistory:
		sc.historyNS = old
		add("delegation_changed", wChanged, "NS changed from "+old+" (earlier scans)")
	}
	if sc.provider == "" && d.deps.History.covers(t.Add(-d.cfg.NewNSAge)) {
		newest := time.Time{}
		for _, h := range hosts {
			first, ok := d.deps.History.serverFirstSeen(h)
			if !ok {
				if s, seen := d.nss.Peek(h); seen {
					first = s.first
				}
			}
			newest = later(newest, first)
			if first.Before(t.Add(-d.cfg.NewNSAge)) {
				newest = time.Time{}
				break
			}
		}
		if !newest.IsZero() {
			add("new_servers", wNew, fmt.Sprintf("servers first seen %s, within %v of the query", newest.UTC().Format(time.RFC3339), d.cfg.NewNSAge))
		}
	}
	if sameDomain != "" && sc.provider == "" {
		add("self_hosted", wSelfHosted, "servers self-hosted under "+sameDomain)
	}
	if exclusive {
		add("exclusive_servers", wExclusive, "servers serve no other zone seen")
	}
	if sc.intelHit != "" {
		add("intel", wIntel, "on threat intel: "+sc.intelHit)
	}
	if sc.badZone != "" {
		add("shares_with_bad", wSharesBad, sc.badZone)
	}
	if z.soaMName != "" && !contains(hosts, z.soaMName) {
		add("soa_primary_outside", wSOA, "SOA primary "+z.soaMName+" not among the servers")
	}
	if z.lame != "" {
		add("lame_delegation", wLame, "lame: "+z.lame)
	}
	if low := uint32(d.cfg.LowNSTTL / time.Second); z.minTTL > 0 && z.minTTL < low {
		add("low_ns_ttl", wLowTTL, fmt.Sprintf("NS TTL %ds", z.minTTL))
	}
	if sc.provider != "" {
		sc.score *= providerDamping
		for i := range sc.contrib {
			sc.contrib[i].Value = sc.contrib[i].Value.(float64) * providerDamping
		}
	}
	sc.score = min(sc.score, 100)
	return sc
}

func contains(hosts []string, h string) bool {
	for _, x := range hosts {
		if x == h {
			return true
		}
	}
	return false
}
