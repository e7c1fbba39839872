// Package volume detects a device or process that sends an unusually high
// number of DNS queries in a short window: Signal 2 ("HighVolumeDNS") of the
// DET0862 seed query, which counts queries per DeviceName and
// InitiatingProcessFileName in bin(Timestamp, 5m) and alerts when the count
// is greater than 200.
//
// Why it matters: DNS tunnels and DNS command-and-control (iodine, dnscat2,
// dns2tcp, DNSExfiltrator, and HEXANE-style TXT channels through servers an
// adversary runs, ATT&CK T1583.002) carry data a few dozen bytes per query,
// so moving anything of size takes hundreds or thousands of queries in
// minutes, far above what one ordinary process sends. The alert maps to
// T1071.004 (Application Layer Protocol: DNS) under detection strategy
// DET0862.
//
// How it counts: every DNS event is one query (a paired query and response
// count once; a response seen alone counts once because it is then the only
// record of its query, see Config.CountResponseOnly). Queries are grouped by
// key (the host name when the telemetry names one, else the client address,
// plus the process image basename when known) in tumbling bins of event time
// that start at t.UTC().Truncate(window). When event time passes the end of a
// bin (an event or Advance), or at Flush, each key whose count is greater
// than the threshold gets one alert with the count, the threshold, the
// number of distinct DNS servers asked, the most queried registrable domains
// with their counts, first and last query times, and sample names. An event
// older than the current bin is late: it is counted in the current bin, and
// counted as late in the evidence and the detector counters.
//
// Memory is bounded whatever the input: keys live in a Space-Saving
// heavy-hitter counter of max_keys entries per bin, so a flood of unique
// clients replaces the smallest keys (counted as evictions) instead of
// growing memory. A replacing key inherits the smallest count as an error
// bound; alerts use only the guaranteed part of a count, so evictions can
// delay an alert by at most N/max_keys queries of a bin with N queries but
// never raise one that is not deserved. Each key keeps a bounded top-domain
// sketch, bounded distinct counters and a fixed number of sample names. The
// event path allocates nothing once the keys it sees are tracked.
//
// False positives: recursive resolvers and DNS forwarders (every query of
// their clients is theirs), mail servers (MX, SPF, DKIM, DNSBL lookups),
// NAT gateways and proxies that hide many clients behind one address,
// vulnerability scanners and crawlers, and anti-virus or reputation services
// that encode hashes in query names. Exclude them by client network
// (exclude_clients) or by process image (exclude_processes), each with a
// reason. The evidence separates the cases: a tunnel concentrates on one or
// two registrable domains with long unique names, while bulk resolution
// spreads over many domains (distinct_domains).
package volume

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/detect"
	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/state"
)

// Rule identity.
const (
	RuleID   = "DNSV-VOL-001"
	RuleName = "High DNS query volume"
	// Name is the detector's name in configuration and counters.
	Name = "volume"
)

// hashSeed fixes the hash of domain names and server addresses so that
// distinct counts replay identically.
const hashSeed = 0x9e3779b97f4a7c15

// Detector counts DNS queries per device and process in tumbling event-time
// bins. Build it with New; it is not safe for concurrent use (the engine
// calls it from one goroutine).
type Detector struct {
	cfg  Config
	win  *state.Tumbling
	keys *state.TopK[key]

	// Per-key state by heavy-hitter slot id. Slot ids are dense, so these
	// grow with the keys seen, up to max_keys, and are reused from then on.
	aggs        []agg
	doms        []state.HashCount // domainSlots per key
	domNames    []nameRef         // parallel to doms
	samples     []nameRef         // SampleNames per key
	domainSlots int
	scratch     []byte // arena compaction buffer
	cands       []candidate

	counted, late, excluded, unattributed, noTime, alerts, domainEvictions int64

	// pending is a reloaded detector whose table shape is taken when the
	// open bin closes; evictedBefore counts the evictions of the tables
	// replaced so far.
	pending       *Detector
	evictedBefore int64
}

// New returns a detector for cfg, which must pass Validate.
func New(cfg Config) (*Detector, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("new volume detector: %w", errors.Join(errs...))
	}
	win, err := state.NewTumbling(cfg.Window)
	if err != nil {
		return nil, err
	}
	keys, err := state.NewTopK[key](cfg.MaxKeys, cloneKey)
	if err != nil {
		return nil, err
	}
	cfg.ExcludeClients = slices.Clone(cfg.ExcludeClients)
	cfg.ExcludeProcesses = slices.Clone(cfg.ExcludeProcesses)
	return &Detector{cfg: cfg, win: win, keys: keys, domainSlots: 2 * cfg.TopDomains}, nil
}

// Name implements detect.Detector.
func (d *Detector) Name() string { return Name }

// Observe implements detect.Detector: it counts ev when it is a DNS query
// that no exclusion covers, first closing the current bin (and emitting its
// alerts) when ev's time is past its end.
func (d *Detector) Observe(ev *event.Event, emit detect.Emit) {
	if !d.countable(ev) {
		return
	}
	client := ev.Client.Addr().Unmap()
	proc := ""
	if d.cfg.PerProcess || len(d.cfg.ExcludeProcesses) > 0 {
		proc = baseName(ev.Process.Image)
	}
	if d.isExcluded(client, proc) {
		d.excluded++
		return
	}
	k := key{host: ev.Host.Name}
	if k.host == "" {
		if !client.IsValid() {
			d.unattributed++
			return
		}
		k.client = client
	}
	if d.cfg.PerProcess {
		k.proc = proc
	}
	if ev.Time.IsZero() {
		d.noTime++
		return
	}
	step := d.win.Observe(ev.Time)
	if step.DidClose {
		d.closeBin(step.Closed, emit)
	}
	if step.Late {
		d.late++
	}
	d.counted++
	s := d.keys.Add(k, 1)
	if s.ID == len(d.aggs) {
		d.grow()
	}
	if s.New {
		d.reset(s.ID)
	}
	domain := ev.Enrich.Domain
	if domain == "" {
		domain = ev.DNS.QName
	}
	d.observe(s.ID, ev.Time.UnixNano(), step.Late, client, ev.Server.Addr().Unmap(), domain, ev.DNS.QName)
	if a := &d.aggs[s.ID]; a.user == "" {
		if u := eventUser(ev); u != "" {
			a.user = strings.Clone(u)
		}
	}
}

// countable reports whether ev stands for one DNS query.
func (d *Detector) countable(ev *event.Event) bool {
	switch ev.Kind {
	case event.KindDNS:
		return ev.DNS.HasQuery || d.cfg.CountResponseOnly
	case event.KindConn:
		return d.cfg.CountConnections && ev.Server.Port() == 53
	}
	return false
}

func (d *Detector) isExcluded(client netip.Addr, proc string) bool {
	if client.IsValid() {
		if client.Zone() != "" {
			client = client.WithZone("")
		}
		for _, x := range d.cfg.ExcludeClients {
			if x.CIDR.Contains(client) {
				return true
			}
		}
	}
	if proc != "" {
		for _, x := range d.cfg.ExcludeProcesses {
			if strings.EqualFold(x.Name, proc) {
				return true
			}
		}
	}
	return false
}

// baseName returns the file name of a Windows or POSIX image path.
func baseName(image string) string {
	for i := len(image) - 1; i >= 0; i-- {
		if image[i] == '/' || image[i] == '\\' {
			return image[i+1:]
		}
	}
	return image
}

// Advance implements detect.Detector: when now is at or past the end of the
// current bin, the bin closes and its alerts are emitted.
func (d *Detector) Advance(now time.Time, emit detect.Emit) {
	if b, ok := d.win.Advance(now); ok {
		d.closeBin(b, emit)
	}
}

// Flush implements detect.Detector: it closes the current bin and emits its
// alerts.
func (d *Detector) Flush(emit detect.Emit) {
	if b, ok := d.win.Flush(); ok {
		d.closeBin(b, emit)
	}
}

// Counts implements detect.Counter.
func (d *Detector) Counts() []detect.Stat {
	return []detect.Stat{
		{Name: "queries counted", Value: d.counted},
		{Name: "late queries", Value: d.late},
		{Name: "excluded queries", Value: d.excluded},
		{Name: "unattributed queries", Value: d.unattributed},
		{Name: "queries without time", Value: d.noTime},
		{Name: "keys tracked", Value: int64(d.keys.Len())},
		{Name: "keys evicted", Value: d.evictedBefore + d.keys.Evictions()},
		{Name: "domain sketch evictions", Value: d.domainEvictions},
		{Name: "bins closed", Value: d.win.Closed()},
		{Name: "alerts", Value: d.alerts},
	}
}

var (
	_ detect.Detector = (*Detector)(nil)
	_ detect.Counter  = (*Detector)(nil)
)

// eventUser is the account behind an event: the process's, else the host's
// logged-on user.
func eventUser(ev *event.Event) string {
	if ev.Process.User != "" {
		return ev.Process.User
	}
	return ev.Host.User
}
