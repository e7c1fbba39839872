// Package delegation watches the organisation's own zones for a change of
// delegation: the NS set a zone is delegated to, the addresses of those
// name servers, or the SOA's primary server (MNAME) and mailbox (RNAME).
// DNS hijacking campaigns such as Sea Turtle changed their victims' NS
// records at the registry to name servers they ran, then answered for the
// victims' mail and VPN names; the first sign on the network is a referral
// or an NS answer naming servers the zone never had. The alert (rule
// DNSV-DEL-001) names the old and the new values, the first client that
// received the new answer and the server that sent it, and counts later
// sightings.
//
// Facts come from every DNS response in the input: NS records in answers,
// in the authority section of responses and of referrals, glue and A/AAAA
// answers for the name servers' addresses, and SOA records (package
// nsfacts). The baseline of each watched zone is its configured
// expectation, or else the first value seen. Only configured zones are
// tracked, and each remembers at most max_variants changed values, so
// memory does not depend on the input.
package delegation

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/detect"
	"github.com/dnsvigil/dnsvigil/internal/dnsname"
	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/nsfacts"
)

// Rule identity.
const (
	RuleID   = "DNSV-DEL-001"
	RuleName = "Delegation change of a watched zone"
	// Name is the detector's name in configuration and counters.
	Name = "delegation"
)

// Kinds of change.
const (
	kindNS   = "ns"
	kindAddr = "addresses"
	kindSOA  = "soa"
)

// maxSetSize bounds the NS hosts or addresses read from one response.
const maxSetSize = 32

// Detector watches delegations. Build it with New; it is not safe for
// concurrent use.
type Detector struct {
	cfg   Config
	sev   map[string]alert.Severity
	zones map[string]*zone

	// hostZones maps a name server of a watched zone (baseline or changed
	// NS set) to its zones, so that an answer for the server's address is
	// read.
	hostZones map[string][]*zone

	// Scratch space for one event, reused.
	hosts []string
	addrs []hostAddrs // per name server; entries past nAddrs are spare
	found []*zone

	responses, facts, changes, sightings, dropped int64
}

// zone is one watched zone's baseline and the changes seen.
type zone struct {
	name string
	// Baselines: the NS set (sorted, joined with ", "), the addresses of
	// each name server (sorted, joined), the SOA names; and how each was
	// established.
	ns, nsFrom       string
	nsList           []string // the baseline NS set, sorted
	addrs            map[string]string
	addrList         map[string][]netip.Addr // baseline addresses per name server, sorted
	addrFrom         map[string]string
	mname, rname     string
	soaFrom          string
	changes          map[string]*change // by kind + "\x00" + value
	nsHostsOfChanges map[string]bool    // NS hosts of changed sets, whose addresses are evidence
}

// change is one changed value and its sightings.
type change struct {
	kind, subject, old, new string
	first, last             time.Time
	firstClient             netip.Addr
	firstHost               string
	firstServer             netip.Addr
	sightings               int64
	clients                 []string
	reported                int64 // sightings when last reported
	glue                    map[string]string
}

// New returns a detector for cfg, which must pass Validate.
func New(cfg Config) (*Detector, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("new delegation detector: %w", errors.Join(errs...))
	}
	d := &Detector{cfg: cfg, sev: map[string]alert.Severity{}, zones: map[string]*zone{}, hostZones: map[string][]*zone{}}
	d.sev[kindNS], _ = alert.ParseSeverity(cfg.Severity.NS)
	d.sev[kindAddr], _ = alert.ParseSeverity(cfg.Severity.Addresses)
	d.sev[kindSOA], _ = alert.ParseSeverity(cfg.Severity.SOA)
	for _, w := range cfg.Watched {
		z := &zone{name: w.Zone, addrs: map[string]string{}, addrList: map[string][]netip.Addr{}, addrFrom: map[string]string{}, changes: map[string]*change{}, nsHostsOfChanges: map[string]bool{}}
		if len(w.ExpectedNS) > 0 {
			d.setBaselineNS(z, w.ExpectedNS, "configuration")
		}
		if w.ExpectedSOAMName != "" || w.ExpectedSOARName != "" {
			z.mname, z.rname, z.soaFrom = w.ExpectedSOAMName, w.ExpectedSOARName, "configuration"
		}
		d.zones[w.Zone] = z
	}
	return d, nil
}

// Name implements detect.Detector.
func (d *Detector) Name() string { return Name }

// UsesRecords implements detect.RecordsUser: records are read only when a
// zone is watched.
func (d *Detector) UsesRecords() bool { return len(d.zones) > 0 }

// Observe implements detect.Detector.
func (d *Detector) Observe(ev *event.Event, emit detect.Emit) {
	if len(d.zones) == 0 || ev.Kind != event.KindDNS || !ev.DNS.HasResponse {
		return
	}
	d.responses++
	// NS sets, per watched zone named in this response.
	for _, z := range d.zonesIn(ev) {
		d.hosts = d.hosts[:0]
		nsfacts.EachNS(ev, func(owner, host string, _ uint32, _ nsfacts.Section) {
			if owner == z.name && len(d.hosts) < maxSetSize && !slices.Contains(d.hosts, host) {
				d.hosts = append(d.hosts, host)
			}
		})
		if len(d.hosts) > 0 {
			d.facts++
			slices.Sort(d.hosts)
			switch {
			case z.nsList == nil:
				d.setBaselineNS(z, d.hosts, sourceOf(ev))
			case !slices.Equal(d.hosts, z.nsList):
				d.sighting(z, kindNS, z.name, z.ns, strings.Join(d.hosts, ", "), ev, emit)
			}
		}
		d.observeAddrs(z, ev, emit)
		nsfacts.EachSOA(ev, func(soa nsfacts.SOA, _ nsfacts.Section) {
			if soa.Zone != z.name {
				return
			}
			d.facts++
			switch {
			case z.soaFrom == "":
				z.mname, z.rname, z.soaFrom = strings.Clone(soa.MName), strings.Clone(soa.RName), sourceOf(ev)
			case soa.MName != z.mname || soa.RName != z.rname:
				d.sighting(z, kindSOA, z.name, "mname "+z.mname+", rname "+z.rname, "mname "+soa.MName+", rname "+soa.RName, ev, emit)
			}
		})
	}
}

// setBaselineNS makes hosts (copied, sorted) the zone's baseline NS set.
func (d *Detector) setBaselineNS(z *zone, hosts []string, from string) {
	z.nsList = make([]string, len(hosts))
	for i, h := range hosts {
		z.nsList[i] = strings.Clone(h)
		d.hostZones[z.nsList[i]] = append(d.hostZones[z.nsList[i]], z)
	}
	slices.Sort(z.nsList)
	z.ns, z.nsFrom = strings.Join(z.nsList, ", "), from
}

// zonesIn returns the watched zones a response can hold facts about: the
// zone the question name is in (its NS set, SOA and the glue of a
// referral), and the zones whose name server the question names (its
// addresses). It reuses one slice.
func (d *Detector) zonesIn(ev *event.Event) []*zone {
	d.found = d.found[:0]
	for n := ev.DNS.QName; n != ""; n = dnsname.Parent(n) {
		if z, ok := d.zones[n]; ok {
			d.found = append(d.found, z)
			break
		}
	}
	for _, z := range d.hostZones[ev.DNS.QName] {
		if !slices.Contains(d.found, z) {
			d.found = append(d.found, z)
		}
	}
	return d.found
}

// observeAddrs compares the addresses this response gives for the zone's
// baseline name servers with their baseline.
func (d *Detector) observeAddrs(z *zone, ev *event.Event, emit detect.Emit) {
	n := 0
	nsfacts.EachAddr(ev, func(name string, a netip.Addr, _ uint32, _ nsfacts.Section) {
		if !z.isNSHost(name) {
			return
		}
		i := 0
		for i < n && d.addrs[i].host != name {
			i++
		}
		if i == n {
			if n == maxSetSize {
				return
			}
			if n == len(d.addrs) {
				d.addrs = append(d.addrs, hostAddrs{})
			}
			d.addrs[n].host, d.addrs[n].addrs = name, d.addrs[n].addrs[:0]
			n++
		}
		if as := d.addrs[i].addrs; len(as) < maxSetSize && !slices.Contains(as, a) {
			d.addrs[i].addrs = append(as, a)
		}
	})
	for _, ha := range d.addrs[:n] {
		host, as := ha.host, ha.addrs
		d.facts++
		slices.SortFunc(as, netip.Addr.Compare)
		if z.nsHostsOfChanges[host] {
			for _, c := range z.changes {
				if c.kind == kindNS && strings.Contains(", "+c.new+", ", ", "+host+", ") && len(c.glue) < maxSetSize {
					c.glue[strings.Clone(host)] = joinAddrs(as) // the map keeps the key it is given

				}
			}
			continue
		}
		old, ok := z.addrList[host]
		switch {
		case !ok:
			h := strings.Clone(host)
			z.addrList[h], z.addrs[h], z.addrFrom[h] = slices.Clone(as), joinAddrs(as), sourceOf(ev)
		case !slices.Equal(as, old):
			d.sighting(z, kindAddr, host, z.addrs[host], joinAddrs(as), ev, emit)
		}
	}
}

// hostAddrs are the addresses one response gives for a name server.
type hostAddrs struct {
	host  string
	addrs []netip.Addr
}

// isNSHost reports whether name is a name server of the zone's baseline or
// of one of its changed NS sets.
func (z *zone) isNSHost(name string) bool {
	return z.nsHostsOfChanges[name] || slices.Contains(z.nsList, name)
}

// sighting records one response showing value new instead of old, and
// alerts the first time.
func (d *Detector) sighting(z *zone, kind, subject, old, new string, ev *event.Event, emit detect.Emit) {
	d.sightings++
	key := kind + "\x00" + subject + "\x00" + new
	c, ok := z.changes[key]
	if !ok {
		if len(z.changes) >= d.cfg.MaxVariants {
			d.dropped++
			return
		}
		c = &change{
			kind: kind, subject: strings.Clone(subject), old: old, new: strings.Clone(new),
			first: received(ev), firstClient: ev.Client.Addr().Unmap(), firstHost: strings.Clone(ev.Host.Name),
			firstServer: ev.Server.Addr().Unmap(), glue: map[string]string{},
		}
		z.changes[strings.Clone(key)] = c
		if kind == kindNS {
			for h := range strings.SplitSeq(c.new, ", ") {
				if !slices.Contains(z.nsList, h) && !z.nsHostsOfChanges[h] {
					z.nsHostsOfChanges[h] = true
					d.hostZones[h] = append(d.hostZones[h], z)
				}
			}
		}
	}
	c.sightings++
	if t := received(ev); t.After(c.last) {
		c.last = t
	}
	if who := clientName(ev); len(c.clients) < d.cfg.MaxClients && !slices.Contains(c.clients, who) {
		c.clients = append(c.clients, strings.Clone(who))
	}
	if !ok {
		d.changes++
		c.reported = c.sightings
		emit(d.alert(z, c, ev))
	}
}

// Advance implements detect.Detector; the detector keeps no windows.
func (d *Detector) Advance(time.Time, detect.Emit) {}

// Flush implements detect.Detector: each change seen again since its alert
// is reported once more with its final counts, under the same key.
func (d *Detector) Flush(emit detect.Emit) {
	names := make([]string, 0, len(d.zones))
	for n := range d.zones {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		z := d.zones[n]
		keys := make([]string, 0, len(z.changes))
		for k := range z.changes {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if c := z.changes[k]; c.sightings > c.reported {
				c.reported = c.sightings
				emit(d.alert(z, c, nil))
			}
		}
	}
}

// Counts implements detect.Counter.
func (d *Detector) Counts() []detect.Stat {
	return []detect.Stat{
		{Name: "zones watched", Value: int64(len(d.zones))},
		{Name: "responses read", Value: d.responses},
		{Name: "facts about watched zones", Value: d.facts},
		{Name: "changes", Value: d.changes},
		{Name: "sightings of changes", Value: d.sightings},
		{Name: "changes not kept (max_variants)", Value: d.dropped},
	}
}

// alert builds the report of change c; ev is the first sighting, or nil
// for the final report at the end of the input.
func (d *Detector) alert(z *zone, c *change, ev *event.Event) *alert.Alert {
	what := map[string]string{kindNS: "NS set", kindAddr: "addresses of name server " + c.subject, kindSOA: "SOA"}[c.kind]
	from := map[string]string{kindNS: z.nsFrom, kindAddr: z.addrFrom[c.subject], kindSOA: z.soaFrom}[c.kind]
	a := &alert.Alert{
		Key:       alert.MakeKey(RuleID, z.name, c.kind, c.subject, c.new),
		RuleID:    RuleID,
		RuleName:  RuleName,
		Severity:  d.sev[c.kind],
		Technique: alert.TechniqueCompromiseDNSServer + "," + alert.TechniqueDNSServer,
		Strategy:  alert.StrategyDNSServer,
		Time:      c.first,
		FirstSeen: c.first,
		LastSeen:  c.last,
		Client:    c.firstClient,
		Host:      c.firstHost,
		Server:    c.firstServer,
		Port:      53,
		Domain:    z.name,
		Summary: fmt.Sprintf("%s of watched zone %s changed from %s to %s; first received by %s from %s at %s",
			what, z.name, c.old, c.new, firstWho(c), c.firstServer, c.first.UTC().Format(time.RFC3339)),
	}
	if ev != nil {
		a.QName = strings.Clone(ev.DNS.QName)
		a.Transport = ev.Transport.String()
		a.Port = ev.Server.Port()
	}
	a.Evidence = []alert.Field{
		{Name: "zone", Value: alert.Names{z.name}},
		{Name: "change", Value: c.kind},
		{Name: "old", Value: c.old},
		{Name: "new", Value: c.new},
		{Name: "baseline_from", Value: from},
		{Name: "first_client", Value: firstWho(c)},
		{Name: "first_server", Value: c.firstServer.String()},
		{Name: "first_seen", Value: c.first},
		{Name: "last_seen", Value: c.last},
		{Name: "sightings", Value: c.sightings},
		{Name: "clients", Value: slices.Clone(c.clients)},
	}
	if c.kind == kindAddr || c.kind == kindNS && len(c.glue) > 0 {
		hosts := make([]string, 0, len(c.glue))
		for h := range c.glue {
			hosts = append(hosts, h+" "+c.glue[h])
		}
		slices.Sort(hosts)
		if len(hosts) > 0 {
			a.Evidence = append(a.Evidence, alert.Field{Name: "new_name_server_addresses", Value: hosts})
		}
	}
	if ev == nil {
		a.Evidence = append(a.Evidence, alert.Field{Name: "update", Value: true})
	}
	return a
}

func firstWho(c *change) string {
	if c.firstHost != "" {
		return c.firstHost + " (" + c.firstClient.String() + ")"
	}
	return c.firstClient.String()
}

// received is when the client received ev's response: the query's time
// plus the round trip when the decoder paired them.
func received(ev *event.Event) time.Time {
	if ev.DNS.HasQuery && ev.DNS.RTT > 0 {
		return ev.Time.Add(ev.DNS.RTT)
	}
	return ev.Time
}

// sourceOf says where a baseline value was first seen.
func sourceOf(ev *event.Event) string {
	return fmt.Sprintf("first seen %s from %s by %s", ev.Time.UTC().Format(time.RFC3339), ev.Server.Addr().Unmap(), clientName(ev))
}

func clientName(ev *event.Event) string {
	if ev.Host.Name != "" {
		return ev.Host.Name
	}
	return ev.Client.Addr().Unmap().String()
}

func joinAddrs(as []netip.Addr) string {
	slices.SortFunc(as, netip.Addr.Compare)
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = a.String()
	}
	return strings.Join(parts, ", ")
}

var (
	_ detect.Detector    = (*Detector)(nil)
	_ detect.Counter     = (*Detector)(nil)
	_ detect.RecordsUser = (*Detector)(nil)
)
