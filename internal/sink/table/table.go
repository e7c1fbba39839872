// Package table writes alerts as a table for a terminal, the default output of
// `dnsvigil scan`. Rows are sorted by time, then severity (highest first),
// then rule, and each row is followed by indented `name: value` lines with the
// alert's context and evidence, so an analyst sees why it fired without
// opening the JSON.
//
// Every string that can come from the traffic or logs (names, hosts,
// processes, evidence) goes through package escape, so it cannot move the
// cursor, recolour, retitle or reorder the terminal. Cells that are too wide
// are cut with an ellipsis after escaping and printed whole on a line below
// the row.
package table

import (
	"bufio"
	"cmp"
	"container/heap"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/sink"
)

// Config sets the table's layout.
type Config struct {
	// Color wraps each severity in ANSI colour. The caller decides: colour
	// only when writing to a terminal and NO_COLOR is unset, or when asked.
	Color bool
	// MaxRule, MaxHost, MaxDestination and MaxDetail cap the width of those
	// columns in terminal cells; zero means the default. A longer value is
	// cut with an ellipsis and printed whole under the row.
	MaxRule        int
	MaxHost        int
	MaxDestination int
	MaxDetail      int
	// MaxAlerts caps the alerts held for sorting; zero means the default.
	// Beyond it the table keeps the first MaxAlerts in table order and ends
	// with a line counting the ones left out (the JSON output has them all).
	MaxAlerts int
}

// DefaultConfig returns the documented defaults, without colour.
func DefaultConfig() Config {
	return Config{MaxRule: 32, MaxHost: 32, MaxDestination: 46, MaxDetail: 80, MaxAlerts: 10000}
}

// minWidth is the smallest column cap: room for one character and the
// ellipsis.
const minWidth = 2

// Validate reports every setting that is out of range.
func (c Config) Validate() error {
	var errs []error
	for _, f := range []struct {
		name string
		v    int
	}{{"max_rule", c.MaxRule}, {"max_host", c.MaxHost}, {"max_destination", c.MaxDestination}, {"max_detail", c.MaxDetail}} {
		if f.v != 0 && f.v < minWidth {
			errs = append(errs, fmt.Errorf("table.%s must be 0 (default) or at least %d, not %d", f.name, minWidth, f.v))
		}
	}
	if c.MaxAlerts < 0 {
		errs = append(errs, fmt.Errorf("table.max_alerts must not be negative, not %d", c.MaxAlerts))
	}
	return errors.Join(errs...)
}

// withDefaults returns c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	for _, p := range []struct{ v, def *int }{
		{&c.MaxRule, &d.MaxRule}, {&c.MaxHost, &d.MaxHost}, {&c.MaxDestination, &d.MaxDestination},
		{&c.MaxDetail, &d.MaxDetail}, {&c.MaxAlerts, &d.MaxAlerts},
	} {
		if *p.v == 0 {
			*p.v = *p.def
		}
	}
	return c
}

// Writer is the terminal Sink. It holds alerts until Close, which sorts and
// writes them. It is not safe for concurrent use.
type Writer struct {
	w       io.Writer
	cfg     Config
	held    byOrder
	dropped int
	closed  bool
}

var _ sink.Sink = (*Writer)(nil)

// New returns a Writer that writes the table to w on Close.
func New(w io.Writer, cfg Config) (*Writer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("table output: %w", err)
	}
	return &Writer{w: w, cfg: cfg.withDefaults()}, nil
}

// Write holds a for the sorted output; the Writer keeps a.
func (tw *Writer) Write(a *alert.Alert) error {
	if tw.closed {
		return sink.ErrClosed
	}
	if len(tw.held) < tw.cfg.MaxAlerts {
		heap.Push(&tw.held, a)
		return nil
	}
	tw.dropped++
	if before(a, tw.held[0]) {
		tw.held[0] = a
		heap.Fix(&tw.held, 0)
	}
	return nil
}

// Close sorts the held alerts and writes the table. With no alert it writes
// nothing.
func (tw *Writer) Close() error {
	if tw.closed {
		return nil
	}
	tw.closed = true
	alerts := []*alert.Alert(tw.held)
	tw.held = nil
	if len(alerts) == 0 {
		return nil
	}
	slices.SortStableFunc(alerts, compare)
	bw := bufio.NewWriter(tw.w)
	render(bw, alerts, tw.cfg)
	if tw.dropped > 0 {
		fmt.Fprintf(bw, "\n%d more alerts not shown (the table holds at most %d); the JSON output lists every alert\n", tw.dropped, tw.cfg.MaxAlerts)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write alert table: %w", err)
	}
	return nil
}

// compare orders alerts by time, then severity (highest first), then rule id,
// then key, so equal inputs give the same table.
func compare(a, b *alert.Alert) int {
	return cmp.Or(
		a.Time.Compare(b.Time),
		cmp.Compare(b.Severity, a.Severity),
		strings.Compare(a.RuleID, b.RuleID),
		strings.Compare(a.Key, b.Key),
	)
}

func before(a, b *alert.Alert) bool { return compare(a, b) < 0 }

// byOrder is a max-heap in table order: the root is the alert that would be
// printed last, the one to drop when an earlier alert arrives at the cap.
type byOrder []*alert.Alert

func (h byOrder) Len() int           { return len(h) }
func (h byOrder) Less(i, j int) bool { return before(h[j], h[i]) }
func (h byOrder) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *byOrder) Push(x any)        { *h = append(*h, x.(*alert.Alert)) }
func (h *byOrder) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
