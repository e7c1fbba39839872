package table

import (
	"bufio"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/sink/escape"
)

// Columns, in order.
const (
	colTime = iota
	colSeverity
	colRule
	colHost
	colDestination
	colDetail
	numCols
)

var headers = [numCols]string{"TIME", "SEVERITY", "RULE", "HOST", "DESTINATION", "DETAIL"}

// timeLayout is RFC 3339 to the second; times are shown in UTC.
const timeLayout = "2006-01-02T15:04:05Z07:00"

// indent starts each context and evidence line under a row.
const indent = "    "

// row is one alert laid out: each cell escaped, and cut to its column's cap.
type row struct {
	a     *alert.Alert
	full  [numCols]string
	shown [numCols]string
}

func (c Config) caps() [numCols]int {
	return [numCols]int{len("2006-01-02T15:04:05Z"), len("critical"), c.MaxRule, c.MaxHost, c.MaxDestination, c.MaxDetail}
}

func render(w *bufio.Writer, alerts []*alert.Alert, cfg Config) {
	caps := cfg.caps()
	rows := make([]row, len(alerts))
	var widths [numCols]int
	for i, h := range headers {
		widths[i] = len(h)
	}
	for i, a := range alerts {
		r := &rows[i]
		r.a = a
		r.full = cells(a)
		for c := range numCols {
			r.shown[c] = truncate(r.full[c], caps[c])
			widths[c] = max(widths[c], width(r.shown[c]))
		}
	}
	writeCells(w, headers, widths, alert.SeverityInfo, false)
	for i := range rows {
		if i > 0 {
			w.WriteByte('\n')
		}
		writeCells(w, rows[i].shown, widths, rows[i].a.Severity, cfg.Color)
		writeDetails(w, &rows[i])
	}
}

// writeCells writes one line of cells padded to widths; the last column is
// not padded. sev colours the severity cell when color is set.
func writeCells(w *bufio.Writer, cells [numCols]string, widths [numCols]int, sev alert.Severity, color bool) {
	for c, s := range cells {
		if c > 0 {
			w.WriteString("  ")
		}
		if c == colSeverity && color {
			w.WriteString(severityColor(sev))
			w.WriteString(s)
			w.WriteString(colorReset)
		} else {
			w.WriteString(s)
		}
		if c < numCols-1 {
			w.WriteString(strings.Repeat(" ", widths[c]-width(s)))
		}
	}
	w.WriteByte('\n')
}

// writeDetails writes the indented lines under a row: the whole value of
// each cut cell, the context that has no column, then the evidence.
func writeDetails(w *bufio.Writer, r *row) {
	for c := colRule; c < numCols; c++ {
		if r.shown[c] != r.full[c] {
			detailLine(w, strings.ToLower(headers[c]), r.full[c])
		}
	}
	a := r.a
	if a.Process != "" {
		detailLine(w, "process", escape.Terminal(a.Process))
	}
	if a.User != "" {
		detailLine(w, "user", escape.Terminal(a.User))
	}
	if !a.FirstSeen.IsZero() || !a.LastSeen.IsZero() {
		detailLine(w, "seen", formatTime(a.FirstSeen)+" .. "+formatTime(a.LastSeen))
	}
	var buf []byte
	for _, f := range a.Evidence {
		buf = appendValue(buf[:0], f.Value)
		detailLine(w, escape.Terminal(f.Name), string(buf))
	}
}

func detailLine(w *bufio.Writer, name, value string) {
	w.WriteString(indent)
	w.WriteString(name)
	w.WriteString(": ")
	w.WriteString(value)
	w.WriteByte('\n')
}

// cells returns the escaped, uncut cells of a; an empty cell is "-".
func cells(a *alert.Alert) [numCols]string {
	c := [numCols]string{
		colTime:        formatTime(a.Time),
		colSeverity:    a.Severity.String(),
		colRule:        escape.Terminal(a.RuleID),
		colHost:        hostCell(a),
		colDestination: destinationCell(a),
		colDetail:      detailCell(a),
	}
	for i, s := range c {
		if s == "" {
			c[i] = "-"
		}
	}
	return c
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(timeLayout)
}

// hostCell is the host name, with the client address in parentheses when
// both are known, or the client address alone.
func hostCell(a *alert.Alert) string {
	switch {
	case a.Host == "" && !a.Client.IsValid():
		return ""
	case a.Host == "":
		return a.Client.String()
	case !a.Client.IsValid():
		return escape.Terminal(a.Host)
	}
	return escape.Terminal(a.Host) + " (" + a.Client.String() + ")"
}

// destinationCell is server ip[:port]/transport.
func destinationCell(a *alert.Alert) string {
	var s string
	switch {
	case a.Server.IsValid() && a.Port != 0:
		s = netip.AddrPortFrom(a.Server, a.Port).String()
	case a.Server.IsValid():
		s = a.Server.String()
	case a.Port != 0:
		s = "port " + strconv.Itoa(int(a.Port))
	}
	if a.Transport != "" {
		s += "/" + escape.Terminal(a.Transport)
	}
	return s
}

// detailCell is the summary followed by the query name, or the registrable
// domain when there is no query name, in brackets.
func detailCell(a *alert.Alert) string {
	s := escape.Terminal(a.Summary)
	name := a.QName
	if name == "" {
		name = a.Domain
	}
	if name == "" {
		return s
	}
	if s != "" {
		s += " "
	}
	return s + "[" + escape.Name(name) + "]"
}
