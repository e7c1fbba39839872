package tunnel

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/state"
)

// severity maps a score to a severity: medium from medium_score, high from
// high_score, one level more when the estimated unique subdomain bytes
// reach escalate_bytes.
func (d *Detector) severity(s scored) alert.Severity {
	sev := alert.SeverityMedium
	if s.score >= d.cfg.HighScore {
		sev = alert.SeverityHigh
	}
	if s.uniqueBytes >= d.cfg.EscalateBytes {
		sev++
	}
	return sev
}

// alert builds the alert for key k, which may borrow the event's strings.
// ev is the query that crossed the threshold, or nil for an update at the
// end of the bin.
func (d *Detector) alert(k key, a *agg, s scored, b state.Bin, ev *event.Event, update bool) *alert.Alert {
	k = cloneKey(k)
	device := k.device()
	out := &alert.Alert{
		Key:       alert.MakeKey(RuleID, device, k.proc, k.domain),
		RuleID:    RuleID,
		RuleName:  RuleName,
		Severity:  alert.Severity(a.sev),
		Technique: alert.TechniqueDNSTunnel,
		Strategy:  alert.StrategyDNSServer,
		Time:      b.End,
		FirstSeen: unixTime(a.first),
		LastSeen:  unixTime(a.last),
		Host:      k.host,
		Process:   k.proc,
		Client:    k.client,
		Domain:    k.domain,
	}
	if ev != nil {
		out.Time = ev.Time.UTC()
		out.Client = ev.Client.Addr().Unmap()
		out.Server = ev.Server.Addr().Unmap()
		out.Port = ev.Server.Port()
		out.Transport = ev.Transport.String()
		out.QName = strings.Clone(ev.DNS.QName)
		out.User = strings.Clone(ev.Process.User)
		if out.User == "" {
			out.User = strings.Clone(ev.Host.User)
		}
	}
	out.Summary = d.summary(device, k, a, s, update)
	out.Evidence = d.evidence(a, s, b, update)
	return out
}

func (d *Detector) summary(device string, k key, a *agg, s scored, update bool) string {
	var b strings.Builder
	b.WriteString(device)
	if k.proc != "" {
		fmt.Fprintf(&b, " (%s)", k.proc)
	}
	fmt.Fprintf(&b, " sent %d queries with %d distinct subdomains of %s that look like encoded data (score %.0f of 100, about %d unique bytes in names)",
		a.queries, min(s.distinct, uint64(a.queries)), k.domain, s.score, s.uniqueBytes)
	if update {
		b.WriteString("; severity rose by the end of the window")
	}
	return b.String()
}

func (d *Detector) evidence(a *agg, s scored, b state.Bin, update bool) []alert.Field {
	n := float64(a.queries)
	ev := []alert.Field{
		{Name: "score", Value: round2(s.score)},
		{Name: "medium_score", Value: d.cfg.MediumScore},
		{Name: "high_score", Value: d.cfg.HighScore},
		{Name: "queries", Value: int64(a.queries)},
		{Name: "distinct_subdomains", Value: int64(min(s.distinct, uint64(a.queries)))},
		{Name: "unique_bytes_estimated", Value: s.uniqueBytes},
		{Name: "escalate_bytes", Value: d.cfg.EscalateBytes},
	}
	f := formula()
	for i := range f {
		ev = append(ev, alert.Field{Name: f[i].name, Value: round2(s.values[i])})
	}
	for i := range f {
		ev = append(ev, alert.Field{Name: "contribution_" + f[i].name, Value: round2(s.contrib[i])})
	}
	ev = append(ev,
		alert.Field{Name: "mean_name_length", Value: round2(float64(a.nameBytes) / n)},
		alert.Field{Name: "mean_labels", Value: round2(float64(a.labels) / n)},
		alert.Field{Name: "qtype_txt", Value: int64(a.txt)},
		alert.Field{Name: "qtype_null", Value: int64(a.null)},
		alert.Field{Name: "qtype_cname", Value: int64(a.cname)},
		alert.Field{Name: "qtype_mx", Value: int64(a.mx)},
		alert.Field{Name: "qtype_rare", Value: int64(a.otherType)},
		alert.Field{Name: "responses", Value: int64(a.responses)},
		alert.Field{Name: "window", Value: d.cfg.Window.String()},
		alert.Field{Name: "window_start", Value: b.Start},
		alert.Field{Name: "window_end", Value: b.End},
		alert.Field{Name: "first_seen", Value: unixTime(a.first)},
		alert.Field{Name: "last_seen", Value: unixTime(a.last)},
		alert.Field{Name: "sample_names", Value: alert.Names(a.sampleNames())},
	)
	if a.answered > 0 {
		ev = append(ev, alert.Field{Name: "ttl0_share", Value: round2(float64(a.ttl0) / float64(a.answered))})
	}
	if !a.distinct.Exact() {
		ev = append(ev, alert.Field{Name: "distinct_estimated", Value: true})
	}
	if update {
		ev = append(ev, alert.Field{Name: "update", Value: true})
	}
	return ev
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

func unixTime(ns int64) time.Time { return time.Unix(0, ns).UTC() }
