package resolver

import (
	"net/netip"
	"strings"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/netset"
)

// allowKind says why a destination needs no alert.
type allowKind uint8

const (
	allowSpecial   allowKind = iota // special-purpose range (private, loopback, ...)
	allowCatalogue                  // known public resolver under policy allow
	allowApproved                   // configured approved resolver
	numAllowKinds
)

// allowReason is the value of the allow table.
type allowReason struct {
	kind allowKind
	name string
}

// policy is the compiled form of a Config: everything Observe consults.
type policy struct {
	// allow holds every destination that needs no alert, so the common
	// event costs one longest-prefix lookup.
	allow *netset.Set[allowReason]
	// approved holds the approved resolvers alone, to recognise DNS sent
	// by a resolver itself.
	approved    *netset.Set[string]
	nApproved   int
	skipClients bool
	// resolverProcs are lowercased ResolverProcesses entries.
	resolverProcs []string
	exclusions    []exclusion
	// doh holds the catalogue's DoH endpoints for DoH inference.
	doh        *netset.Set[struct{}]
	ports      portRoles
	severities [numTiers]alert.Severity
}

const numTiers = 3

// portRoles maps each port to its roles as a bit set.
type portRoles [65536]uint8

const (
	roleDNS uint8 = 1 << iota
	roleDoT
	roleDoH
)

func compilePolicy(cfg Config, cat *Catalogue) *policy {
	p := &policy{
		allow:         netset.New[allowReason](),
		approved:      netset.New[string](),
		nApproved:     len(cfg.Approved),
		skipClients:   cfg.SkipApprovedClients,
		resolverProcs: lowerAll(cfg.ResolverProcesses),
		doh:           netset.New[struct{}](),
	}
	if cfg.TreatPrivateAsApproved {
		for _, r := range netset.SpecialRanges() {
			p.allow.AddPrefix(r.Prefix, allowReason{allowSpecial, r.Name})
		}
	}
	for e := range cat.All() {
		if e.Tier != TierKnown {
			continue
		}
		if cfg.Catalogue.Policy == PolicyAllow {
			p.allow.AddPrefix(e.Prefix, allowReason{allowCatalogue, e.Provider})
		}
		if e.Kinds&KindDoH != 0 {
			p.doh.AddPrefix(e.Prefix, struct{}{})
		}
	}
	for _, a := range cfg.Approved {
		pfx, _ := netset.ParsePrefix(a.CIDR) // checked by Validate
		p.allow.AddPrefix(pfx, allowReason{allowApproved, a.Name})
		p.approved.AddPrefix(pfx, a.Name)
	}
	for i, x := range cfg.Exclusions {
		p.exclusions = append(p.exclusions, compileExclusion(i, x))
	}
	for _, port := range cfg.Ports.DNS {
		p.ports[port] |= roleDNS
	}
	for _, port := range cfg.Ports.DoT {
		p.ports[port] |= roleDoT
	}
	for _, port := range cfg.Ports.DoH {
		p.ports[port] |= roleDoH
	}
	p.severities[TierNone], _ = alert.ParseSeverity(cfg.Severity.Unknown)
	p.severities[TierKnown], _ = alert.ParseSeverity(cfg.Severity.KnownPublic)
	p.severities[TierOpen], _ = alert.ParseSeverity(cfg.Severity.OpenResolver)
	return p
}

// classify says whether ev is DNS sent to a server, and how it travelled.
// query is true for a DNS message, false for a connection summary.
func (p *policy) classify(ev *event.Event, server netip.Addr) (t event.Transport, query, ok bool) {
	port := ev.Server.Port()
	switch ev.Kind {
	case event.KindDNS:
		if !ev.DNS.HasQuery {
			return 0, false, false
		}
		switch {
		case ev.Transport == event.TransportDoT || ev.Transport == event.TransportDoH || ev.Transport == event.TransportDoQ:
			return ev.Transport, true, true
		case port == 0 || p.ports[port]&roleDNS != 0:
			return ev.Transport, true, true
		case p.ports[port]&roleDoT != 0:
			return dotOrDoQ(ev.Transport), true, true
		}
	case event.KindConn:
		t := ev.Transport
		switch {
		case t == event.TransportDoT || t == event.TransportDoH || t == event.TransportDoQ:
			return t, false, true
		case t == event.TransportUnknown && ev.Conn.Proto == 6:
			t = event.TransportTCP
		case t == event.TransportUnknown && ev.Conn.Proto == 17:
			t = event.TransportUDP
		}
		roles := p.ports[port]
		switch {
		case port == 0:
		case roles&roleDNS != 0:
			return t, false, true
		case roles&roleDoT != 0:
			return dotOrDoQ(t), false, true
		case roles&roleDoH != 0 && p.doh.Contains(server):
			return event.TransportDoH, false, true
		}
	}
	return 0, false, false
}

// dotOrDoQ names encrypted DNS on a DoT port: UDP there is DNS over QUIC.
func dotOrDoQ(t event.Transport) event.Transport {
	if t == event.TransportUDP {
		return event.TransportDoQ
	}
	return event.TransportDoT
}

// exclusion is a compiled Exclusion.
type exclusion struct {
	index          int
	any            netip.Prefix // valid when set
	client, server netip.Prefix
	process        string
	processIsPath  bool
	user           string
	reason         string
	expires        time.Time // zero: never
}

func compileExclusion(i int, x Exclusion) exclusion {
	parse := func(s string) netip.Prefix {
		if s == "" {
			return netip.Prefix{}
		}
		p, _ := netset.ParsePrefix(s) // checked by Validate
		return p
	}
	e := exclusion{
		index:         i,
		any:           parse(x.CIDR),
		client:        parse(x.ClientCIDR),
		server:        parse(x.ServerCIDR),
		process:       x.Process,
		processIsPath: strings.ContainsAny(x.Process, `/\`),
		user:          x.User,
		reason:        x.Reason,
	}
	if x.Expires != "" {
		e.expires, _ = parseExpiry(x.Expires)
	}
	return e
}

// matches reports whether the exclusion's conditions hold for one event,
// ignoring expiry. base is the base name of image.
func (x *exclusion) matches(client, server netip.Addr, image, base string) bool {
	if x.any.IsValid() && !x.any.Contains(client) && !x.any.Contains(server) {
		return false
	}
	if x.client.IsValid() && !x.client.Contains(client) {
		return false
	}
	if x.server.IsValid() && !x.server.Contains(server) {
		return false
	}
	if x.process != "" {
		if !x.processIsPath {
			image = base
		}
		if !strings.EqualFold(image, x.process) {
			return false
		}
	}
	return true
}

// matchesUser reports whether the exclusion's account, if any, is user:
// "DOMAIN\name" compared whole, a bare name with the part after the
// backslash, without regard to case.
func (x *exclusion) matchesUser(user string) bool {
	switch {
	case x.user == "":
		return true
	case strings.ContainsRune(x.user, '\\'):
		return strings.EqualFold(x.user, user)
	}
	return strings.EqualFold(x.user, baseName(user))
}

// expired reports whether the exclusion no longer applies at event time t.
// An event without a time never expires an exclusion.
func (x *exclusion) expired(t time.Time) bool {
	return !x.expires.IsZero() && !t.IsZero() && !t.Before(x.expires)
}

// excluded returns whether an active exclusion matches, and the index of an
// expired one that matched (-1 if none).
func (p *policy) excluded(t time.Time, client, server netip.Addr, image, user string) (bool, int) {
	expired := -1
	base := baseName(image)
	for i := range p.exclusions {
		x := &p.exclusions[i]
		if !x.matches(client, server, image, base) || !x.matchesUser(user) {
			continue
		}
		if !x.expired(t) {
			return true, -1
		}
		if expired < 0 {
			expired = i
		}
	}
	return false, expired
}

// baseName returns the last element of a Windows or POSIX path.
func baseName(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' || path[i] == '\\' {
			return path[i+1:]
		}
	}
	return path
}

func lowerAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = strings.ToLower(s)
	}
	return out
}

// isResolverProcess reports whether image is one of the configured DNS
// server programs: a full-path entry matches the whole path, a bare name
// the file name, without regard to case. It does not allocate.
func (p *policy) isResolverProcess(image string) bool {
	if image == "" {
		return false
	}
	base := baseName(image)
	for _, e := range p.resolverProcs {
		if strings.ContainsAny(e, `/\`) {
			if strings.EqualFold(e, image) {
				return true
			}
		} else if strings.EqualFold(e, base) {
			return true
		}
	}
	return false
}
