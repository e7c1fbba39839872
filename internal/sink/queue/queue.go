// Package queue makes a slow or stalled sink safe to write to. A Queue sits in
// front of one sink: Write puts the alert on a bounded channel and returns at
// once, and one goroutine hands the alerts to the sink in order. When the
// channel is full the alert is dropped and counted, so a syslog server that
// stopped reading or a webhook that hangs can neither block detection nor
// grow memory.
//
// Drops are not silent: DropAlert turns the drops since its last call into an
// alert of rule DNSV-OPS-001, which the pipeline routes to the other sinks
// (Fanout does it), and the counters (Depth, Capacity, Delivered, Dropped,
// Failed) are safe to read from any goroutine for metrics.
//
// An inner sink with a Flush() error method (jsonl.Writer) is flushed each
// time the queue runs empty, so alerts reach a file while the pipeline runs.
// An inner sink with an Abort() method (syslog, webhook) is aborted when a
// Shutdown deadline passes, so a stalled peer cannot hold Close.
package queue

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/config"
	"github.com/dnsvigil/dnsvigil/internal/sink"
	"github.com/dnsvigil/dnsvigil/internal/sink/escape"
)

// Defaults.
const (
	DefaultSize         = 1024
	DefaultDrainTimeout = 5 * time.Second
	// MaxSize bounds Size: a queue holds pointers, but each alert it holds
	// keeps its strings and evidence alive.
	MaxSize = 1 << 20
	// MaxNameLen bounds Name, which becomes part of an alert key.
	MaxNameLen = 64
)

// Config sets one queue.
type Config struct {
	// Name names the sink behind the queue ("syslog", "siem-webhook"). It
	// is the key of the queue's drop alerts and appears in its errors.
	Name string `yaml:"name"`
	// Size is how many alerts may wait; the next one is dropped. Zero means
	// DefaultSize.
	Size int `yaml:"size"`
	// DrainTimeout bounds Close: how long the queue may take to hand the
	// waiting alerts to the sink before it gives up on them. Zero means
	// DefaultDrainTimeout.
	DrainTimeout time.Duration `yaml:"drain_timeout"`
}

// DefaultConfig returns the defaults under name.
func DefaultConfig(name string) Config {
	return Config{Name: name, Size: DefaultSize, DrainTimeout: DefaultDrainTimeout}
}

// withDefaults fills zero values with the defaults.
func (c Config) withDefaults() Config {
	if c.Size == 0 {
		c.Size = DefaultSize
	}
	if c.DrainTimeout == 0 {
		c.DrainTimeout = DefaultDrainTimeout
	}
	return c
}

// Validate reports every problem in c as a config.Problem whose path is
// relative to the queue's section ("size"); zero values stand for defaults.
func (c Config) Validate() []error {
	var errs []error
	switch {
	case c.Name == "":
		errs = append(errs, config.Problemf("name", "must name the sink"))
	case len(c.Name) > MaxNameLen:
		errs = append(errs, config.Problemf("name", "must be at most %d bytes, got %d", MaxNameLen, len(c.Name)))
	case escape.Terminal(c.Name) != c.Name:
		errs = append(errs, config.Problemf("name", "must hold only visible characters and no backslash, got %q", c.Name))
	}
	if c.Size < 0 || c.Size > MaxSize {
		errs = append(errs, config.Problemf("size", "must be between 1 and %d (0 for %d), got %d", MaxSize, DefaultSize, c.Size))
	}
	if c.DrainTimeout < 0 {
		errs = append(errs, config.Problemf("drain_timeout", "must not be negative, got %v", c.DrainTimeout))
	}
	return errs
}

// Flusher is implemented by sinks that buffer (jsonl.Writer): the queue
// calls Flush each time it runs empty.
type Flusher interface {
	Flush() error
}

// Aborter is implemented by sinks whose Write can wait on a peer (syslog,
// webhook). Abort makes the Write in progress and every later one return an
// error at once; it must be safe to call concurrently with Write and Close.
type Aborter interface {
	Abort()
}

// Option changes how a Queue is built.
type Option func(*Queue)

// WithClock sets the wall clock the drop times are read from (time.Now by
// default), for tests.
func WithClock(now func() time.Time) Option {
	return func(q *Queue) { q.now = now }
}

// Queue is a sink.Sink that hands alerts to an inner sink on its own
// goroutine. Write, Offer, Close and Shutdown are called from one goroutine,
// as for any Sink; DropAlert too. The counters and Err may be read from any
// goroutine.
type Queue struct {
	inner sink.Sink
	name  string
	drain time.Duration
	now   func() time.Time

	ch   chan *alert.Alert
	stop chan struct{}
	done chan struct{}

	closed   atomic.Bool // Write refuses
	abandon  atomic.Bool // the goroutine drops what is left
	shutOnce sync.Once

	delivered atomic.Int64
	failed    atomic.Int64
	dropped   atomic.Int64

	// enqueued counts alerts put on the channel, handled those the
	// goroutine has taken off it; flushedTo is handled as of the last
	// flush (or of the last alert for an inner sink without Flush).
	// syncWant asks for a flush once handled reaches it (Sync).
	enqueued  atomic.Int64
	handled   atomic.Int64
	flushedTo atomic.Int64
	syncWant  atomic.Int64

	mu        sync.Mutex // guards the drop report below
	unrep     int64      // drops since the last DropAlert
	firstDrop time.Time  // first and last of them
	lastDrop  time.Time

	errMu    sync.Mutex
	lastErr  error // last inner Write or Flush error
	closeErr error // inner Close, set before done is closed
}

var _ sink.Sink = (*Queue)(nil)

// New returns a Queue in front of inner and starts its goroutine. The Queue
// owns inner from now on: Close (or Shutdown) closes it.
func New(inner sink.Sink, cfg Config, opts ...Option) (*Queue, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("queue %s: %w", escape.Terminal(cfg.Name), errors.Join(errs...))
	}
	cfg = cfg.withDefaults()
	q := &Queue{
		inner: inner,
		name:  cfg.Name,
		drain: cfg.DrainTimeout,
		now:   time.Now,
		ch:    make(chan *alert.Alert, cfg.Size),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	q.syncWant.Store(math.MaxInt64)
	for _, o := range opts {
		o(q)
	}
	go q.run()
	return q, nil
}

// Name returns the name the queue was configured with.
func (q *Queue) Name() string { return q.name }

// Write puts a on the queue and returns at once, without copying it: the
// queue takes ownership, and the inner sink reads a later on another
// goroutine. When the queue is full a is dropped and counted, and Write still
// returns nil: drops are reported by DropAlert and Dropped, not by failing
// the pipeline. Write returns sink.ErrClosed after Close.
func (q *Queue) Write(a *alert.Alert) error {
	if q.closed.Load() {
		return sink.ErrClosed
	}
	select {
	case q.ch <- a:
		q.enqueued.Add(1)
	default:
		q.drop(1)
	}
	return nil
}

// Offer puts a on the queue if there is room and reports whether it did. A
// refused alert is not counted as dropped: Offer is how a drop alert is
// re-offered to the queue that dropped, without adding to its own count.
func (q *Queue) Offer(a *alert.Alert) bool {
	if q.closed.Load() {
		return false
	}
	select {
	case q.ch <- a:
		q.enqueued.Add(1)
		return true
	default:
		return false
	}
}

// drop counts n dropped alerts at the current wall time.
func (q *Queue) drop(n int64) {
	now := q.now().Round(0) // wall time only: it goes into an alert
	q.mu.Lock()
	if q.unrep == 0 {
		q.firstDrop = now
	}
	q.unrep += n
	q.lastDrop = now
	q.dropped.Add(n)
	q.mu.Unlock()
}

// run delivers alerts until stop is closed, then drains what is left and
// closes the inner sink.
func (q *Queue) run() {
	defer close(q.done)
	flusher, _ := q.inner.(Flusher)
	dirty := false
	for {
		select {
		case a := <-q.ch:
			if q.abandon.Load() {
				q.drop(1)
				q.flushedTo.Store(q.handled.Add(1))
				continue
			}
			q.deliver(a)
			n := q.handled.Add(1)
			dirty = true
			if flusher == nil {
				q.flushedTo.Store(n)
			} else if len(q.ch) == 0 || n >= q.syncWant.Load() {
				q.flush(flusher)
				q.flushedTo.Store(n)
				dirty = false
			}
		case <-q.stop:
			q.drainRest()
			if dirty && flusher != nil && !q.abandon.Load() {
				q.flush(flusher)
			}
			err := q.inner.Close()
			q.errMu.Lock()
			q.closeErr = err
			q.errMu.Unlock()
			return
		}
	}
}

// drainRest delivers the alerts still queued after stop, or drops them once
// Shutdown has given up on them.
func (q *Queue) drainRest() {
	for {
		select {
		case a := <-q.ch:
			if q.abandon.Load() {
				q.drop(1)
				continue
			}
			q.deliver(a)
		default:
			return
		}
	}
}

func (q *Queue) deliver(a *alert.Alert) {
	if err := q.inner.Write(a); err != nil {
		q.failed.Add(1)
		q.setErr(err)
		return
	}
	q.delivered.Add(1)
}

func (q *Queue) flush(f Flusher) {
	if err := f.Flush(); err != nil {
		q.setErr(err)
	}
}

func (q *Queue) setErr(err error) {
	q.errMu.Lock()
	q.lastErr = err
	q.errMu.Unlock()
}

// Sync waits until every alert put on the queue before the call has been
// handed to the inner sink and, when it buffers, flushed (or dropped after a
// Shutdown gave up). It returns ctx's error when ctx ends first: a stalled
// sink. Sync is how a checkpoint makes sure the alerts it records as
// delivered have reached the output.
func (q *Queue) Sync(ctx context.Context) error {
	want := q.enqueued.Load()
	for {
		cur := q.syncWant.Load()
		if cur <= want || q.syncWant.CompareAndSwap(cur, want) {
			break
		}
	}
	defer q.syncWant.Store(math.MaxInt64)
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	for q.flushedTo.Load() < want {
		select {
		case <-ctx.Done():
			return fmt.Errorf("queue %s: %w", escape.Terminal(q.name), ctx.Err())
		case <-q.done:
			return nil
		case <-t.C:
		}
	}
	return nil
}

// Close stops accepting alerts, hands the queued ones to the inner sink for
// at most the configured drain timeout, and closes the inner sink. A second
// Close does nothing.
func (q *Queue) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), q.drain)
	defer cancel()
	return q.Shutdown(ctx)
}

// Shutdown is Close with the deadline of ctx. When ctx ends first, the inner
// sink is aborted if it is an Aborter, the alerts still queued are dropped
// (and counted), and Shutdown returns at once with ctx's error; the goroutine
// closes the inner sink when its Write in progress returns. A stalled inner
// sink that cannot be aborted keeps that goroutine, and only it, until its
// Write returns. A second Shutdown or Close does nothing.
func (q *Queue) Shutdown(ctx context.Context) error {
	first := false
	q.shutOnce.Do(func() {
		first = true
		q.closed.Store(true)
		close(q.stop)
	})
	if !first {
		return nil
	}
	select {
	case <-q.done:
		q.errMu.Lock()
		err := q.closeErr
		q.errMu.Unlock()
		if err != nil {
			return fmt.Errorf("close %s: %w", escape.Terminal(q.name), err)
		}
		return nil
	case <-ctx.Done():
		q.abandon.Store(true)
		if ab, ok := q.inner.(Aborter); ok {
			ab.Abort()
		}
		return fmt.Errorf("close %s: %d alerts still queued were dropped: %w",
			escape.Terminal(q.name), len(q.ch), context.Cause(ctx))
	}
}

// Done returns a channel that is closed once the queue's goroutine has
// ended: the queued alerts are delivered or dropped and the inner sink is
// closed. After a Shutdown that gave up, it says when a stalled inner sink
// has finally returned.
func (q *Queue) Done() <-chan struct{} { return q.done }

// Depth returns how many alerts wait in the queue, not counting the one the
// inner sink is writing.
func (q *Queue) Depth() int { return len(q.ch) }

// Capacity returns the configured size.
func (q *Queue) Capacity() int { return cap(q.ch) }

// Delivered returns how many alerts the inner sink accepted.
func (q *Queue) Delivered() int64 { return q.delivered.Load() }

// Dropped returns how many alerts were dropped: the queue was full, or they
// were still queued when Shutdown's deadline passed.
func (q *Queue) Dropped() int64 { return q.dropped.Load() }

// Failed returns how many alerts the inner sink's Write returned an error
// for. The queue goes on after an error; Err returns the last one.
func (q *Queue) Failed() int64 { return q.failed.Load() }

// Err returns the last error of the inner sink's Write or Flush, or nil.
func (q *Queue) Err() error {
	q.errMu.Lock()
	defer q.errMu.Unlock()
	return q.lastErr
}

// Stats is a snapshot of a queue's counters.
type Stats struct {
	Name      string
	Depth     int
	Capacity  int
	Delivered int64
	Dropped   int64
	Failed    int64
}

// Stats returns the counters at once (each read atomically, not all
// together).
func (q *Queue) Stats() Stats {
	return Stats{
		Name: q.name, Depth: q.Depth(), Capacity: q.Capacity(),
		Delivered: q.Delivered(), Dropped: q.Dropped(), Failed: q.Failed(),
	}
}
