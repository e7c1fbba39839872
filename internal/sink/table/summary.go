package table

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/sink"
	"github.com/dnsvigil/dnsvigil/internal/sink/escape"
)

// WriteSummary writes the closing summary of a run as text, for standard
// error: one headline with totals and the event rate, then indented sections
// for event time, events by kind, skipped records by reason with the first
// errors, each input with its counters, input errors, other counters, and
// alerts by rule. Empty sections are left out. Names, paths and messages are
// escaped for the terminal. Counts in a section are sorted by value, highest
// first, then by name; inputs keep their order.
func WriteSummary(w io.Writer, s *sink.Summary) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "summary: %d events from %d inputs in %s (%.0f events/s), %d records skipped, %d alerts\n",
		s.Events, len(s.Inputs), s.Duration.Round(time.Millisecond), s.Rate(), s.SkippedTotal(), s.AlertTotal())
	if !s.FirstEvent.IsZero() {
		fmt.Fprintf(bw, "  event time: %s .. %s\n", formatTime(s.FirstEvent), formatTime(s.LastEvent))
	}
	counts(bw, "  ", "events by kind", s.EventsByKind)
	counts(bw, "  ", "records skipped by reason", s.Skipped)
	lines(bw, "first record errors", s.ErrorSamples)
	for _, in := range s.Inputs {
		format := in.Format
		if format == "" {
			format = "unrecognised"
		}
		fmt.Fprintf(bw, "  input %s (%s): %d events, %d records skipped\n",
			escape.Terminal(in.Name), escape.Terminal(format), in.Events, in.Skipped)
		counts(bw, "    ", "", in.Counters)
	}
	lines(bw, "input errors", s.InputErrors)
	counts(bw, "  ", "counters", s.Counters)
	counts(bw, "  ", "alerts by rule", s.Alerts)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}

// counts writes a titled section of name/value lines, values aligned. With an
// empty title the lines are written at the given indent without a heading.
func counts(w *bufio.Writer, indent, title string, m map[string]int64) {
	if len(m) == 0 {
		return
	}
	type nv struct {
		name string
		v    int64
	}
	list := make([]nv, 0, len(m))
	pad := 0
	for k, v := range m {
		name := escape.Terminal(k)
		list = append(list, nv{name, v})
		pad = max(pad, width(name))
	}
	slices.SortFunc(list, func(a, b nv) int {
		return cmp.Or(cmp.Compare(b.v, a.v), strings.Compare(a.name, b.name))
	})
	if title != "" {
		fmt.Fprintf(w, "%s%s:\n", indent, title)
		indent += "  "
	}
	for _, e := range list {
		fmt.Fprintf(w, "%s%s%s  %s\n", indent, e.name, strings.Repeat(" ", pad-width(e.name)), strconv.FormatInt(e.v, 10))
	}
}

// lines writes a titled section of escaped messages.
func lines(w *bufio.Writer, title string, msgs []string) {
	if len(msgs) == 0 {
		return
	}
	fmt.Fprintf(w, "  %s:\n", title)
	for _, m := range msgs {
		fmt.Fprintf(w, "    %s\n", escape.Terminal(m))
	}
}
