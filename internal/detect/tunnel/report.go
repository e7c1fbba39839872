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

// alertKind says why an alert is emitted.
type alertKind uint8

const (
	kindFirst  alertKind = iota // the key crossed medium_score in its window
	kindUpdate                  // the bin closed with a higher severity
	kindSlow                    // a slow channel crossed over slow_window
)

// alert builds the alert for key k, which may borrow the event's strings.
// ev is the query that crossed the threshold, or nil for an update at the
// end of the bin.
func (d *Detector) alert(k key, a *agg, m *sums, w float64, s scored, b state.Bin, ev *event.Event, kind alertKind) *alert.Alert {
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
		FirstSeen: unixTime(m.first),
		LastSeen:  unixTime(m.last),
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
	out.Summary = d.summary(device, k, s, kind)
	out.Evidence = d.evidence(a, m, w, s, b, kind)
	return out
}

func (d *Detector) summary(device string, k key, s scored, kind alertKind) string {
	var b strings.Builder
	b.WriteString(device)
	if k.proc != "" {
		fmt.Fprintf(&b, " (%s)", k.proc)
	}
	span := d.cfg.Window
	if kind == kindSlow {
		span = d.cfg.SlowWindow
	}
	fmt.Fprintf(&b, " sent %.0f queries with %.0f distinct subdomains of %s within %v that look like data carried in names (score %.0f of 100, about %d unique bytes in names)",
		s.queries, s.distinct, k.domain, span, s.score, s.uniqueBytes)
	switch kind {
	case kindUpdate:
		b.WriteString("; severity rose by the end of the window")
	case kindSlow:
		b.WriteString("; a slow channel, below min_queries in every window")
	}
	return b.String()
}

func (d *Detector) evidence(a *agg, m *sums, w float64, s scored, b state.Bin, kind alertKind) []alert.Field {
	n := m.queries
	ev := []alert.Field{
		{Name: "score", Value: round2(s.score)},
		{Name: "score_before_cap", Value: round2(s.uncapped)},
		{Name: "medium_score", Value: d.cfg.MediumScore},
		{Name: "high_score", Value: d.cfg.HighScore},
		{Name: "queries", Value: round2(n)},
		{Name: "distinct_subdomains", Value: round2(s.distinct)},
		{Name: "unique_bytes_estimated", Value: s.uniqueBytes},
		{Name: "escalate_bytes", Value: d.cfg.EscalateBytes},
	}
	f := formula()
	for i := range f {
		if s.available[i] {
			ev = append(ev, alert.Field{Name: f[i].name, Value: round2(s.values[i])})
		}
	}
	for i := range f {
		if s.available[i] {
			ev = append(ev, alert.Field{Name: "contribution_" + f[i].name, Value: round2(s.contrib[i])})
		}
	}
	if s.hashLike {
		ev = append(ev, alert.Field{Name: "hash_lookup_damping", Value: hashDamping})
	}
	if !s.supported {
		ev = append(ev, alert.Field{Name: "supporting_features_gated", Value: true})
	}
	ev = append(ev,
		alert.Field{Name: "mean_name_length", Value: round2(m.nameBytes / n)},
		alert.Field{Name: "mean_labels", Value: round2(m.labels / n)},
		alert.Field{Name: "qtype_txt", Value: round2(m.txt)},
		alert.Field{Name: "qtype_null", Value: round2(m.null)},
		alert.Field{Name: "qtype_cname", Value: round2(m.cname)},
		alert.Field{Name: "qtype_mx", Value: round2(m.mx)},
		alert.Field{Name: "qtype_rare", Value: round2(m.otherType)},
		alert.Field{Name: "responses", Value: round2(m.responses)},
		alert.Field{Name: "window", Value: d.cfg.Window.String()},
		alert.Field{Name: "bin_start", Value: b.Start},
		alert.Field{Name: "bin_end", Value: b.End},
		alert.Field{Name: "queries_this_bin", Value: int64(a.queries)},
	)
	if w > 0 {
		ev = append(ev,
			alert.Field{Name: "previous_bin_weight", Value: round2(w)},
			alert.Field{Name: "distinct_subdomains_previous_bin", Value: round2(d.prevSums[a.prev].distinct)},
		)
	}
	ev = append(ev,
		alert.Field{Name: "first_seen", Value: unixTime(m.first)},
		alert.Field{Name: "last_seen", Value: unixTime(m.last)},
		alert.Field{Name: "sample_names", Value: alert.Names(a.sampleNames())},
	)
	if !a.distinctSet.Exact() {
		ev = append(ev, alert.Field{Name: "distinct_estimated", Value: true})
	}
	switch kind {
	case kindUpdate:
		ev = append(ev, alert.Field{Name: "update", Value: true})
	case kindSlow:
		ev = append(ev, alert.Field{Name: "slow_channel", Value: true}, alert.Field{Name: "slow_window", Value: d.cfg.SlowWindow.String()})
	}
	return ev
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

func unixTime(ns int64) time.Time { return time.Unix(0, ns).UTC() }
