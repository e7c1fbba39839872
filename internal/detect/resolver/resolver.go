// Package resolver detects hosts that send DNS to a resolver they are not
// meant to use: a destination that is not an approved resolver, not a
// private or special-purpose address, and not excluded.
//
// Why: malware that carries its own resolver address (or DNS C2 that talks
// straight to the adversary's name server) bypasses the corporate resolver,
// and with it DNS logging, filtering and policy. Adversaries who set up
// their own DNS servers (MITRE ATT&CK T1583.002, Acquire Infrastructure: DNS
// Server; detection strategy DET0862) show up this way once a host queries
// them directly. This is signal 1 of the DET0862 seed query, done without
// its string-prefix traps ("110.0.0.15" is not "10."), with IPv6, DoT and
// DoH, and with one aggregated alert per (host, resolver) pair instead of
// one row per packet.
//
// What counts as DNS: a DNS query event (event.KindDNS with HasQuery) to a
// DNS port (53) or a DoT port (853), or with transport DoT/DoH/DoQ; a
// connection event (event.KindConn) to a DNS or DoT port, with transport
// DoT/DoH/DoQ, or to a DoH port (443) of an endpoint the catalogue lists as
// DoH.
//
// Severity depends on the destination: a named provider's public resolver
// (the shipped catalogue's "known" tier: Google, Cloudflare, Quad9, ...) is
// low, an open resolver found by a crawl (tier "open": ISP resolvers, home
// routers, and open resolvers that an adversary runs) is medium, an address
// no list knows is high. With catalogue policy "allow" known public
// resolvers are treated as approved, as the seed query did.
//
// Each pair is aggregated: its first alert comes first_report (10m) of
// event time after it was first seen, an updated alert every
// report_interval (24h) while it stays active, and a final one at Flush.
// All alerts of a pair share one Key, so a sink keeps the latest.
//
// Known false positives (exclude them with a reason, see Exclusion):
//   - VPN split tunnels that send DNS to remote-office resolvers not yet in
//     the approved list (server_cidr);
//   - developer machines running local resolvers (dnsmasq, systemd-resolved
//     on 127.0.0.53, container bridges such as 172.17.0.0/16): private, so
//     silent by default;
//   - guest Wi-Fi and hotspots whose DHCP hands out the ISP's resolver
//     (client_cidr of the guest network; such resolvers are often tier open);
//   - security scanners and admin tools resolving against external
//     resolvers on purpose (process, client_cidr);
//   - cloud-managed endpoints given the cloud provider's resolver, such as
//     Azure's 168.63.129.16 (server_cidr, or add it to approved).
//
// Observe does not allocate for events that need no alert, nor for further
// events of a pair already held (except to keep the first few sample names
// of a pair). State is bounded by max_pairs with counted eviction.
package resolver

import (
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/detect"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

// Rule identity.
const (
	RuleID   = "DNSV-RES-001"
	RuleName = "DNS to unapproved resolver"
)

// Deps holds what the detector needs besides its Config.
type Deps struct {
	// Catalogue of public resolvers; nil loads the shipped one. Pass one
	// loaded catalogue to share it between detectors.
	Catalogue *Catalogue
	// Authoritative maps addresses of authoritative name servers known
	// from earlier scans (the passive-DNS store) to a zone they serve. The
	// detector copies what it keeps, up to its bound.
	Authoritative map[netip.Addr]string
}

// Detector implements detect.Detector and detect.Counter. It is not safe for
// concurrent use; the engine calls it from one goroutine.
type Detector struct {
	cfg   Config
	pol   *policy
	cat   *Catalogue
	pairs *pairTable
	stats [numStats]int64
	// evictionAlerts counts alerts for pairs evicted before their first
	// alert; past cfg.MaxEvictionAlerts such pairs go to over.
	evictionAlerts int
	over           overflow
	// auth maps the addresses of authoritative servers seen in referral
	// glue to a zone they serve, so DNS sent straight to one says so.
	auth map[netip.Addr]string
}

// maxAuthAddrs bounds the authoritative server addresses remembered;
// past it new ones are not learned (counted).
const maxAuthAddrs = 65536

// Counter indexes.
const (
	statEvents = iota
	statApproved
	statSpecial
	statCatalogueAllowed
	statApprovedClient
	statResolverProcess
	statExcluded
	statExpiredExclusion
	statNoHost
	statAuthFull
	statPairsCreated
	statPairsEvicted
	statPairsIdle
	statPairsApproved
	statAlerts
	numStats
)

var statNames = [numStats]string{
	"dns events",
	"approved destination",
	"special-purpose destination",
	"catalogue allowed",
	"sent by approved resolver",
	"sent by a resolver process",
	"excluded",
	"expired exclusion matched",
	"no host identity",
	"authoritative addresses not kept (full)",
	"pairs created",
	"pairs evicted",
	"pairs forgotten idle",
	"pairs forgotten at reload (now approved)",
	"alerts emitted",
}

var _ detect.Detector = (*Detector)(nil)
var _ detect.Counter = (*Detector)(nil)

// New validates cfg and returns a Detector. The error joins every
// *FieldError that Validate found.
func New(cfg Config, deps Deps) (*Detector, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, joinErrors(errs)
	}
	cat := deps.Catalogue
	if cat == nil {
		var err error
		if cat, err = LoadCatalogue(); err != nil {
			return nil, err
		}
	}
	cfg.Approved = slices.Clone(cfg.Approved)
	d := &Detector{
		cfg:   cfg,
		pol:   compilePolicy(cfg, cat),
		cat:   cat,
		pairs: newPairTable(cfg.MaxPairs),
	}
	for a, zone := range deps.Authoritative {
		if len(d.auth) >= maxAuthAddrs {
			break
		}
		if d.auth == nil {
			d.auth = map[netip.Addr]string{}
		}
		d.auth[a.Unmap()] = zone
	}
	return d, nil
}

// Name returns "resolver".
func (d *Detector) Name() string { return "resolver" }

// Observe counts one event towards its (host, resolver) pair.
func (d *Detector) Observe(ev *event.Event, emit detect.Emit) {
	if len(ev.DNS.Authority) > 0 && len(ev.DNS.Additional) > 0 {
		d.learnAuthoritative(ev)
	}
	server := ev.Server.Addr().Unmap()
	tr, query, ok := d.pol.classify(ev, server)
	if !ok || !server.IsValid() {
		return
	}
	d.stats[statEvents]++
	if r, ok := d.pol.allow.Lookup(server); ok {
		d.stats[allowStat(r.Value.kind)]++
		return
	}
	client := ev.Client.Addr().Unmap()
	if d.pol.skipClients && d.pol.approved.Contains(client) {
		d.stats[statApprovedClient]++
		return
	}
	if d.pol.isResolverProcess(ev.Process.Image) {
		d.stats[statResolverProcess]++
		return
	}
	excluded, expired := d.pol.excluded(ev.Time, client, server, ev.Process.Image, eventUser(ev))
	if excluded {
		d.stats[statExcluded]++
		return
	}
	if expired >= 0 {
		d.stats[statExpiredExclusion]++
	}
	key := pairKey{name: ev.Host.Name, server: server}
	if key.name == "" {
		if !client.IsValid() {
			d.stats[statNoHost]++
			return
		}
		key.addr = client
	}
	i, ok := d.pairs.get(key)
	if !ok {
		i = d.newPair(key, ev.Time, ev.Server.Port(), expired, emit)
	}
	p := &d.pairs.slab[i]
	p.record(ev, client, tr, query, d.cfg.Samples)
	if expired >= 0 {
		p.expired = expired
	}
	d.pairs.touch(i)
	d.report(ev.Time, emit)
}

// learnAuthoritative remembers the glue addresses of the name servers a
// referral or authoritative response names: the servers a stub resolver
// never needs to talk to. Records are read only when the run decodes them
// (another detector asks for them).
func (d *Detector) learnAuthoritative(ev *event.Event) {
	if !ev.DNS.HasResponse {
		return
	}
	for i := range ev.DNS.Authority {
		ns := &ev.DNS.Authority[i]
		if ns.Type != event.TypeNS {
			continue
		}
		host := strings.TrimSuffix(ns.Data, ".")
		for j := range ev.DNS.Additional {
			g := &ev.DNS.Additional[j]
			if (g.Type != event.TypeA && g.Type != event.TypeAAAA) || g.Name != host {
				continue
			}
			a, err := netip.ParseAddr(g.Data)
			if err != nil {
				continue
			}
			a = a.Unmap()
			if _, ok := d.auth[a]; ok {
				continue
			}
			if len(d.auth) >= maxAuthAddrs {
				d.stats[statAuthFull]++
				continue
			}
			if d.auth == nil {
				d.auth = map[netip.Addr]string{}
			}
			d.auth[a] = strings.Clone(ns.Name)
		}
	}
}

// allowStat returns the counter of an allow kind.
func allowStat(k allowKind) int {
	switch k {
	case allowSpecial:
		return statSpecial
	case allowCatalogue:
		return statCatalogueAllowed
	}
	return statApproved
}

// newPair makes room if needed and stores a new pair.
func (d *Detector) newPair(key pairKey, t time.Time, port uint16, expired int, emit detect.Emit) int32 {
	for d.pairs.len() >= d.pairs.max {
		d.evict(emit)
	}
	key.name = strings.Clone(key.name)
	p := pair{key: key, first: t, last: t, port: port, expired: expired, due: t.Add(d.cfg.FirstReport)}
	if e, ok := d.cat.Lookup(key.server); ok {
		p.cat = e
	}
	d.stats[statPairsCreated]++
	return d.pairs.insert(p)
}

// evict removes the least recently seen pair, reporting it first when it
// has activity no alert has shown.
func (d *Detector) evict(emit detect.Emit) {
	i := d.pairs.tail
	p := &d.pairs.slab[i]
	switch {
	case p.dirty && p.reports == 0 && d.evictionAlerts >= d.cfg.MaxEvictionAlerts:
		d.over.add(p)
	case p.dirty:
		if p.reports == 0 {
			d.evictionAlerts++
		}
		d.emit(p, p.last, reportEvicted, emit)
	}
	d.stats[statPairsEvicted]++
	d.pairs.remove(i)
}

// report emits the alerts that are due at event time now, and forgets pairs
// that stayed idle for a whole report interval after their last alert.
func (d *Detector) report(now time.Time, emit detect.Emit) {
	for {
		i := d.pairs.heapTop()
		if i < 0 {
			return
		}
		p := &d.pairs.slab[i]
		if p.due.After(now) {
			return
		}
		if !p.dirty {
			d.stats[statPairsIdle]++
			d.pairs.remove(i)
			continue
		}
		kind := reportUpdate
		if p.reports == 0 {
			kind = reportInitial
		}
		d.emit(p, now, kind, emit)
		p.due = now.Add(d.cfg.ReportInterval)
		d.pairs.heapFix(i)
	}
}

// Advance emits the alerts due at event time now.
func (d *Detector) Advance(now time.Time, emit detect.Emit) {
	d.report(now, emit)
	d.reportOverflow(now, false, emit)
}

// Flush emits a final alert for every pair with unreported activity, oldest
// first.
func (d *Detector) Flush(emit detect.Emit) {
	var dirty []int32
	for _, i := range d.pairs.index {
		if d.pairs.slab[i].dirty {
			dirty = append(dirty, i)
		}
	}
	slices.SortFunc(dirty, func(a, b int32) int {
		pa, pb := &d.pairs.slab[a], &d.pairs.slab[b]
		if c := pa.first.Compare(pb.first); c != 0 {
			return c
		}
		return compareKeys(pa.key, pb.key)
	})
	for _, i := range dirty {
		p := &d.pairs.slab[i]
		d.emit(p, p.last, reportFinal, emit)
	}
	d.reportOverflow(d.over.last, true, emit)
}

func compareKeys(a, b pairKey) int {
	if a.name != b.name {
		if a.name < b.name {
			return -1
		}
		return 1
	}
	if c := a.addr.Compare(b.addr); c != 0 {
		return c
	}
	return a.server.Compare(b.server)
}

// emit sends the pair's alert and marks its activity reported.
func (d *Detector) emit(p *pair, now time.Time, kind reportKind, emit detect.Emit) {
	p.reports++
	p.dirty = false
	d.stats[statAlerts]++
	emit(d.buildAlert(p, now, kind))
}

// Counts implements detect.Counter.
func (d *Detector) Counts() []detect.Stat {
	out := make([]detect.Stat, 0, numStats+1)
	out = append(out, detect.Stat{Name: "pairs tracked", Value: int64(d.pairs.len())})
	for i, n := range statNames {
		out = append(out, detect.Stat{Name: n, Value: d.stats[i]})
	}
	return out
}

// tierOf returns the catalogue tier of a pair's destination.
func tierOf(e *CatalogueEntry) Tier {
	if e == nil {
		return TierNone
	}
	return e.Tier
}

// hostID is the host part of the alert key: the name, else the address.
func (k pairKey) hostID() string {
	if k.name != "" {
		return k.name
	}
	return k.addr.String()
}
