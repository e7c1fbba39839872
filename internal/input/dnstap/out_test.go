package dnstap

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

// sink collects what the Outs of a source hand over, as the pipeline would
// see it: only flushed events.
type sink struct {
	mu      sync.Mutex
	cond    *sync.Cond
	events  map[string][]string // flushed events per Source.Name, printed
	copies  []event.Event       // the same events, in flush order
	errs    []*input.RecordError
	forks   int
	closed  int
	flushes int
}

func newSink() *sink {
	s := &sink{events: map[string][]string{}}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// out returns the root Out of s.
func (s *sink) out() input.Out { return &fakeOut{s: s} }

// fakeOut is an input.Out that copies each event (CopyTo, as the pipeline's
// Out does) into a batch handed to the sink on Flush and Close. Its methods
// fail the run if used after Close.
type fakeOut struct {
	s      *sink
	batch  []event.Event
	closed bool
}

func (o *fakeOut) Event(ev *event.Event) {
	o.check()
	var dst event.Event
	ev.CopyTo(&dst, nil)
	o.batch = append(o.batch, dst)
}

func (o *fakeOut) Error(err error) {
	o.check()
	var re *input.RecordError
	if !errors.As(err, &re) {
		panic(fmt.Sprintf("error is not a RecordError: %v", err))
	}
	o.s.mu.Lock()
	defer o.s.mu.Unlock()
	o.s.errs = append(o.s.errs, re)
	o.s.cond.Broadcast()
}

func (o *fakeOut) Flush() {
	o.check()
	o.s.mu.Lock()
	defer o.s.mu.Unlock()
	o.s.flushes++
	for i := range o.batch {
		ev := &o.batch[i]
		o.s.events[ev.Source.Name] = append(o.s.events[ev.Source.Name], dump(ev))
		o.s.copies = append(o.s.copies, *ev)
	}
	o.batch = o.batch[:0]
	o.s.cond.Broadcast()
}

func (o *fakeOut) Mark(input.Position) { o.Flush() }

func (o *fakeOut) Fork() input.Out {
	o.check()
	o.s.mu.Lock()
	defer o.s.mu.Unlock()
	o.s.forks++
	return &fakeOut{s: o.s}
}

func (o *fakeOut) Close() {
	o.Flush()
	o.closed = true
	o.s.mu.Lock()
	defer o.s.mu.Unlock()
	o.s.closed++
	o.s.cond.Broadcast()
}

func (o *fakeOut) check() {
	if o.closed {
		panic("Out used after Close")
	}
}

// dump prints an event without its Source, for comparing events of a
// socket with those of a file.
func dump(ev *event.Event) string {
	e := *ev
	e.Source = event.Source{}
	return fmt.Sprintf("%+v", e)
}

// waitFor waits until cond holds on s (checked under its lock) or a
// generous deadline passes, which fails the test with what was seen.
func (s *sink) waitFor(t testing.TB, what string, cond func(s *sink) bool) {
	t.Helper()
	deadline := time.AfterFunc(30*time.Second, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.cond.Broadcast()
	})
	defer deadline.Stop()
	start := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for !cond(s) {
		if time.Since(start) > 30*time.Second {
			t.Fatalf("timed out waiting for %s: %d connections with events, %d errors %v, %d forks, %d closed",
				what, len(s.events), len(s.errs), s.errs, s.forks, s.closed)
		}
		s.cond.Wait()
	}
}

// total returns the number of flushed events. The caller holds s.mu.
func (s *sink) total() int {
	n := 0
	for _, evs := range s.events {
		n += len(evs)
	}
	return n
}
