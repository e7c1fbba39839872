// Package pipeline wires dnsvigil's components: it opens inputs, merges their
// events in event-time order, enriches each event inline, runs the detectors
// and hands alerts to the sinks. It is the only package that owns goroutines
// and reads the wall clock (for the run's duration only; detection runs on
// event time).
package pipeline

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/detect"
	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
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

	Stats Stats
}

// Stats are the counts of a run, for the closing summary.
type Stats struct {
	Files        int
	FilesFailed  int
	Events       int64
	EventsByKind map[string]int64
	Skipped      int64
	SkippedBy    map[string]int64
	ErrorSamples []string
	InputErrors  []string // inputs that could not be opened or stopped early
	Counters     map[string]int64
	Alerts       int64
	AlertsByRule map[string]int64
	FirstEvent   time.Time
	LastEvent    time.Time
	Elapsed      time.Duration
}

// Execute reads every path and runs the detectors to the end of the input.
// It returns an error only when the sink fails; input problems are counted in
// r.Stats and reported through OnError.
func (r *Run) Execute(paths []string) error {
	start := time.Now()
	r.Stats = Stats{
		EventsByKind: map[string]int64{},
		SkippedBy:    map[string]int64{},
		Counters:     map[string]int64{},
		AlertsByRule: map[string]int64{},
	}
	m := &merger{onError: r.inputError}
	var opened []*Opened
	for _, p := range paths {
		o, err := r.Opener.Open(p)
		if err != nil {
			r.Stats.FilesFailed++
			r.Stats.InputErrors = append(r.Stats.InputErrors, err.Error())
			r.report(err)
			continue
		}
		r.Stats.Files++
		opened = append(opened, o)
		m.add(o)
	}
	var sinkErr error
	emit := func(a *alert.Alert) {
		r.Stats.Alerts++
		r.Stats.AlertsByRule[a.RuleID]++
		if err := r.Sink.Write(a); err != nil && sinkErr == nil {
			sinkErr = err
		}
	}
	r.loop(m, emit)
	for _, d := range r.Detectors {
		d.Flush(emit)
	}
	for _, o := range opened {
		r.collectCounters(o)
		if err := o.Close(); err != nil {
			r.inputError(o, err)
		}
	}
	for _, d := range r.Detectors {
		if c, ok := d.(detect.Counter); ok {
			for _, s := range c.Counts() {
				r.Stats.Counters[d.Name()+": "+s.Name] += s.Value
			}
		}
	}
	r.Stats.Elapsed = time.Since(start)
	return sinkErr
}

// loop is the per-event hot path.
func (r *Run) loop(m *merger, emit detect.Emit) {
	var (
		cur       *stream
		ev        *event.Event
		nextTick  time.Time
		watermark time.Time
		byKind    [8]int64
	)
	for {
		cur, ev = m.next(cur)
		if cur == nil {
			break
		}
		byKind[ev.Kind&7]++
		if ev.Time.After(watermark) {
			watermark = ev.Time
			if r.Stats.FirstEvent.IsZero() {
				r.Stats.FirstEvent = ev.Time
			}
		}
		for _, e := range r.Enrichers {
			e.Enrich(ev)
		}
		for _, d := range r.Detectors {
			d.Observe(ev, emit)
		}
		if !watermark.Before(nextTick) {
			for _, d := range r.Detectors {
				d.Advance(watermark, emit)
			}
			nextTick = watermark.Truncate(tick).Add(tick)
		}
	}
	r.Stats.LastEvent = watermark
	for k, n := range byKind {
		if n > 0 {
			r.Stats.EventsByKind[event.Kind(k).String()] += n
			r.Stats.Events += n
		}
	}
}

func (r *Run) inputError(in *Opened, err error) {
	var re *input.RecordError
	if errors.As(err, &re) {
		r.Stats.Skipped++
		r.Stats.SkippedBy[in.Format+": "+re.Reason]++
		if len(r.Stats.ErrorSamples) < maxErrorSamples {
			r.Stats.ErrorSamples = append(r.Stats.ErrorSamples, re.Error())
		}
		r.report(err)
		return
	}
	msg := fmt.Sprintf("%s: %v", in.Name, err)
	r.Stats.InputErrors = append(r.Stats.InputErrors, msg)
	r.report(errors.New(msg))
}

func (r *Run) report(err error) {
	if r.OnError != nil {
		r.OnError(err)
	}
}

func (r *Run) collectCounters(o *Opened) {
	c, ok := o.Decoder.(input.Counter)
	if !ok {
		return
	}
	for _, n := range c.Counts() {
		if n.Value != 0 {
			r.Stats.Counters[o.Format+": "+n.Name] += n.Value
		}
	}
}

// SortedCounts returns a map's entries sorted by name, for stable reports.
func SortedCounts(m map[string]int64) []NamedCount {
	out := make([]NamedCount, 0, len(m))
	for k, v := range m {
		out = append(out, NamedCount{k, v})
	}
	slices.SortFunc(out, func(a, b NamedCount) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// NamedCount is one entry of SortedCounts.
type NamedCount struct {
	Name  string
	Value int64
}
