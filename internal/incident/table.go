package incident

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/sink/escape"
)

// ANSI select-graphic-rendition sequences for the severity cell.
const (
	colorReset    = "\x1b[0m"
	colorCritical = "\x1b[1;31m" // bold red
	colorHigh     = "\x1b[31m"   // red
	colorMedium   = "\x1b[33m"   // yellow
	colorLow      = "\x1b[36m"   // cyan
	colorInfo     = "\x1b[2m"    // dim
)

const tableHeader = "INCIDENT          SEVERITY  FIRST                 LAST                  ALERTS  HOST\n"

// WriteTable writes incs for a terminal: one row per incident, then
// indented lines with its summary, rules, processes, users, servers,
// domains, the reasons its severity was raised and its timeline. Strings
// from traffic and logs are written with escape.Terminal (domains with
// escape.Name), so they cannot move the cursor, recolour or reorder the
// terminal. With color, the severity cell is coloured. Nothing is written
// when incs is empty.
func WriteTable(w io.Writer, incs []Incident, color bool) error {
	if len(incs) == 0 {
		return nil
	}
	bw := bufio.NewWriter(w)
	bw.WriteString(tableHeader)
	for i := range incs {
		writeRow(bw, &incs[i], color)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write incident table: %w", err)
	}
	return nil
}

func writeRow(w *bufio.Writer, inc *Incident, color bool) {
	sev := fmt.Sprintf("%-8s", inc.Severity)
	if color {
		sev = severityColor(inc.Severity) + sev + colorReset
	}
	fmt.Fprintf(w, "%-17s %s  %-20s  %-20s  %-6d  %s\n", inc.ID, sev,
		inc.First.UTC().Format(time.RFC3339), inc.Last.UTC().Format(time.RFC3339), inc.Alerts, escape.Terminal(hostLabel(inc)))
	detail(w, "summary", escape.Terminal(inc.Summary))
	rules := make([]string, len(inc.Rules))
	for i, r := range inc.Rules {
		rules[i] = escape.Terminal(r.ID) + " ×" + strconv.Itoa(r.Count)
		if r.Name != "" {
			rules[i] += " (" + escape.Terminal(r.Name) + ")"
		}
	}
	detail(w, "rules", strings.Join(rules, ", "))
	detail(w, "processes", joinEscaped(inc.Processes, escape.Terminal))
	detail(w, "users", joinEscaped(inc.Users, escape.Terminal))
	detail(w, "servers", joinAddrs(inc.Servers))
	detail(w, "domains", joinEscaped(inc.Domains, escape.Name))
	if inc.Overflow > 0 {
		detail(w, "not listed", plural(inc.Overflow, "more distinct value"))
	}
	for _, r := range inc.Raised {
		detail(w, "raised", escape.Terminal(r))
	}
	if inc.Evicted {
		detail(w, "note", "written early: the correlator was full; later alerts of this host are in another incident")
	}
	w.WriteString("  timeline:\n")
	for _, e := range inc.Timeline {
		fmt.Fprintf(w, "    %s  %-8s  %s  %s\n", e.Time.UTC().Format(time.RFC3339), e.Severity,
			escape.Terminal(e.RuleID), escape.Terminal(e.Summary))
	}
	if inc.Dropped > 0 {
		fmt.Fprintf(w, "    ... %s not in the timeline (it keeps the earliest %d)\n", plural(inc.Dropped, "more alert"), len(inc.Timeline))
	}
	w.WriteByte('\n')
}

// detail writes an indented "name: value" line, nothing when value is empty.
func detail(w *bufio.Writer, name, value string) {
	if value == "" {
		return
	}
	w.WriteString("  " + name + ": " + value + "\n")
}

func joinEscaped(vals []string, esc func(string) string) string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = esc(v)
	}
	return strings.Join(out, ", ")
}

func joinAddrs(addrs []netip.Addr) string {
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = a.String()
	}
	return strings.Join(out, ", ")
}

func severityColor(s alert.Severity) string {
	switch s {
	case alert.SeverityCritical:
		return colorCritical
	case alert.SeverityHigh:
		return colorHigh
	case alert.SeverityMedium:
		return colorMedium
	case alert.SeverityLow:
		return colorLow
	}
	return colorInfo
}
