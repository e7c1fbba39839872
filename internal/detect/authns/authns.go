// Package authns finds zones that internal clients query and whose
// authoritative name servers look adversary-run (rule DNSV-AUTH-001, ATT&CK
// T1583.002, detection strategy DET0862): the heart of "adversaries run
// their own DNS servers". It learns each zone's NS set, the name servers'
// addresses and the SOA from every response in the input (NS answers, the
// authority section of responses and referrals, glue; package nsfacts), and
// scores a zone when a client asks under it:
//
//	score = min(100, d · Σ feature weights)
//
//	delegation_changed    25  the zone's NS set changed, during the input or against earlier scans, to servers of no DNS provider
//	new_servers           15  every server was first seen within new_ns_age of the query (needs a history that reaches back that far)
//	self_hosted           20  every server is named under one domain that is no DNS provider
//	exclusive_servers     10  no server was seen serving any other zone
//	intel                 40  a server name or address is on threat intel
//	shares_with_bad       25  a server also serves a zone on threat intel or reported by this detector
//	soa_primary_outside   10  the SOA's MNAME is not among the NS set
//	lame_delegation       10  a listed server refused, failed or answered without authority for the zone
//	low_ns_ttl             5  an NS record's TTL is below low_ns_ttl
//	d = 0.2 when a server belongs to a catalogued managed DNS provider, else 1
//
// Medium from medium_score, high from high_score; one alert per (zone, NS
// set), raised at the query that first scores it, with every feature's
// contribution in the evidence. Zones and name servers live in
// least-recently-used tables of max_domains and max_name_servers entries,
// so memory does not depend on the input.
//
// False positives the seed lists (CDNs, marketing platforms, developer test
// domains, planned migrations) are handled by the provider catalogue and by
// exclusions with a reason.
package authns

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/detect"
	"github.com/dnsvigil/dnsvigil/internal/dnsname"
	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/intel"
	"github.com/dnsvigil/dnsvigil/internal/nsfacts"
	"github.com/dnsvigil/dnsvigil/internal/state"
)

// Rule identity.
const (
	RuleID   = "DNSV-AUTH-001"
	RuleName = "Zone on suspicious authoritative servers"
	// Name is the detector's name in configuration and counters.
	Name = "authns"
)

// Feature weights (see the package doc).
const (
	wChanged    = 25
	wNew        = 15
	wSelfHosted = 20
	wExclusive  = 10
	wIntel      = 40
	wSharesBad  = 25
	wSOA        = 10
	wLame       = 10
	wLowTTL     = 5
	// providerDamping multiplies the score of a zone on a managed
	// provider's servers.
	providerDamping = 0.2
)

// Bounds of per-zone and per-server state.
const (
	maxNS    = 8 // name servers kept per zone
	maxAddrs = 2 // addresses kept per server
	maxZones = 4 // zones remembered per server (a count saturates past it)
)

// Deps are what the detector needs besides its configuration.
type Deps struct {
	// PSL gives the registrable domain of a name server.
	PSL *dnsname.PSL
	// Intel, when not nil, is matched against server names and addresses
	// and against the zones they serve.
	Intel *intel.Set
	// History, when not nil, is the delegation history of earlier scans
	// (from the passive-DNS store).
	History *History
}

// Detector scores zones by their authoritative servers. Build it with New;
// it is not safe for concurrent use.
type Detector struct {
	cfg   Config
	deps  Deps
	prov  providers
	excl  []Exclusion
	zones *state.LRU[string, zone]
	nss   *state.LRU[string, server]
	// pending are registrable domains asked for before any NS fact of them
	// was seen: when the facts come later (a resolver's referral after the
	// client's query, an active lookup), the zone is scored for the client
	// that asked first.
	pending *state.LRU[string, asked]

	// addrHost maps known name-server addresses to the server, to spot
	// lame delegations in the servers' own answers. Cleared when it holds
	// max_name_servers entries.
	addrHost map[netip.Addr]string

	// scratch for one response: NS hosts grouped by owner zone, and zones
	// to score once the response is read
	owners []ownerNS
	later  []laterScore

	responses, queries, scored, excluded, alerts int64
	// zonesEvictedBefore and nssEvictedBefore count the evictions of
	// tables a reload replaced.
	zonesEvictedBefore, nssEvictedBefore int64
}

// zone is what is known of one zone (an NS owner name).
type zone struct {
	name        string
	ns          [maxNS]string
	nNS         int
	baseNS      string // the first NS set seen
	oldNS       string // the NS set before it changed, when the current one is not the first
	reportedNS  string // the NS set last reported
	changed     time.Time
	changes     int
	minTTL      uint32
	soaMName    string
	version     uint32 // bumped when the NS set changes
	scored      uint32 // version last scored
	queries     int64
	firstQuery  time.Time
	firstClient netip.Addr
	firstHost   string
	// hasSub: a zone below this one is tracked, so queries under it look
	// for the closest enclosing zone.
	hasSub bool
	// lame says which listed server did not serve the zone, when one did
	// not.
	lame string
}

// server is what is known of one name server.
type server struct {
	host    string
	dom     string // its registrable domain
	first   time.Time
	zones   [maxZones]uint64
	nZones  int // distinct zones served, saturating above maxZones
	addrs   [maxAddrs]netip.Addr
	nAddrs  int
	glue    bool
	badZone string // a zone on intel or reported that this server serves
}

// asked is the context of a client's query, for the alert.
type asked struct {
	t         time.Time
	client    netip.Addr
	host      string
	qname     string
	server    netip.AddrPort
	transport event.Transport
	queries   int64
}

func askedOf(ev *event.Event) asked {
	return asked{t: ev.Time, client: ev.Client.Addr().Unmap(), host: ev.Host.Name, qname: ev.DNS.QName,
		server: ev.Server, transport: ev.Transport, queries: 1}
}

type ownerNS struct {
	zone  string
	hosts [maxNS]string
	n     int
	ttl   uint32
}

// New returns a detector for cfg, which must pass Validate.
func New(cfg Config, deps Deps) (*Detector, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("new authns detector: %w", errors.Join(errs...))
	}
	if deps.PSL == nil {
		deps.PSL = dnsname.NewPSL(dnsname.PSLOptions{})
	}
	var lists [][]Provider
	if cfg.UseBuiltinProviders {
		builtin, err := ParseProviders(ProviderList)
		if err != nil {
			return nil, fmt.Errorf("new authns detector: %w", err)
		}
		lists = append(lists, builtin)
	}
	lists = append(lists, slices.Clone(cfg.Providers))
	d := &Detector{cfg: cfg, deps: deps, prov: newProviders(lists...), excl: cfg.Exclusions}
	if !cfg.Enabled {
		return d, nil
	}
	var err error
	if d.zones, err = state.NewLRU[string, zone](cfg.MaxDomains, 0, strings.Clone); err != nil {
		return nil, err
	}
	if d.nss, err = state.NewLRU[string, server](cfg.MaxNameServers, 0, strings.Clone); err != nil {
		return nil, err
	}
	if d.pending, err = state.NewLRU[string, asked](max(cfg.MaxDomains/4, 1), 0, strings.Clone); err != nil {
		return nil, err
	}
	return d, nil
}

// Name implements detect.Detector.
func (d *Detector) Name() string { return Name }

// UsesRecords implements detect.RecordsUser.
func (d *Detector) UsesRecords() bool { return d.cfg.Enabled }

// Observe implements detect.Detector.
func (d *Detector) Observe(ev *event.Event, emit detect.Emit) {
	if !d.cfg.Enabled || ev.Kind != event.KindDNS || ev.Time.IsZero() {
		return
	}
	if ev.DNS.HasResponse && len(ev.DNS.Answers)+len(ev.DNS.Authority)+len(ev.DNS.Additional) > 0 {
		d.responses++
		d.learn(ev, emit)
	}
	if ev.DNS.HasResponse && len(d.addrHost) > 0 && ev.Enrich.Domain != "" && lameCandidate(ev) {
		if host, ok := d.addrHost[ev.Server.Addr().Unmap()]; ok {
			d.checkLame(host, ev)
		}
	}
	if ev.DNS.HasQuery && ev.Enrich.Domain != "" {
		d.queries++
		d.query(ev, emit)
	}
}

// learn takes the NS sets, server addresses and SOA of a response.
func (d *Detector) learn(ev *event.Event, emit detect.Emit) {
	d.owners = d.owners[:0]
	// NS and SOA records come in the authority section, or as answers to
	// NS, SOA or ANY questions; other responses only carry addresses.
	if qt := ev.DNS.QType; len(ev.DNS.Authority) == 0 && qt != event.TypeNS && qt != event.TypeSOA && qt != event.TypeANY {
		d.learnAddrs(ev)
		return
	}
	nsfacts.EachNS(ev, func(owner, host string, ttl uint32, _ nsfacts.Section) {
		i := 0
		for i < len(d.owners) && d.owners[i].zone != owner {
			i++
		}
		if i == len(d.owners) {
			if i == maxNS {
				return
			}
			d.owners = append(d.owners, ownerNS{zone: owner, ttl: ttl})
		}
		o := &d.owners[i]
		o.ttl = min(o.ttl, ttl)
		if o.n < maxNS && !slices.Contains(o.hosts[:o.n], host) {
			o.hosts[o.n] = host
			o.n++
		}
	})
	for i := range d.owners {
		o := &d.owners[i]
		reg := d.deps.PSL.Domain(o.zone)
		if reg == "" {
			continue // the root or a public suffix: not a zone a client's domain sits in
		}
		hosts := o.hosts[:o.n]
		slices.Sort(hosts)
		if reg != o.zone {
			p, ins := d.zones.Upsert(reg, ev.Time)
			if ins {
				*p = zone{name: strings.Clone(reg)}
			}
			p.hasSub = true
		}
		z, inserted := d.zones.Upsert(o.zone, ev.Time)
		if inserted {
			*z = zone{name: strings.Clone(o.zone)}
		}
		unchanged := z.nNS > 0 && slices.Equal(z.ns[:z.nNS], hosts)
		switch {
		case unchanged:
		case z.nNS == 0:
			z.setNS(hosts)
			z.baseNS = strings.Join(hosts, ", ")
			z.version++
		default:
			z.oldNS = strings.Join(z.ns[:z.nNS], ", ")
			z.setNS(hosts)
			if strings.Join(hosts, ", ") == z.baseNS {
				z.oldNS = "" // back to the first set: a revert, not a change
			}
			z.changed = ev.Time
			z.changes++
			z.version++
		}
		if z.minTTL == 0 || o.ttl < z.minTTL {
			z.minTTL = o.ttl
		}
		if p, ok := d.pending.Peek(o.zone); ok && z.firstQuery.IsZero() {
			z.firstQuery, z.firstClient, z.firstHost, z.queries = p.t, p.client, p.host, p.queries
			d.pending.Delete(o.zone)
			d.later = append(d.later, laterScore{zone: o.zone, asked: p})
		}
		if unchanged {
			continue // its servers know this zone already
		}
		zoneHash := state.HashString(0, o.zone)
		zoneBad := d.deps.Intel != nil && d.onIntel(o.zone)
		for _, h := range hosts {
			s, ins := d.nss.Upsert(h, ev.Time)
			if ins {
				*s = server{host: strings.Clone(h), dom: strings.Clone(d.deps.PSL.Domain(h)), first: ev.Time}
			}
			s.addZone(zoneHash)
			if zoneBad && s.badZone == "" {
				s.badZone = z.name
			}
		}
	}
	nsfacts.EachSOA(ev, func(soa nsfacts.SOA, _ nsfacts.Section) {
		if z, ok := d.zones.Ref(soa.Zone, ev.Time); ok && z.soaMName != soa.MName {
			z.soaMName = strings.Clone(soa.MName)
			z.version++ // a new fact: score the zone again
		}
	})
	d.learnAddrs(ev)
	for _, l := range d.later {
		if z, ok := d.zones.Ref(l.zone, ev.Time); ok {
			d.evaluate(z, l.asked, emit)
		}
	}
	d.later = d.later[:0]
}

// laterScore is a zone whose first query came before its NS facts.
type laterScore struct {
	zone  string
	asked asked
}

// learnAddrs takes the addresses of known name servers: glue beside NS
// records, or the answer to a query for a server's name; other answers
// are not read.
func (d *Detector) learnAddrs(ev *event.Event) {
	if len(d.owners) == 0 {
		if qt := ev.DNS.QType; qt != event.TypeA && qt != event.TypeAAAA {
			return
		}
		if _, ok := d.nss.Peek(ev.DNS.QName); !ok {
			return
		}
	}
	nsfacts.EachAddr(ev, func(name string, a netip.Addr, _ uint32, sec nsfacts.Section) {
		s, ok := d.nss.Peek(name)
		if !ok {
			return
		}
		if !slices.Contains(s.addrs[:s.nAddrs], a) && s.nAddrs < maxAddrs {
			s.addrs[s.nAddrs] = a
			s.nAddrs++
			if len(d.addrHost) >= d.cfg.MaxNameServers {
				clear(d.addrHost)
			}
			if d.addrHost == nil {
				d.addrHost = map[netip.Addr]string{}
			}
			d.addrHost[a] = s.host
		}
		if sec == nsfacts.Additional {
			s.glue = true
		}
		d.nss.Put(name, s, ev.Time)
	})
}

// lameCandidate reports answers that would make a delegation lame if a
// listed server gave them: a refusal or failure, or a non-authoritative
// answer to a query that asked no recursion (what a resolver asks an
// authoritative server) without referring to a child zone. Ordinary
// answers of recursive resolvers (recursion desired) are not.
func lameCandidate(ev *event.Event) bool {
	switch rc := ev.DNS.RCode; {
	case rc == event.RcodeRefused, rc == event.RcodeServFail:
		return true
	case rc == event.RcodeNoError && ev.DNS.FlagsKnown:
		f := ev.DNS.Flags
		return !f.Has(event.FlagRD) && !f.Has(event.FlagAA) && !hasNS(ev.DNS.Authority)
	}
	return false
}

// checkLame looks at an answer from host, a known name server: when host
// is in the NS set of the zone asked about and refuses, fails, or answers
// without authority and without referring to a child zone, the delegation
// to it is lame.
func (d *Detector) checkLame(host string, ev *event.Event) {
	z, ok := d.zoneOf(ev.DNS.QName, ev.Enrich.Domain, ev.Time)
	if !ok || z.lame != "" || !slices.Contains(z.ns[:z.nNS], host) {
		return
	}
	why := "an answer without authority"
	switch ev.DNS.RCode {
	case event.RcodeRefused:
		why = "REFUSED"
	case event.RcodeServFail:
		why = "SERVFAIL"
	}
	z.lame = fmt.Sprintf("%s (%s) gave %s for %s", host, ev.Server.Addr().Unmap(), why, ev.DNS.QName)
	z.version++ // score the zone again with it
}

func hasNS(rrs []event.RR) bool {
	for i := range rrs {
		if rrs[i].Type == event.TypeNS {
			return true
		}
	}
	return false
}

func (z *zone) setNS(hosts []string) {
	z.nNS = len(hosts)
	for i, h := range hosts {
		z.ns[i] = strings.Clone(h)
	}
}

func (s *server) addZone(h uint64) {
	if slices.Contains(s.zones[:min(s.nZones, maxZones)], h) {
		return
	}
	if s.nZones < maxZones {
		s.zones[s.nZones] = h
	}
	s.nZones++
}

func (d *Detector) onIntel(name string) bool {
	_, ok := d.deps.Intel.MatchName(name)
	return ok
}

// query scores the zone a client asked under, once per NS set.
func (d *Detector) query(ev *event.Event, emit detect.Emit) {
	z, ok := d.zoneOf(ev.DNS.QName, ev.Enrich.Domain, ev.Time)
	if !ok || z.nNS == 0 {
		d.remember(ev)
		return
	}
	z.queries++
	if z.firstQuery.IsZero() {
		z.firstQuery, z.firstClient, z.firstHost = ev.Time, ev.Client.Addr().Unmap(), strings.Clone(ev.Host.Name)
	}
	d.evaluate(z, askedOf(ev), emit)
}

// remember keeps the first query of a registrable domain whose name
// servers are not known yet.
func (d *Detector) remember(ev *event.Event) {
	p, inserted := d.pending.Upsert(ev.Enrich.Domain, ev.Time)
	if inserted {
		*p = askedOf(ev)
		p.host, p.qname = strings.Clone(p.host), strings.Clone(p.qname)
		return
	}
	p.queries++
}

// Unresolved returns up to max registrable domains that clients asked for
// and whose name servers no response in the input showed, most recently
// asked first: what an active lookup (scan --resolve) would ask about.
func (d *Detector) Unresolved(max int) []string {
	if !d.cfg.Enabled {
		return nil
	}
	var out []string
	d.pending.Each(func(k string, _ *asked) bool {
		out = append(out, k)
		return len(out) < max
	})
	return out
}

// evaluate scores zone z once per NS set and alerts, for the query a.
func (d *Detector) evaluate(z *zone, a asked, emit detect.Emit) {
	if z.scored == z.version {
		return
	}
	z.scored = z.version
	d.scored++
	sc := d.score(z, a.t)
	if sc.score < d.cfg.MediumScore {
		return
	}
	if d.isExcluded(z.name) {
		d.excluded++
		return
	}
	set := strings.Join(z.ns[:z.nNS], ", ")
	if set == z.reportedNS {
		return // this NS set was reported already
	}
	z.reportedNS = set
	for _, h := range z.ns[:z.nNS] {
		if s, ok := d.nss.Peek(h); ok && s.badZone == "" {
			s.badZone = z.name
			d.nss.Put(h, s, a.t)
		}
	}
	d.alerts++
	emit(d.alert(z, sc, a))
}

// zoneOf finds the tracked zone of a query: the closest enclosing zone
// whose NS set is known, from the query name up to its registrable domain.
func (d *Detector) zoneOf(qname, domain string, now time.Time) (*zone, bool) {
	top, ok := d.zones.Ref(domain, now)
	if !ok {
		return nil, false
	}
	if top.hasSub {
		for n := qname; len(n) > len(domain); n = dnsname.Parent(n) {
			if n[len(n)-len(domain)-1] != '.' {
				continue
			}
			if z, ok := d.zones.Ref(n, now); ok && z.nNS > 0 {
				return z, true
			}
		}
	}
	return top, top.nNS > 0
}

func (d *Detector) isExcluded(name string) bool {
	for _, e := range d.excl {
		if nsfacts.InBailiwick(name, e.Domain) {
			return true
		}
	}
	return false
}

// Advance implements detect.Detector; the detector keeps no windows.
func (d *Detector) Advance(time.Time, detect.Emit) {}

// Flush implements detect.Detector; alerts are raised as queries come.
func (d *Detector) Flush(detect.Emit) {}

// Counts implements detect.Counter.
func (d *Detector) Counts() []detect.Stat {
	if !d.cfg.Enabled {
		return nil
	}
	return []detect.Stat{
		{Name: "responses read", Value: d.responses},
		{Name: "queries read", Value: d.queries},
		{Name: "zones tracked", Value: int64(d.zones.Len())},
		{Name: "zones evicted", Value: d.zonesEvictedBefore + d.zones.Evictions()},
		{Name: "name servers tracked", Value: int64(d.nss.Len())},
		{Name: "name servers evicted", Value: d.nssEvictedBefore + d.nss.Evictions()},
		{Name: "zones scored", Value: d.scored},
		{Name: "domains asked before their name servers were seen", Value: int64(d.pending.Len())},
		{Name: "zones excluded", Value: d.excluded},
		{Name: "alerts", Value: d.alerts},
	}
}

var (
	_ detect.Detector    = (*Detector)(nil)
	_ detect.Counter     = (*Detector)(nil)
	_ detect.RecordsUser = (*Detector)(nil)
)
