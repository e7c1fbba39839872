package incident

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/sink"
)

// Output receives finished incidents. Write may keep inc; Flush writes
// anything held. JSONWriter and TableWriter implement it.
type Output interface {
	Write(inc *Incident) error
	Flush() error
}

// Sink is a sink.Sink that feeds alerts to a Correlator and writes the
// incidents to an Output: an incident evicted while the Correlator is full
// is written when it is evicted, the others on Close, sorted by first alert
// time. It is not safe for concurrent use.
type Sink struct {
	c      *Correlator
	out    Output
	err    error
	closed bool
}

var _ sink.Sink = (*Sink)(nil)

// NewSink returns a Sink grouping alerts by cfg and writing to out.
func NewSink(cfg Config, out Output) (*Sink, error) {
	s := &Sink{out: out}
	c, err := New(cfg, Deps{Evicted: s.write})
	if err != nil {
		return nil, err
	}
	s.c = c
	return s, nil
}

func (s *Sink) write(inc *Incident) {
	if s.err == nil {
		s.err = s.out.Write(inc)
	}
}

// Write adds a to its incident. It keeps a's strings, not a.
func (s *Sink) Write(a *alert.Alert) error {
	if s.closed {
		return sink.ErrClosed
	}
	if s.err != nil {
		return s.err
	}
	s.c.Add(a)
	return s.err
}

// Close writes the open incidents and flushes the output; it does not close
// the output's io.Writer. A second Close does nothing.
func (s *Sink) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	incs := s.c.Close()
	for i := range incs {
		s.write(&incs[i])
	}
	return errors.Join(s.err, s.out.Flush())
}

// Counts returns the Correlator's counters.
func (s *Sink) Counts() Counts { return s.c.Counts() }

// TableWriter is an Output that holds incidents and writes them with
// WriteTable on Flush, sorted by first alert time. It holds at most max
// incidents, keeping the most severe (then earliest), and ends the table
// with a line counting the ones left out.
type TableWriter struct {
	w       io.Writer
	color   bool
	max     int
	held    []Incident
	dropped int
}

// NewTableWriter returns a TableWriter holding at most max incidents (at
// least 1).
func NewTableWriter(w io.Writer, color bool, max int) *TableWriter {
	return &TableWriter{w: w, color: color, max: cmp.Or(max, 1)}
}

// Write holds a copy of inc.
func (t *TableWriter) Write(inc *Incident) error {
	t.held = append(t.held, *inc)
	if len(t.held) > 2*t.max {
		t.trim()
	}
	return nil
}

// trim keeps the max most severe incidents, earliest first among equals.
func (t *TableWriter) trim() {
	if len(t.held) <= t.max {
		return
	}
	slices.SortFunc(t.held, func(a, b Incident) int {
		return cmp.Or(cmp.Compare(b.Severity, a.Severity), a.First.Compare(b.First), cmp.Compare(a.ID, b.ID))
	})
	t.dropped += len(t.held) - t.max
	clear(t.held[t.max:])
	t.held = t.held[:t.max]
}

// Flush writes the held incidents as a table and forgets them.
func (t *TableWriter) Flush() error {
	t.trim()
	incs := t.held
	t.held = nil
	SortIncidents(incs)
	if err := WriteTable(t.w, incs, t.color); err != nil {
		return err
	}
	if t.dropped > 0 {
		if _, err := fmt.Fprintf(t.w, "%s not shown (the table holds the %d most severe); the JSON output lists every incident\n",
			plural(t.dropped, "more incident"), t.max); err != nil {
			return fmt.Errorf("write incident table: %w", err)
		}
		t.dropped = 0
	}
	return nil
}
