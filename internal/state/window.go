package state

import (
	"fmt"
	"time"
)

// Bin is one tumbling window, the half-open interval [Start, End) in UTC.
type Bin struct {
	Start, End time.Time
}

// Contains reports whether t falls in b.
func (b Bin) Contains(t time.Time) bool { return !t.Before(b.Start) && t.Before(b.End) }

// Tumbling tracks the current bin of fixed-width tumbling windows in event
// time. A bin starts at t.UTC().Truncate(width), so 5-minute bins start on
// :00, :05, ... like KQL's bin(Timestamp, 5m).
//
// Events are expected in roughly increasing time. An event at or after the
// current bin's end closes that bin (the caller reports it) and opens the bin
// holding the event; bins with no events in between are skipped. An event
// before the current bin's start is late: Tumbling counts it and the caller
// folds it into the current bin, since the bin it belongs to has already been
// reported. Folding keeps every event counted exactly once, at the cost of
// attributing a late event to a later bin.
//
// A Tumbling is not safe for concurrent use.
type Tumbling struct {
	width  time.Duration
	cur    Bin
	open   bool
	late   int64
	closed int64
}

// Step is what placing one event time did.
type Step struct {
	// Closed is the bin that ended, valid when DidClose: the caller reports
	// it before counting the event in the new current bin.
	Closed   Bin
	DidClose bool
	// Late is true when the event time fell before the current bin; the
	// event belongs to the current bin now.
	Late bool
}

// NewTumbling returns windows of the given positive width.
func NewTumbling(width time.Duration) (*Tumbling, error) {
	if width <= 0 {
		return nil, fmt.Errorf("new tumbling window: width %v is not positive", width)
	}
	return &Tumbling{width: width}, nil
}

// Width returns the bin width.
func (w *Tumbling) Width() time.Duration { return w.width }

// BinOf returns the bin that holds t.
func (w *Tumbling) BinOf(t time.Time) Bin {
	s := t.UTC().Truncate(w.width)
	return Bin{Start: s, End: s.Add(w.width)}
}

// Observe places an event at time t.
func (w *Tumbling) Observe(t time.Time) Step {
	switch {
	case !w.open:
		w.cur, w.open = w.BinOf(t), true
		return Step{}
	case t.Before(w.cur.Start):
		w.late++
		return Step{Late: true}
	case t.Before(w.cur.End):
		return Step{}
	}
	closed := w.cur
	w.closed++
	w.cur = w.BinOf(t)
	return Step{Closed: closed, DidClose: true}
}

// Advance closes the current bin when now is at or past its end and opens
// the (empty) bin holding now, so that events arriving later for the closed
// bin are counted as late instead of reopening it. It reports the closed bin.
func (w *Tumbling) Advance(now time.Time) (Bin, bool) {
	if !w.open || now.Before(w.cur.End) {
		return Bin{}, false
	}
	closed := w.cur
	w.closed++
	w.cur = w.BinOf(now)
	return closed, true
}

// Flush closes the current bin, if one is open, and reports it. The next
// Observe opens a bin again.
func (w *Tumbling) Flush() (Bin, bool) {
	if !w.open {
		return Bin{}, false
	}
	w.open = false
	w.closed++
	return w.cur, true
}

// Current returns the open bin, if any.
func (w *Tumbling) Current() (Bin, bool) { return w.cur, w.open }

// Late returns how many event times fell before the current bin.
func (w *Tumbling) Late() int64 { return w.late }

// Closed returns how many bins were closed.
func (w *Tumbling) Closed() int64 { return w.closed }
