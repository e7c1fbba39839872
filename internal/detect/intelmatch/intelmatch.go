// Package intelmatch raises an alert when DNS activity touches threat
// intelligence (rule DNSV-INT-001): a query name at or below a listed
// domain, an answer address in a listed network, a name server (from NS
// answers, referrals and the authority section) that is listed or whose
// address is, or DNS sent to a listed server. The indicator, its kind and
// its source (file and line, or STIX/MISP object) go into the alert, so an
// analyst sees which feed said what.
//
// One finding is kept per (client, indicator, what matched); it alerts at
// its first match and is reported once more at the end of the input with
// its count when seen again. Findings are capped (max_findings); past the
// cap new ones are counted and dropped, so memory does not grow with the
// input.
package intelmatch

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/detect"
	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/intel"
	"github.com/dnsvigil/dnsvigil/internal/nsfacts"
)

// Rule identity.
const (
	RuleID   = "DNSV-INT-001"
	RuleName = "Threat intel match"
	// Name is the detector's name in configuration and counters.
	Name = "intel"
)

// What matched.
const (
	WhatQuery     = "query name"
	WhatAnswer    = "answer address"
	WhatNS        = "name server"
	WhatNSAddress = "name server address"
	WhatServer    = "DNS server"
)

// Config configures the detector (detectors.intel).
type Config struct {
	// MaxFindings caps the (client, indicator, what) findings kept.
	// Default 10000.
	MaxFindings int `yaml:"max_findings"`
	// Severity of a match. Default high.
	Severity string `yaml:"severity"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config { return Config{MaxFindings: 10_000, Severity: "high"} }

// ConfigPath is where Config sits in the configuration file.
const ConfigPath = "detectors.intel"

// Validate reports every problem in c.
func (c Config) Validate() []error {
	var errs []error
	if c.MaxFindings < 1 || c.MaxFindings > 10_000_000 {
		errs = append(errs, fmt.Errorf("%s.max_findings: must be between 1 and 10000000, got %d", ConfigPath, c.MaxFindings))
	}
	if _, ok := alert.ParseSeverity(c.Severity); !ok {
		errs = append(errs, fmt.Errorf("%s.severity: must be info, low, medium, high or critical, got %q", ConfigPath, c.Severity))
	}
	return errs
}

// ExampleConfig is the documented default section.
const ExampleConfig = `# detectors.intel: DNS activity that touches the threat intelligence loaded
# from intel.files (rule DNSV-INT-001): query names, answer addresses, name
# servers and their addresses, and DNS servers.
# Every key is shown with its default value.

# (client, indicator, what matched) findings kept; past it new ones are
# counted and dropped.
max_findings: 10000

# Severity of a match.
severity: high
`

// Detector matches events against an intel set. Build it with New; it is
// not safe for concurrent use.
type Detector struct {
	cfg      Config
	sev      alert.Severity
	set      *intel.Set
	findings map[findingKey]*finding
	order    []findingKey

	ns []string // scratch: NS hosts of one response

	checked, matches, dropped int64
}

type findingKey struct {
	client, value, what string
}

type finding struct {
	ind             intel.Indicator
	matched         string // the name or address that matched
	first, last     time.Time
	count, reported int64
	client          netip.Addr
	host, qname     string
	server          netip.Addr
}

// New returns a detector for cfg matching against set, which may be empty
// (the detector then does nothing).
func New(cfg Config, set *intel.Set) (*Detector, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("new intel detector: %w", errors.Join(errs...))
	}
	if set == nil {
		set = intel.NewSet()
	}
	sev, _ := alert.ParseSeverity(cfg.Severity)
	return &Detector{cfg: cfg, sev: sev, set: set, findings: map[findingKey]*finding{}}, nil
}

// Name implements detect.Detector.
func (d *Detector) Name() string { return Name }

// UsesRecords implements detect.RecordsUser: answers and name servers are
// read when there is intel to match.
func (d *Detector) UsesRecords() bool { return d.set.Len() > 0 }

// Observe implements detect.Detector.
func (d *Detector) Observe(ev *event.Event, emit detect.Emit) {
	if d.set.Len() == 0 || ev.Kind != event.KindDNS {
		return
	}
	d.checked++
	if ev.DNS.QName != "" {
		if ind, ok := d.set.MatchName(ev.DNS.QName); ok {
			d.match(ind, WhatQuery, ev.DNS.QName, ev, emit)
		}
	}
	if srv := ev.Server.Addr(); srv.IsValid() {
		if ind, ok := d.set.MatchAddr(srv.Unmap()); ok {
			d.match(ind, WhatServer, "", ev, emit)
		}
	}
	if !ev.DNS.HasResponse {
		return
	}
	d.ns = d.ns[:0]
	nsfacts.EachNS(ev, func(_, host string, _ uint32, _ nsfacts.Section) {
		if !slices.Contains(d.ns, host) && len(d.ns) < 32 {
			d.ns = append(d.ns, host)
		}
		if ind, ok := d.set.MatchName(host); ok {
			d.match(ind, WhatNS, host, ev, emit)
		}
	})
	nsfacts.EachAddr(ev, func(name string, a netip.Addr, _ uint32, s nsfacts.Section) {
		ind, ok := d.set.MatchAddr(a)
		switch {
		case !ok:
		case slices.Contains(d.ns, name):
			d.match(ind, WhatNSAddress, name+" "+a.String(), ev, emit)
		case s == nsfacts.Answer:
			d.match(ind, WhatAnswer, name+" "+a.String(), ev, emit)
		}
	})
}

// match records one match and alerts the first time for its finding.
func (d *Detector) match(ind intel.Indicator, what, matched string, ev *event.Event, emit detect.Emit) {
	d.matches++
	client := ev.Host.Name
	if client == "" {
		client = ev.Client.Addr().Unmap().String()
	}
	k := findingKey{client: client, value: ind.Value, what: what}
	f, ok := d.findings[k]
	if !ok {
		if len(d.findings) >= d.cfg.MaxFindings {
			d.dropped++
			return
		}
		if matched == "" {
			matched = ev.Server.Addr().Unmap().String()
		}
		f = &finding{
			ind: ind, matched: strings.Clone(matched), first: ev.Time,
			client: ev.Client.Addr().Unmap(), host: strings.Clone(ev.Host.Name),
			qname: strings.Clone(ev.DNS.QName), server: ev.Server.Addr().Unmap(),
		}
		k.client = strings.Clone(k.client)
		d.findings[k] = f
		d.order = append(d.order, k)
	}
	f.count++
	if ev.Time.After(f.last) {
		f.last = ev.Time
	}
	if !ok {
		f.reported = f.count
		emit(d.alert(k, f, false))
	}
}

// Advance implements detect.Detector.
func (d *Detector) Advance(time.Time, detect.Emit) {}

// Flush implements detect.Detector: findings seen again since their alert
// are reported once more with their counts.
func (d *Detector) Flush(emit detect.Emit) {
	for _, k := range d.order {
		if f := d.findings[k]; f.count > f.reported {
			f.reported = f.count
			emit(d.alert(k, f, true))
		}
	}
}

// Counts implements detect.Counter.
func (d *Detector) Counts() []detect.Stat {
	return []detect.Stat{
		{Name: "indicators", Value: int64(d.set.Len())},
		{Name: "dns events checked", Value: d.checked},
		{Name: "matches", Value: d.matches},
		{Name: "findings", Value: int64(len(d.findings))},
		{Name: "findings dropped (max_findings)", Value: d.dropped},
	}
}

func (d *Detector) alert(k findingKey, f *finding, update bool) *alert.Alert {
	a := &alert.Alert{
		Key:       alert.MakeKey(RuleID, k.client, k.what, k.value),
		RuleID:    RuleID,
		RuleName:  RuleName,
		Severity:  d.sev,
		Technique: alert.TechniqueDNSServer,
		Strategy:  alert.StrategyDNSServer,
		Time:      f.first,
		FirstSeen: f.first,
		LastSeen:  f.last,
		Client:    f.client,
		Host:      f.host,
		Server:    f.server,
		QName:     f.qname,
		Summary: fmt.Sprintf("%s: %s %s matches threat intel %s (%s)%s",
			k.client, k.what, f.matched, f.ind.Value, f.ind.Source, label(f.ind)),
		Evidence: []alert.Field{
			{Name: "what", Value: k.what},
			{Name: "matched", Value: f.matched},
			{Name: "indicator", Value: f.ind.Value},
			{Name: "indicator_kind", Value: f.ind.Kind.String()},
			{Name: "source", Value: f.ind.Source},
			{Name: "to_ids", Value: f.ind.ToIDs},
			{Name: "count", Value: f.count},
			{Name: "first_seen", Value: f.first},
			{Name: "last_seen", Value: f.last},
		},
	}
	if f.ind.Label != "" {
		a.Evidence = append(a.Evidence, alert.Field{Name: "label", Value: f.ind.Label})
	}
	if f.ind.Kind == intel.Domain {
		a.Domain = f.ind.Value
	}
	if update {
		a.Evidence = append(a.Evidence, alert.Field{Name: "update", Value: true})
	}
	return a
}

func label(ind intel.Indicator) string {
	if ind.Label == "" {
		return ""
	}
	return ": " + ind.Label
}

var (
	_ detect.Detector    = (*Detector)(nil)
	_ detect.Counter     = (*Detector)(nil)
	_ detect.RecordsUser = (*Detector)(nil)
)
