// Package configchange detects tampering with a host's DNS resolver
// configuration: a registry value or a command line that points the host at
// a resolver that is not approved, and DNS that then goes to it.
//
// Why: an adversary who runs their own DNS server (MITRE ATT&CK T1583.002,
// Acquire Infrastructure: DNS Server; detection strategy DET0862) gains
// most when victims resolve through it: every lookup can be logged,
// redirected or answered with the adversary's addresses (DNSChanger,
// Sea Turtle). Malware gets there by rewriting the host's resolver settings
// (T1112 Modify Registry on Windows) rather than by carrying its own
// resolver. This is signal 3 of the DET0862 seed query ("DNSConfigChange"),
// extended from three Tcpip registry values to the NRPT, DNS-over-HTTPS
// servers and policy, and the command lines that set resolvers on Windows,
// Linux and macOS, and with its string-prefix allowlist ("10.", "192.168.")
// replaced by address sets.
//
// Rules:
//   - DNSV-CFG-001: a registry value under Tcpip/Tcpip6 Parameters (and
//     Interfaces\{GUID}) named NameServer, DhcpNameServer or
//     StaticDnsAddress, an NRPT rule's GenericDNSServers, a DoH well-known
//     server key, or the DoHPolicy / EnableAutoDoh setting.
//   - DNSV-CFG-002: a command line that sets resolvers: netsh interface
//     ip|ipv4|ipv6 set|add dns, the DnsClient PowerShell cmdlets, WMI
//     SetDNSServerSearchOrder, writes to /etc/resolv.conf, resolvectl,
//     systemd-resolve, nmcli ipv4.dns/ipv6.dns and networksetup
//     -setdnsservers. A reset to DHCP is reported at severity reset (info).
//   - DNSV-CFG-003: DNS (a DNS event whose server is the new resolver, or a
//     connection to one of correlation.dns_ports on it) from the same host
//     within correlation.window after a change to an unapproved server.
//     It is a separate rule with its own key (host, server), so the change
//     alert stays as it was and the escalation is a new finding; it is
//     emitted at the first query and updated (same key) at 10, 100, 1000,
//     ... queries.
//
// A server is approved when it is in approved, in a special-purpose range
// (private, loopback, link-local, CGNAT, ULA; unless
// treat_private_as_approved is false) or a known public resolver under
// catalogue policy allow. An empty value is ignored and counted. Each
// unapproved server gets one change alert keyed by (host, server, source);
// a host set to the same server again within the window is counted, not
// re-alerted.
//
// Known false positives (exclude them by process, user, host or server,
// with a reason): VPN clients that push the office's resolvers, DHCP on
// guest Wi-Fi and hotspots handing out the ISP's resolver (private ones are
// silent by default), admin and provisioning scripts, developer machines
// running a local resolver.
//
// Observe does not allocate for events that are not resolver changes, nor
// for DNS that follows no tracked change. State is a TTL-LRU of at most
// correlation.max_tracked changes with counted eviction.
package configchange

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/detect"
	"github.com/dnsvigil/dnsvigil/internal/detect/resolver"
	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/state"
)

// Rule identities.
const (
	RuleRegistry = "DNSV-CFG-001"
	RuleCommand  = "DNSV-CFG-002"
	RuleTraffic  = "DNSV-CFG-003"
)

// ruleName returns the human name of a rule id.
func ruleName(id string) string {
	switch id {
	case RuleRegistry:
		return "DNS resolver changed in the registry"
	case RuleCommand:
		return "DNS resolver changed by a command line"
	}
	return "DNS resolver changed, then queried"
}

// RuleIDs returns the ids of the rules this detector emits.
func RuleIDs() []string { return []string{RuleRegistry, RuleCommand, RuleTraffic} }

// Deps holds what the detector needs besides its Config.
type Deps struct {
	// Catalogue of public resolvers; nil loads the shipped one. Pass one
	// loaded catalogue to share it with the resolver detector.
	Catalogue *resolver.Catalogue
}

// Detector implements detect.Detector and detect.Counter. It is not safe for
// concurrent use.
type Detector struct {
	cfg    Config
	pol    *policy
	track  *state.LRU[trackKey, tracked]
	list   serverList
	judged [maxServers]verdict
	stats  [numStats]int64
	// evictedBefore and expiredBefore count the evictions and expirations
	// of tracking tables a reload replaced.
	evictedBefore, expiredBefore int64
}

// trackKey identifies a (host, server) pair: the host by name, or by
// address when the event names no host.
type trackKey struct {
	host   string
	addr   netip.Addr
	server netip.Addr
}

// tracked is a remembered change to an unapproved server.
type tracked struct {
	changed  time.Time
	ruleID   string
	source   string
	process  string
	user     string
	reason   string
	queries  int64
	next     int64 // query count of the next DNSV-CFG-003 alert
	first    time.Time
	firstBy  string
	firstVia string
	qname    string
}

// Counter indexes.
const (
	statRegistry = iota
	statDeleted
	statEmpty
	statCommands
	statServers
	statApproved
	statExcluded
	statExpiredExclusion
	statRepeat
	statResets
	statSettings
	statUnparsed
	statDropped
	statChangeAlerts
	statTrafficAlerts
	statOutOfWindow
	numStats
)

var statNames = [numStats]string{
	"registry values matched",
	"registry deletes ignored",
	"empty values ignored",
	"command lines matched",
	"servers seen",
	"approved servers",
	"excluded",
	"expired exclusion matched",
	"repeat changes",
	"resets to dhcp",
	"setting changes",
	"unparsed tokens",
	"servers past list limit",
	"change alerts",
	"traffic alerts",
	"traffic after window",
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
		if cat, err = resolver.LoadCatalogue(); err != nil {
			return nil, err
		}
	}
	track, err := state.NewLRU[trackKey, tracked](cfg.Correlation.MaxTracked, cfg.Correlation.Window,
		func(k trackKey) trackKey { k.host = strings.Clone(k.host); return k })
	if err != nil {
		return nil, fmt.Errorf("configchange: %w", err)
	}
	cfg.Approved = slices.Clone(cfg.Approved)
	cfg.Exclusions = slices.Clone(cfg.Exclusions)
	cfg.Correlation.DNSPorts = slices.Clone(cfg.Correlation.DNSPorts)
	return &Detector{cfg: cfg, pol: compilePolicy(cfg, cat), track: track}, nil
}

// Name returns "configchange".
func (d *Detector) Name() string { return "configchange" }

// Observe reads registry and process events for resolver changes and DNS
// and connection events for traffic to a changed resolver.
func (d *Detector) Observe(ev *event.Event, emit detect.Emit) {
	switch ev.Kind {
	case event.KindRegistry:
		d.observeRegistry(ev, emit)
	case event.KindProcess:
		d.observeProcess(ev, emit)
	case event.KindDNS, event.KindConn:
		d.observeTraffic(ev, emit)
	}
}

// Advance forgets changes older than the correlation window.
func (d *Detector) Advance(now time.Time, _ detect.Emit) {
	d.track.Expire(now)
}

// Flush has nothing to emit: every alert is emitted when its event is seen.
func (d *Detector) Flush(detect.Emit) {}

// Counts implements detect.Counter.
func (d *Detector) Counts() []detect.Stat {
	out := make([]detect.Stat, 0, numStats+3)
	out = append(out,
		detect.Stat{Name: "changes tracked", Value: int64(d.track.Len())},
		detect.Stat{Name: "changes evicted", Value: d.evictedBefore + d.track.Evictions()},
		detect.Stat{Name: "changes expired", Value: d.expiredBefore + d.track.Expirations()})
	for i, n := range statNames {
		out = append(out, detect.Stat{Name: n, Value: d.stats[i]})
	}
	return out
}

// observeRegistry handles a registry value change.
func (d *Detector) observeRegistry(ev *event.Event, emit detect.Emit) {
	r := &ev.Registry
	m, ok := classifyRegistry(r.Key, r.ValueName)
	if !ok {
		return
	}
	d.stats[statRegistry]++
	if isDeleteOp(r.Op) {
		d.stats[statDeleted]++
		return
	}
	src := regSources[m.kind]
	d.list.reset()
	switch m.kind {
	case regDoHPolicy:
		d.setting(ev, RuleRegistry, src, "DNS-over-HTTPS policy "+m.value+" set to "+strings.TrimSpace(r.Data), emit)
		return
	case regDoHServer:
		d.list.add(m.addr)
	default:
		if isEmptyData(r.Data) {
			d.stats[statEmpty]++
			return
		}
		d.list.parseServers(r.Data)
	}
	d.stats[statUnparsed] += int64(d.list.unparsed)
	d.stats[statDropped] += int64(d.list.dropped)
	d.judgeServers(ev, RuleRegistry, src, nil, emit)
}

// observeProcess handles a process start.
func (d *Detector) observeProcess(ev *event.Event, emit detect.Emit) {
	res, ok := parseCommand(ev.Process.CommandLine)
	if !ok {
		return
	}
	d.stats[statCommands]++
	d.list.reset()
	for _, s := range res.servers {
		a, _ := parseServer(s)
		d.list.add(a)
	}
	d.stats[statDropped] += int64(d.list.dropped)
	switch {
	case d.list.n > 0:
		d.judgeServers(ev, RuleCommand, res.tool, &res, emit)
	case res.reset:
		d.stats[statResets]++
		if d.cfg.ReportResets {
			d.reset(ev, &res, emit)
		}
	case res.setting != "":
		d.setting(ev, RuleCommand, res.tool, res.setting, emit)
	}
}

// who returns the actor of ev.
func who(ev *event.Event) actor {
	u := ev.Process.User
	if u == "" {
		u = ev.Host.User
	}
	return actor{host: ev.Host.Name, image: ev.Process.Image, user: u}
}

// keyOf returns the tracking key of ev's host and server a.
func keyOf(ev *event.Event, a netip.Addr) trackKey {
	k := trackKey{host: ev.Host.Name, server: a}
	if k.host == "" {
		k.host = ev.Host.ID
	}
	if k.host == "" {
		k.addr = ev.Client.Addr().Unmap()
	}
	return k
}

// judgeServers applies the policy to d.list and alerts for each new
// unapproved server.
func (d *Detector) judgeServers(ev *event.Event, rule, src string, cmd *cmdResult, emit detect.Emit) {
	servers := d.list.list()
	w := who(ev)
	for i, a := range servers {
		d.stats[statServers]++
		v := d.pol.judge(a)
		d.judged[i] = v
		if v.approved {
			d.stats[statApproved]++
		}
	}
	for i, a := range servers {
		v := d.judged[i]
		if v.approved {
			continue
		}
		active, expired := d.pol.excluded(ev.Time, w, a)
		if active != nil {
			d.stats[statExcluded]++
			continue
		}
		if expired != nil {
			d.stats[statExpiredExclusion]++
		}
		k := keyOf(ev, a)
		if t, ok := d.track.Peek(k); ok && !ev.Time.Before(t.changed) && ev.Time.Sub(t.changed) <= d.cfg.Correlation.Window {
			d.stats[statRepeat]++
			continue
		}
		d.track.Put(k, tracked{
			changed: ev.Time, ruleID: rule, source: src, process: strings.Clone(ev.Process.Image),
			user: strings.Clone(w.user), reason: v.reason, next: 1,
		}, ev.Time)
		d.stats[statChangeAlerts]++
		emit(d.changeAlert(ev, rule, src, cmd, a, v, expired))
	}
}

// observeTraffic correlates DNS with a tracked change.
func (d *Detector) observeTraffic(ev *event.Event, emit detect.Emit) {
	if d.track.Len() == 0 {
		return
	}
	if ev.Kind == event.KindConn && !d.pol.dnsPorts[ev.Server.Port()] {
		return
	}
	server := ev.Server.Addr().Unmap()
	if !server.IsValid() {
		return
	}
	k := keyOf(ev, server)
	t, ok := d.track.Peek(k)
	if !ok || ev.Time.Before(t.changed) {
		return
	}
	if ev.Time.Sub(t.changed) > d.cfg.Correlation.Window {
		d.stats[statOutOfWindow]++
		d.track.Delete(k)
		return
	}
	p, _ := d.track.Upsert(k, ev.Time)
	p.queries++
	if p.queries == 1 {
		p.first = ev.Time
		p.firstBy = strings.Clone(ev.Process.Image)
		p.firstVia = ev.Transport.String()
		if ev.Kind == event.KindDNS {
			p.qname = strings.Clone(ev.DNS.QName)
		}
	}
	if p.queries < p.next {
		return
	}
	p.next *= 10
	d.stats[statTrafficAlerts]++
	emit(d.trafficAlert(ev, k, p))
}
