package pipeline

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/detect"
	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

// Stream is the engine of `dnsvigil serve`: live sources push events from
// their own goroutines, and one engine goroutine enriches them, runs the
// detectors and hands alerts to the sink, exactly as Run does for files.
// Detection still runs on event time; the wall clock only moves detectors
// on while every source is idle (IdleAdvance), so that windows close and
// pending work comes out when traffic stops.
//
// Sources batch events (BatchSize) and hand whole batches over a bounded
// channel (QueueBatches): when the engine is behind, a source blocks in
// Out.Event, which is the back-pressure a socket or a followed file needs.
type Stream struct {
	Sources   []input.Source
	Enrichers []Enricher
	Detectors []detect.Detector
	// Sink receives alerts on the engine goroutine; it must not block for
	// long (slow outputs sit behind a bounded queue).
	Sink AlertSink

	// ReorderWindow and ReorderMax, when both positive, restore event-time
	// order across sources within the window (for followed logs of formats
	// written out of order). The window delays every event by up to its
	// width, so leave it off for dnstap and capture sources.
	ReorderWindow time.Duration
	ReorderMax    int
	// IdleAdvance is how long the engine waits without events before it
	// moves the detectors' clock on with the wall clock; zero never does
	// (replays of files stay exactly deterministic).
	IdleAdvance time.Duration
	// FlushOnStop flushes the detectors when Run ends, emitting what they
	// were aggregating.
	FlushOnStop bool
	// BatchSize is the number of events a source hands over at once
	// (default 256); QueueBatches the batches in flight (default 64).
	BatchSize    int
	QueueBatches int

	// OnMark, when set, is called on the engine goroutine with a source's
	// resume position once every event passed before it has been
	// processed.
	OnMark func(source string, pos input.Position)
	// OnError, when set, is told about each record error and each source
	// that stopped with an error. It is called from the sources'
	// goroutines and must be safe for concurrent use.
	OnError func(source string, err error)
	// OnAlert, when set, is called on the engine goroutine for each alert
	// with the time since the event batch that raised it reached the
	// engine's queue (the alert latency a source adds nothing to).
	OnAlert func(a *alert.Alert, latency time.Duration)

	stats    StreamStats
	batches  chan *batch
	calls    chan func()
	stopped  chan struct{}
	free     sync.Pool
	ro       *reorder
	emit     detect.Emit
	curRecv  time.Time
	nextTick time.Time
	// watermark is the newest event time processed; lastWall the wall
	// time of the last batch.
	watermark time.Time
	lastWall  time.Time
	idled     bool
}

// StreamStats are the engine's counters, safe to read from any goroutine.
type StreamStats struct {
	// Sources holds one entry per source, in the order of Stream.Sources.
	Sources []SourceStats
	// Events counts the events processed, Alerts the alerts emitted.
	Events atomic.Int64
	Alerts atomic.Int64
	// Late counts events later than the reorder window.
	Late atomic.Int64
	// IdleAdvances counts the times the clock was moved on while idle.
	IdleAdvances atomic.Int64
	// Watermark is the newest event time processed, in Unix nanoseconds.
	Watermark atomic.Int64
	// detectors is the last snapshot of the detectors' counters.
	detectors atomic.Pointer[[]DetectorStats]
}

// SourceStats are one source's counters as the engine sees them.
type SourceStats struct {
	Name    string
	Events  atomic.Int64
	Errors  atomic.Int64
	Batches atomic.Int64
	// Stopped is set when the source's Run has returned.
	Stopped atomic.Bool
}

// DetectorStats is a snapshot of one detector's counters.
type DetectorStats struct {
	Name   string
	Counts []detect.Stat
}

// Stats returns the engine's live counters.
func (s *Stream) Stats() *StreamStats { return &s.stats }

// Detectors returns the last snapshot of the detectors' counters, taken
// on the engine goroutine about once a second and when Run ends.
func (st *StreamStats) Detectors() []DetectorStats {
	if p := st.detectors.Load(); p != nil {
		return *p
	}
	return nil
}

// QueueDepth returns the batches waiting for the engine and the queue's
// capacity.
func (s *Stream) QueueDepth() (int, int) {
	if s.batches == nil {
		return 0, 0
	}
	return len(s.batches), cap(s.batches)
}

// Init prepares the stream's counters and queues; Run calls it when it has
// not been called, and callers that read Stats before Run starts call it
// first.
func (s *Stream) Init() {
	if s.batches != nil {
		return
	}
	if s.BatchSize <= 0 {
		s.BatchSize = 256
	}
	if s.QueueBatches <= 0 {
		s.QueueBatches = 64
	}
	s.stats.Sources = make([]SourceStats, len(s.Sources))
	for i, src := range s.Sources {
		s.stats.Sources[i].Name = src.Name()
	}
	s.batches = make(chan *batch, s.QueueBatches)
	s.calls = make(chan func())
	s.stopped = make(chan struct{})
	n := s.BatchSize
	s.free.New = func() any { return &batch{evs: make([]event.Event, n), arenas: make([][]byte, n)} }
}

// Do runs fn on the engine goroutine between two batches and waits for it:
// the way to reconfigure detectors (a reload) or read their state while Run
// is going. It returns ctx's error when ctx ends first, and ErrStopped when
// Run has returned.
func (s *Stream) Do(ctx context.Context, fn func()) error {
	s.Init()
	done := make(chan struct{})
	select {
	case s.calls <- func() { fn(); close(done) }:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.stopped:
		return ErrStopped
	}
	<-done
	return nil
}

// ErrStopped is returned by Do once Run has returned.
var ErrStopped = errors.New("stream is stopped")

// Run starts every source and processes their events until ctx is cancelled
// or every source has ended. On the way out it lets the sources stop,
// processes every event they had handed over, and flushes the detectors
// when FlushOnStop is set. The error is the first source error when every
// source failed; record errors never end Run.
func (s *Stream) Run(ctx context.Context) error {
	s.Init()
	if s.ReorderWindow > 0 && s.ReorderMax > 0 {
		s.ro = newReorder(s.ReorderWindow, s.ReorderMax)
	}
	s.emit = func(a *alert.Alert) {
		s.stats.Alerts.Add(1)
		if s.OnAlert != nil {
			s.OnAlert(a, time.Since(s.curRecv))
		}
		_ = s.Sink.Write(a)
	}
	srcCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, len(s.Sources))
	for i, src := range s.Sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := &streamOut{s: s, src: i}
			err := src.Run(srcCtx, out)
			out.Close()
			if err != nil && !errors.Is(err, context.Canceled) {
				errs[i] = err
				if s.OnError != nil {
					s.OnError(src.Name(), err)
				}
			}
			s.stats.Sources[i].Stopped.Store(true)
		}()
	}
	sourcesDone := make(chan struct{})
	go func() { wg.Wait(); close(sourcesDone) }()
	s.loop(ctx, sourcesDone)
	s.drainQueue()
	if s.FlushOnStop {
		s.flush()
	}
	s.publishDetectors()
	close(s.stopped)
	return joinIfAll(errs)
}

// loop is the engine goroutine's main loop.
func (s *Stream) loop(ctx context.Context, sourcesDone <-chan struct{}) {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	lastPublish := time.Now()
	for {
		select {
		case b := <-s.batches:
			s.process(b)
		case fn := <-s.calls:
			fn()
		case <-sourcesDone:
			return
		case <-ctx.Done():
			// Stop the sources (the caller cancelled ctx, which their
			// context derives from) and keep taking their batches until
			// every one has returned, so none blocks on a full queue.
			for {
				select {
				case b := <-s.batches:
					s.process(b)
				case fn := <-s.calls:
					fn()
				case <-sourcesDone:
					return
				}
			}
		case now := <-tick.C:
			s.idle(now)
			if now.Sub(lastPublish) >= time.Second {
				s.publishDetectors()
				lastPublish = now
			}
		}
	}
}

// drainQueue processes the batches left after the sources returned.
func (s *Stream) drainQueue() {
	for {
		select {
		case b := <-s.batches:
			s.process(b)
		default:
			if s.ro != nil {
				for e := s.ro.pop(true); e != nil; e = s.ro.pop(true) {
					s.observe(e)
				}
			}
			return
		}
	}
}

// process runs one batch through the detectors and returns it to the pool.
func (s *Stream) process(b *batch) {
	s.curRecv, s.lastWall, s.idled = b.recv, time.Now(), false
	st := &s.stats.Sources[b.src]
	st.Batches.Add(1)
	st.Events.Add(int64(b.n))
	for i := range b.n {
		ev := &b.evs[i]
		if s.ro == nil || s.ro.isLate(ev) {
			if s.ro != nil {
				s.stats.Late.Add(1)
			}
			s.observe(ev)
			continue
		}
		s.ro.push(ev)
		for e := s.ro.pop(false); e != nil; e = s.ro.pop(false) {
			s.observe(e)
		}
	}
	if b.mark != nil && s.OnMark != nil {
		s.OnMark(s.Sources[b.src].Name(), b.mark)
	}
	b.reset()
	s.free.Put(b)
}

// observe is the per-event path, as Run.process.
func (s *Stream) observe(ev *event.Event) {
	s.stats.Events.Add(1)
	if ev.Time.After(s.watermark) {
		s.watermark = ev.Time
		s.stats.Watermark.Store(ev.Time.UnixNano())
	}
	for _, e := range s.Enrichers {
		e.Enrich(ev)
	}
	for _, d := range s.Detectors {
		d.Observe(ev, s.emit)
	}
	if !s.watermark.Before(s.nextTick) {
		s.advance(s.watermark)
	}
}

func (s *Stream) advance(t time.Time) {
	for _, d := range s.Detectors {
		d.Advance(t, s.emit)
	}
	s.nextTick = t.Truncate(tick).Add(tick)
}

// idle moves the detectors' clock on with the wall clock once no batch has
// come for IdleAdvance: the event time reached plus the wall time since.
func (s *Stream) idle(now time.Time) {
	if s.IdleAdvance <= 0 || s.watermark.IsZero() || s.lastWall.IsZero() {
		return
	}
	quiet := now.Sub(s.lastWall)
	if quiet < s.IdleAdvance {
		return
	}
	if !s.idled && s.ro != nil {
		for e := s.ro.pop(true); e != nil; e = s.ro.pop(true) {
			s.observe(e)
		}
	}
	s.idled = true
	s.curRecv = now
	t := s.watermark.Add(quiet)
	s.stats.IdleAdvances.Add(1)
	for _, d := range s.Detectors {
		d.Advance(t, s.emit)
	}
}

func (s *Stream) flush() {
	s.curRecv = time.Now()
	for _, d := range s.Detectors {
		d.Flush(s.emit)
	}
}

// publishDetectors snapshots the detectors' counters for Stats.
func (s *Stream) publishDetectors() {
	out := make([]DetectorStats, 0, len(s.Detectors))
	for _, d := range s.Detectors {
		ds := DetectorStats{Name: d.Name()}
		if c, ok := d.(detect.Counter); ok {
			ds.Counts = c.Counts()
		}
		out = append(out, ds)
	}
	s.stats.detectors.Store(&out)
}

// joinIfAll returns nil when some source ended cleanly, else the errors.
func joinIfAll(errs []error) error {
	for _, err := range errs {
		if err == nil {
			return nil
		}
	}
	return errors.Join(errs...)
}

// batch is a run of events from one source, copied into storage the batch
// owns.
type batch struct {
	src    int
	n      int
	evs    []event.Event
	arenas [][]byte
	mark   input.Position
	recv   time.Time
}

func (b *batch) reset() {
	b.n, b.mark = 0, nil
}

// streamOut is the input.Out the stream gives each source.
type streamOut struct {
	s   *Stream
	src int
	b   *batch
}

func (o *streamOut) Event(ev *event.Event) {
	if o.b == nil {
		o.b = o.s.free.Get().(*batch)
		o.b.src = o.src
		o.b.recv = time.Now()
	}
	b := o.b
	b.arenas[b.n] = ev.CopyTo(&b.evs[b.n], b.arenas[b.n])
	b.n++
	if b.n == len(b.evs) {
		o.send()
	}
}

func (o *streamOut) Error(err error) {
	o.s.stats.Sources[o.src].Errors.Add(1)
	if o.s.OnError != nil {
		o.s.OnError(o.s.Sources[o.src].Name(), err)
	}
}

func (o *streamOut) Flush() {
	if o.b != nil && o.b.n > 0 {
		o.send()
	}
}

func (o *streamOut) Mark(pos input.Position) {
	if o.b == nil {
		o.b = o.s.free.Get().(*batch)
		o.b.src = o.src
		o.b.recv = time.Now()
	}
	o.b.mark = append(input.Position(nil), pos...)
	o.send()
}

func (o *streamOut) send() {
	o.s.batches <- o.b
	o.b = nil
}

func (o *streamOut) Fork() input.Out {
	return &streamOut{s: o.s, src: o.src}
}

func (o *streamOut) Close() { o.Flush() }
