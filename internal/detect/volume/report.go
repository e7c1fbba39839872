package volume

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/detect"
	"github.com/dnsvigil/dnsvigil/internal/state"
)

// highFactor: a count above highFactor times the threshold is high severity.
const highFactor = 10

// candidate is a key over the threshold in a closing bin.
type candidate struct {
	id         int
	k          key
	count, err uint64 // heavy-hitter count (upper bound) and its error
}

func (c candidate) guaranteed() uint64 { return c.count - c.err }

// closeBin emits one alert per key over the threshold in b, largest count
// first, and forgets every key; a table shape left by Reload is taken then.
func (d *Detector) closeBin(b state.Bin, emit detect.Emit) {
	d.cands = d.cands[:0]
	for id := range d.keys.Len() {
		k, c, e := d.keys.Entry(id)
		if c-e > uint64(d.cfg.Threshold) {
			d.cands = append(d.cands, candidate{id: id, k: k, count: c, err: e})
		}
	}
	slices.SortFunc(d.cands, func(a, b candidate) int {
		switch {
		case a.guaranteed() != b.guaranteed():
			return cmp.Compare(b.guaranteed(), a.guaranteed())
		case a.k.less(b.k):
			return -1
		case b.k.less(a.k):
			return 1
		}
		return 0
	})
	for _, c := range d.cands {
		d.alerts++
		emit(d.alert(b, c))
	}
	clear(d.cands) // drop references to key strings
	d.cands = d.cands[:0]
	d.keys.Reset()
	if d.pending != nil {
		d.adoptShape()
	}
}

// alert builds the alert for one candidate.
func (d *Detector) alert(b state.Bin, c candidate) *alert.Alert {
	a := &d.aggs[c.id]
	n := c.guaranteed()
	device := c.k.device()
	sev := alert.SeverityMedium
	if n > highFactor*uint64(d.cfg.Threshold) {
		sev = alert.SeverityHigh
	}
	top := d.topDomains(c.id, d.cfg.TopDomains)
	out := &alert.Alert{
		Key:       alert.MakeKey(RuleID, device, c.k.proc, b.Start.Format(time.RFC3339)),
		RuleID:    RuleID,
		RuleName:  RuleName,
		Severity:  sev,
		Technique: alert.TechniqueDNSTunnel,
		Strategy:  alert.StrategyDNSServer,
		Time:      b.End,
		FirstSeen: unixTime(a.first),
		LastSeen:  unixTime(a.last),
		Host:      c.k.host,
		Process:   c.k.proc,
		User:      a.user,
		Client:    a.client,
	}
	if len(top) > 0 {
		out.Domain = top[0].name
	}
	out.Summary = summary(device, c.k.proc, n, d.cfg, b, top)
	out.Evidence = d.evidence(b, c, a, top)
	return out
}

func summary(device, proc string, n uint64, cfg Config, b state.Bin, top []domainCount) string {
	var s strings.Builder
	s.WriteString(device)
	if proc != "" {
		fmt.Fprintf(&s, " (%s)", proc)
	}
	fmt.Fprintf(&s, " sent %d DNS queries in the %v bin starting %s (threshold %d)",
		n, cfg.Window, b.Start.Format(time.RFC3339), cfg.Threshold)
	if len(top) > 0 {
		fmt.Fprintf(&s, "; top domain %s (%d)", top[0].name, top[0].count)
	}
	return s.String()
}

func (d *Detector) evidence(b state.Bin, c candidate, a *agg, top []domainCount) []alert.Field {
	names := make([]string, len(top))
	counts := make([]int64, len(top))
	for i, t := range top {
		names[i], counts[i] = t.name, int64(t.count)
	}
	ev := []alert.Field{
		{Name: "query_count", Value: int64(c.guaranteed())},
		{Name: "threshold", Value: d.cfg.Threshold},
		{Name: "window", Value: d.cfg.Window.String()},
		{Name: "bin_start", Value: b.Start},
		{Name: "bin_end", Value: b.End},
		{Name: "distinct_servers", Value: int64(a.servers.Count())},
		{Name: "distinct_domains", Value: int64(a.domainSet.Count())},
		{Name: "top_domains", Value: alert.Names(names)},
		{Name: "top_domain_counts", Value: counts},
		{Name: "first_seen", Value: unixTime(a.first)},
		{Name: "last_seen", Value: unixTime(a.last)},
		{Name: "sample_names", Value: alert.Names(d.sampleNames(c.id))},
	}
	if !a.servers.Exact() || !a.domainSet.Exact() {
		ev = append(ev, alert.Field{Name: "distinct_estimated", Value: true})
	}
	if a.domainsLost {
		ev = append(ev, alert.Field{Name: "top_domains_approximate", Value: true})
	}
	if c.err > 0 {
		ev = append(ev,
			alert.Field{Name: "count_error", Value: int64(c.err)},
			alert.Field{Name: "query_count_upper", Value: int64(c.count)})
	}
	if a.late > 0 {
		ev = append(ev, alert.Field{Name: "late_queries", Value: a.late})
	}
	return ev
}
