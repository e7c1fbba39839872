package configchange

import (
	"net/netip"
	"strings"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/detect/resolver"
	"github.com/dnsvigil/dnsvigil/internal/netset"
)

// allowKind says why a server needs no alert.
type allowKind uint8

const (
	allowSpecial   allowKind = iota // special-purpose range
	allowCatalogue                  // known public resolver under policy allow
	allowApproved                   // configured approved resolver
)

type allowReason struct {
	kind allowKind
	name string
}

// policy is the compiled form of a Config.
type policy struct {
	allow      *netset.Set[allowReason]
	cat        *resolver.Catalogue
	exclusions []exclusion
	dnsPorts   [65536]bool
	sev        severities
}

// severities are the parsed SeverityConfig values.
type severities struct {
	unknown, open, known, setting, reset, traffic alert.Severity
}

func compilePolicy(cfg Config, cat *resolver.Catalogue) *policy {
	p := &policy{allow: netset.New[allowReason](), cat: cat}
	if cfg.TreatPrivateAsApproved {
		for _, r := range netset.SpecialRanges() {
			p.allow.AddPrefix(r.Prefix, allowReason{allowSpecial, r.Name})
		}
	}
	if cfg.Catalogue.Policy == PolicyAllow {
		for e := range cat.All() {
			if e.Tier == resolver.TierKnown {
				p.allow.AddPrefix(e.Prefix, allowReason{allowCatalogue, e.Provider})
			}
		}
	}
	for _, a := range cfg.Approved {
		pfx, _ := netset.ParsePrefix(a.CIDR) // checked by Validate
		p.allow.AddPrefix(pfx, allowReason{allowApproved, a.Name})
	}
	for i, x := range cfg.Exclusions {
		p.exclusions = append(p.exclusions, compileExclusion(i, x))
	}
	for _, port := range cfg.Correlation.DNSPorts {
		p.dnsPorts[port] = true
	}
	s := cfg.Severity
	p.sev.unknown, _ = alert.ParseSeverity(s.Unknown)
	p.sev.open, _ = alert.ParseSeverity(s.OpenResolver)
	p.sev.known, _ = alert.ParseSeverity(s.KnownPublic)
	p.sev.setting, _ = alert.ParseSeverity(s.Setting)
	p.sev.reset, _ = alert.ParseSeverity(s.Reset)
	p.sev.traffic, _ = alert.ParseSeverity(s.FollowedByTraffic)
	return p
}

// verdict is what the policy says about one server.
type verdict struct {
	approved bool
	allow    allowReason // why approved
	reason   string      // why not approved
	tier     resolver.Tier
	provider string
	severity alert.Severity
}

// judge classifies one server.
func (p *policy) judge(a netip.Addr) verdict {
	if r, ok := p.allow.Lookup(a); ok {
		return verdict{approved: true, allow: r.Value}
	}
	v := verdict{tier: resolver.TierNone, severity: p.sev.unknown, reason: "not approved and in no catalogue"}
	if e, ok := p.cat.Lookup(a); ok {
		v.tier, v.provider = e.Tier, e.Provider
		switch e.Tier {
		case resolver.TierKnown:
			v.severity = p.sev.known
			v.reason = "known public resolver (" + providerOr(e.Provider) + "), catalogue policy alert"
		case resolver.TierOpen:
			v.severity = p.sev.open
			v.reason = "open resolver from a crawl list (" + providerOr(e.Provider) + ")"
		}
	}
	return v
}

// text says why the server was or was not approved.
func (v verdict) text() string {
	if v.approved {
		return allowText(v.allow)
	}
	return v.reason
}

func providerOr(p string) string {
	if p == "" {
		return "unnamed provider"
	}
	return p
}

func allowText(r allowReason) string {
	switch r.kind {
	case allowSpecial:
		return "special-purpose range " + r.name
	case allowCatalogue:
		return "known public resolver " + providerOr(r.name) + " (catalogue policy allow)"
	}
	if r.name == "" {
		return "approved"
	}
	return "approved " + r.name
}

// exclusion is a compiled Exclusion.
type exclusion struct {
	index         int
	process       string
	processIsPath bool
	user, host    string
	server        netip.Prefix // valid when set
	reason        string
	expires       time.Time // zero: never
}

func compileExclusion(i int, x Exclusion) exclusion {
	e := exclusion{
		index:         i,
		process:       x.Process,
		processIsPath: strings.ContainsAny(x.Process, `/\`),
		user:          x.User,
		host:          x.Host,
		reason:        x.Reason,
	}
	if x.Server != "" {
		e.server, _ = netset.ParsePrefix(x.Server) // checked by Validate
	}
	if x.Expires != "" {
		e.expires, _ = parseExpiry(x.Expires)
	}
	return e
}

// actor is who made a change.
type actor struct {
	host, image, user string
}

// matches reports whether the exclusion's conditions hold, ignoring expiry.
// server is invalid for a change that names no server; an exclusion with a
// server condition then does not match.
func (x *exclusion) matches(who actor, server netip.Addr) bool {
	if x.server.IsValid() && !(server.IsValid() && x.server.Contains(server)) {
		return false
	}
	if x.process != "" {
		image := who.image
		if !x.processIsPath {
			image = baseName(image)
		}
		if !strings.EqualFold(image, x.process) {
			return false
		}
	}
	if x.user != "" && !userMatches(x.user, who.user) {
		return false
	}
	return x.host == "" || strings.EqualFold(x.host, who.host)
}

// userMatches compares accounts case-insensitively; a pattern without a
// domain matches the user part of DOMAIN\user.
func userMatches(pattern, user string) bool {
	if strings.EqualFold(pattern, user) {
		return true
	}
	if strings.ContainsRune(pattern, '\\') {
		return false
	}
	if i := strings.LastIndexByte(user, '\\'); i >= 0 {
		return strings.EqualFold(pattern, user[i+1:])
	}
	return false
}

// excluded returns the active exclusion that matches (or nil) and the first
// expired one that matched (or nil).
func (p *policy) excluded(t time.Time, who actor, server netip.Addr) (active, expired *exclusion) {
	for i := range p.exclusions {
		x := &p.exclusions[i]
		if !x.matches(who, server) {
			continue
		}
		if x.expires.IsZero() || t.IsZero() || t.Before(x.expires) {
			return x, nil
		}
		if expired == nil {
			expired = x
		}
	}
	return nil, expired
}
