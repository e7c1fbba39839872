package resolver

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/detect"
)

// Bounds of the overflow summary.
const (
	overflowHosts   = 1000 // hosts counted by name; the rest are "other hosts"
	overflowTop     = 10   // hosts listed in the alert
	overflowServers = 10   // sample servers listed in the alert
)

// overflow gathers the pairs evicted before their first alert once
// max_eviction_alerts is spent: a spray of DNS to many distinct servers
// becomes one alert naming its top hosts instead of one alert per pair.
type overflow struct {
	pairs, queries, conns int64
	first, last           time.Time
	hosts                 map[string]int64 // pairs per host, at most overflowHosts
	otherHosts            int64            // pairs of hosts beyond the cap
	servers               []netip.Addr
	dirty                 bool
	reports               int
	due                   time.Time
}

// add folds an evicted pair into the summary.
func (o *overflow) add(p *pair) {
	if o.hosts == nil {
		o.hosts = map[string]int64{}
	}
	o.pairs++
	o.queries += p.queries
	o.conns += p.conns
	if o.first.IsZero() || p.first.Before(o.first) {
		o.first = p.first
	}
	if p.last.After(o.last) {
		o.last = p.last
	}
	host := p.key.hostID()
	if _, ok := o.hosts[host]; ok || len(o.hosts) < overflowHosts {
		o.hosts[host]++
	} else {
		o.otherHosts++
	}
	if len(o.servers) < overflowServers && !slices.Contains(o.servers, p.key.server) {
		o.servers = append(o.servers, p.key.server)
	}
	o.dirty = true
}

// reportOverflow emits the overflow alert when it has news and is due:
// first_report after its first pair, then every report_interval, and at the
// end of the input (final).
func (d *Detector) reportOverflow(now time.Time, final bool, emit detect.Emit) {
	o := &d.over
	if !o.dirty {
		return
	}
	if o.due.IsZero() {
		o.due = o.first.Add(d.cfg.FirstReport)
	}
	if !final && now.Before(o.due) {
		return
	}
	o.reports++
	o.dirty = false
	o.due = now.Add(d.cfg.ReportInterval)
	d.stats[statAlerts]++
	emit(d.overflowAlert(now, final))
}

func (d *Detector) overflowAlert(now time.Time, final bool) *alert.Alert {
	o := &d.over
	type hc struct {
		host  string
		pairs int64
	}
	top := make([]hc, 0, len(o.hosts))
	for h, n := range o.hosts {
		top = append(top, hc{h, n})
	}
	slices.SortFunc(top, func(a, b hc) int { return cmp.Or(cmp.Compare(b.pairs, a.pairs), cmp.Compare(a.host, b.host)) })
	top = top[:min(len(top), overflowTop)]
	hosts := make([]string, len(top))
	counts := make([]int64, len(top))
	for i, t := range top {
		hosts[i], counts[i] = t.host, t.pairs
	}
	kind := reportUpdate
	if final {
		kind = reportFinal
	}
	a := &alert.Alert{
		Key:       alert.MakeKey(RuleID, "overflow"),
		RuleID:    RuleID,
		RuleName:  RuleName,
		Severity:  d.pol.severities[TierNone],
		Technique: alert.TechniqueDNSServer,
		Strategy:  alert.StrategyDNSServer,
		Time:      now,
		FirstSeen: o.first,
		LastSeen:  o.last,
		Summary: fmt.Sprintf("%d more (host, server) pairs sent DNS to unapproved resolvers and were dropped unreported when the pair table was full (max_pairs %d); top host %s with %d pairs",
			o.pairs, d.cfg.MaxPairs, hosts[0], counts[0]),
		Evidence: []alert.Field{
			{Name: "pairs", Value: o.pairs},
			{Name: FieldQueryCount, Value: o.queries},
			{Name: FieldConnectionCount, Value: o.conns},
			{Name: FieldFirstSeen, Value: o.first},
			{Name: FieldLastSeen, Value: o.last},
			{Name: "top_hosts", Value: hosts},
			{Name: "top_host_pairs", Value: counts},
			{Name: "other_hosts_pairs", Value: o.otherHosts},
			{Name: "sample_servers", Value: slices.Clone(o.servers)},
			{Name: "max_pairs", Value: d.cfg.MaxPairs},
			{Name: "max_eviction_alerts", Value: d.cfg.MaxEvictionAlerts},
			{Name: FieldReport, Value: reportNames[kind]},
			{Name: FieldReportNumber, Value: o.reports},
		},
	}
	if len(top) == 1 && o.otherHosts == 0 {
		a.Host = top[0].host
		if addr, err := netip.ParseAddr(top[0].host); err == nil {
			a.Host, a.Client = "", addr
		}
	}
	return a
}
