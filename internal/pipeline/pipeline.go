// Package pipeline wires dnsvigil's components: it opens inputs, merges their
// events in event-time order, enriches each event inline, runs the detectors
// and hands alerts to the sinks. It is the only package that owns goroutines
// and reads the wall clock (for the run's duration only; detection runs on
// event time).
package pipeline

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/detect"
	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/sink"
)

// Enricher fills ev.Enrich from the rest of the event. Inline enrichers are
// local and deterministic.
type Enricher interface {
	Enrich(ev *event.Event)
}

// AlertSink receives alerts in the order detectors emit them.
type AlertSink interface {
	Write(a *alert.Alert) error
}

// tick is how often, in event time, detectors are advanced.
const tick = time.Second

// maxErrorSamples is how many record errors are kept verbatim for the report.
const maxErrorSamples = 20

// Run is one scan: its inputs, components and the counts it gathered.
type Run struct {
	Opener    *Opener
	Enrichers []Enricher
	Detectors []detect.Detector
	Sink      AlertSink
	// OnError, when set, is told about each input problem as it happens.
	OnError func(err error)

	// Finish, when set, is called once after the last input event and
	// before the detectors are flushed, with the event time reached; the
	// events it passes to feed go through the enrichers and detectors like
	// input events (the results of active lookups), and are counted in the
	// summary.
	Finish func(watermark time.Time, feed func(ev *event.Event))

	// ReorderWindow and ReorderMax bound the buffer that restores event-time
	// order across and within inputs; a zero window turns it off.
	ReorderWindow time.Duration
	ReorderMax    int

	// FilesFailed counts inputs that could not be opened or recognised, and
	// FailedInputs those that stopped early on an I/O error.
	FilesFailed  int
	FailedInputs int

	// Summary is filled by Execute.
	Summary sink.Summary

	watermark time.Time
	nextTick  time.Time
	byKind    [8]int64
	opened    []*Opened
}

// Execute reads every path and runs the detectors to the end of the input.
// It returns an error only when the sink fails; input problems are counted in
// r.Stats and reported through OnError.
func (r *Run) Execute(paths []Path) error {
	start := time.Now()
	r.watermark, r.nextTick, r.byKind, r.opened = time.Time{}, time.Time{}, [8]int64{}, nil
	r.Summary = sink.Summary{
		EventsByKind: map[string]int64{},
		Skipped:      map[string]int64{},
		Counters:     map[string]int64{},
		Alerts:       map[string]int64{},
	}
	m := &merger{onError: r.inputError, onDone: r.closeInput}
	unordered := r.probe(m, paths)
	m.open = func(w waiting) *stream {
		o := r.open(w.path)
		if o == nil {
			return nil
		}
		s := &stream{in: o}
		if !m.advance(s) {
			return nil
		}
		return s
	}
	var sinkErr error
	emit := func(a *alert.Alert) {
		r.Summary.Alerts[a.RuleID]++
		if err := r.Sink.Write(a); err != nil && sinkErr == nil {
			sinkErr = err
		}
	}
	r.loop(m, emit, unordered)
	if r.Finish != nil {
		r.Finish(r.watermark, func(ev *event.Event) {
			r.Summary.Counters["pipeline: events from active lookups"]++
			r.process(ev, emit)
		})
	}
	if len(paths) > 1 {
		r.Summary.Counters["pipeline: most inputs open at once"] = int64(m.maxOpen)
	}
	for _, d := range r.Detectors {
		d.Flush(emit)
	}
	for _, o := range r.opened {
		r.closeInput(o) // inputs still open after an early stop
	}
	for _, d := range r.Detectors {
		if c, ok := d.(detect.Counter); ok {
			for _, s := range c.Counts() {
				if s.Value != 0 {
					r.Summary.Counters[d.Name()+": "+s.Name] += s.Value
				}
			}
		}
	}
	r.Summary.Duration = time.Since(start)
	return sinkErr
}

// loop reads the merged inputs, through the reorder buffer when an input's
// format is unordered, and processes each event.
func (r *Run) loop(m *merger, emit detect.Emit, unordered bool) {
	var ro *reorder
	if unordered && r.ReorderWindow > 0 && r.ReorderMax > 0 {
		ro = newReorder(r.ReorderWindow, r.ReorderMax)
	}
	var cur *stream
	var ev *event.Event
	for {
		cur, ev = m.next(cur)
		if cur == nil {
			break
		}
		r.Summary.Inputs[cur.in.index].Events++
		if ro == nil || ro.isLate(ev) {
			r.process(ev, emit)
			continue
		}
		ro.push(ev)
		for e := ro.pop(false); e != nil; e = ro.pop(false) {
			r.process(e, emit)
		}
	}
	if ro != nil {
		for e := ro.pop(true); e != nil; e = ro.pop(true) {
			r.process(e, emit)
		}
		if ro.late > 0 {
			r.Summary.Counters["pipeline: events later than the reorder window"] = ro.late
		}
	}
	r.Summary.LastEvent = r.watermark
	for k, n := range r.byKind {
		if n > 0 {
			r.Summary.EventsByKind[event.Kind(k).String()] += n
			r.Summary.Events += n
		}
	}
}

// process is the per-event hot path: enrich, observe, and advance the
// detectors when event time passes a tick.
func (r *Run) process(ev *event.Event, emit detect.Emit) {
	r.byKind[ev.Kind&7]++
	if ev.Time.After(r.watermark) {
		r.watermark = ev.Time
	}
	if !ev.Time.IsZero() && (r.Summary.FirstEvent.IsZero() || ev.Time.Before(r.Summary.FirstEvent)) {
		r.Summary.FirstEvent = ev.Time
	}
	for _, e := range r.Enrichers {
		e.Enrich(ev)
	}
	for _, d := range r.Detectors {
		d.Observe(ev, emit)
	}
	if !r.watermark.Before(r.nextTick) {
		for _, d := range r.Detectors {
			d.Advance(r.watermark, emit)
		}
		r.nextTick = r.watermark.Truncate(tick).Add(tick)
	}
}

func (r *Run) inputError(in *Opened, err error) {
	var re *input.RecordError
	if errors.As(err, &re) {
		r.Summary.Skipped[in.Format+": "+re.Reason]++
		r.Summary.Inputs[in.index].Skipped++
		if len(r.Summary.ErrorSamples) < maxErrorSamples {
			r.Summary.ErrorSamples = append(r.Summary.ErrorSamples, re.Error())
		}
		r.report(err)
		return
	}
	r.FailedInputs++
	msg := fmt.Sprintf("%s: %v", in.Name, err)
	r.Summary.InputErrors = append(r.Summary.InputErrors, msg)
	r.report(errors.New(msg))
}

func (r *Run) report(err error) {
	if r.OnError != nil {
		r.OnError(err)
	}
}

// probe finds the time of each input's first event, so inputs can be opened
// in time order as the merge reaches them rather than all at once. Files
// are opened, read to their first event and closed again (quietly: their
// problems are reported when they are read for real); standard input, which
// cannot be read twice, is opened for good and joins the merge at once.
// It reports whether any input's format needs re-sorting.
func (r *Run) probe(m *merger, paths []Path) bool {
	unordered := false
	quiet := &merger{onError: func(*Opened, error) {}}
	op := *r.Opener
	op.Wrap = nil // probing does not count as progress
	for _, p := range paths {
		if p.Name == "-" {
			if o := r.open(p); o != nil {
				unordered = unordered || o.Unordered
				m.add(o)
			}
			continue
		}
		o, err := op.Open(p)
		if err != nil {
			r.openFailed(p, err)
			continue
		}
		unordered = unordered || o.Unordered
		s := &stream{in: o}
		w := waiting{path: p}
		if quiet.advance(s) {
			w.first = s.ev.Time
		}
		o.Close()
		m.waiting = append(m.waiting, w)
	}
	slices.SortStableFunc(m.waiting, func(a, b waiting) int { return a.first.Compare(b.first) })
	return unordered
}

// open opens an input for the merge and registers it in the summary, or
// reports why it could not be opened and returns nil.
func (r *Run) open(p Path) *Opened {
	o, err := r.Opener.Open(p)
	if err != nil {
		r.openFailed(p, err)
		return nil
	}
	o.index = len(r.Summary.Inputs)
	r.Summary.Inputs = append(r.Summary.Inputs, sink.Input{Name: p.String(), Format: o.Format, Counters: map[string]int64{}})
	r.opened = append(r.opened, o)
	return o
}

// openFailed counts an input that could not be opened. A file of another
// format found while walking a folder is only counted as skipped.
func (r *Run) openFailed(p Path, err error) {
	if p.Walked && (errors.Is(err, input.ErrUnknownFormat) || errors.Is(err, ErrEmpty)) {
		r.Summary.Counters["pipeline: files in walked folders not recognised, skipped"]++
		return
	}
	r.FilesFailed++
	r.Summary.Inputs = append(r.Summary.Inputs, sink.Input{Name: p.String()})
	r.Summary.InputErrors = append(r.Summary.InputErrors, err.Error())
	r.report(err)
}

// closeInput collects an input's decoder counters and closes it, once.
func (r *Run) closeInput(o *Opened) {
	if o.closed {
		return
	}
	o.closed = true
	r.collectCounters(o)
	if err := o.Close(); err != nil {
		r.inputError(o, err)
	}
}

func (r *Run) collectCounters(o *Opened) {
	c, ok := o.Decoder.(input.Counter)
	if !ok {
		return
	}
	for _, n := range c.Counts() {
		if n.Value != 0 {
			r.Summary.Inputs[o.index].Counters[n.Name] += n.Value
		}
	}
}
