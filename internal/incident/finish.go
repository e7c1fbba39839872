package incident

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
)

// summaryItems is how many values of a list the summary names.
const summaryItems = 3

// finish turns b into an Incident.
func (b *building) finish() Incident {
	inc := Incident{
		ID:        incidentID(b.key, b.first),
		Host:      b.host,
		Client:    b.client,
		First:     b.first,
		Last:      b.last,
		Start:     b.start,
		End:       b.end,
		Base:      b.base,
		Processes: b.processes.sorted(strings.Compare),
		Users:     b.users.sorted(strings.Compare),
		Servers:   b.servers.sorted(netip.Addr.Compare),
		Domains:   b.domains.sorted(strings.Compare),
		Overflow:  b.ruleOverflow + b.processes.overflow + b.users.overflow + b.servers.overflow + b.domains.overflow,
		Alerts:    b.alerts,
		Dropped:   b.dropped,
	}
	for _, r := range b.rules {
		inc.Rules = append(inc.Rules, *r)
	}
	slices.SortFunc(inc.Rules, func(x, y RuleCount) int { return strings.Compare(x.ID, y.ID) })
	inc.Timeline = slices.Clone([]TimelineEntry(b.timeline))
	slices.SortFunc(inc.Timeline, compareEntries)
	inc.Severity, inc.Raised = b.severity(len(inc.Rules) + b.ruleOverflow)
	inc.Summary = summary(&inc)
	return inc
}

// incidentID hashes the host identity and the first alert time.
func incidentID(key string, first time.Time) string {
	h := sha256.New()
	h.Write([]byte(key))
	h.Write([]byte{0})
	h.Write([]byte(first.UTC().Format(time.RFC3339Nano)))
	return "INC-" + hex.EncodeToString(h.Sum(nil)[:6])
}

// severity combines the alerts' severities: the highest, one level more
// when rules distinct rules fired (two or more), and at least high when a
// configuration change was followed by traffic to the server it set.
func (b *building) severity(rules int) (alert.Severity, []string) {
	sev := b.base
	var why []string
	if rules >= 2 && sev < alert.SeverityCritical {
		sev++
		why = append(why, fmt.Sprintf("%d distinct rules fired (%s raised to %s)", rules, b.base, sev))
	}
	if reason, ok := b.seq.followed(); ok {
		if sev < alert.SeverityHigh {
			reason += fmt.Sprintf(" (%s raised to high)", sev)
			sev = alert.SeverityHigh
		}
		why = append(why, reason)
	}
	return sev, why
}

// summary is one sentence naming the rules, processes and servers.
func summary(inc *Incident) string {
	var s strings.Builder
	s.WriteString(plural(inc.Alerts, "alert"))
	s.WriteString(" on ")
	s.WriteString(hostLabel(inc))
	fmt.Fprintf(&s, " over %s from %s", inc.Last.Sub(inc.First), plural(len(inc.Rules), "rule"))
	rules := make([]string, len(inc.Rules))
	for i, r := range inc.Rules {
		rules[i] = r.ID
		if r.Count > 1 {
			rules[i] += " ×" + strconv.Itoa(r.Count)
		}
	}
	s.WriteString(" (" + list(rules) + ")")
	if len(inc.Processes) > 0 {
		s.WriteString(", processes " + list(inc.Processes))
	}
	if len(inc.Servers) > 0 {
		servers := make([]string, len(inc.Servers))
		for i, a := range inc.Servers {
			servers[i] = a.String()
		}
		s.WriteString(", servers " + list(servers))
	}
	fmt.Fprintf(&s, "; severity %s", inc.Severity)
	if len(inc.Raised) > 0 {
		fmt.Fprintf(&s, ", raised from %s because %s", inc.Base, strings.Join(inc.Raised, " and "))
	}
	s.WriteByte('.')
	return s.String()
}

func hostLabel(inc *Incident) string {
	switch {
	case inc.Host != "" && inc.Client.IsValid():
		return inc.Host + " (" + inc.Client.String() + ")"
	case inc.Host != "":
		return inc.Host
	case inc.Client.IsValid():
		return inc.Client.String()
	}
	return "an unnamed host"
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// list joins the first summaryItems values and counts the rest.
func list(items []string) string {
	if len(items) <= summaryItems {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:summaryItems], ", ") + fmt.Sprintf(" and %d more", len(items)-summaryItems)
}

// formatTime writes t in UTC, RFC 3339 with as many fraction digits as
// needed.
func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
