package queue

import (
	"context"
	"errors"
	"sync"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/sink"
)

// Fanout writes each alert to several queues, sharing the one *alert.Alert
// read-only between them (see the sink.Sink contract), and routes each
// queue's drop alerts to the others. It is a sink.Sink and, like any, is not
// safe for concurrent use: Write, ReportDrops and Close come from one
// goroutine.
type Fanout struct {
	queues  []*Queue
	pending []*alert.Alert // a queue's newest drop alert it has not taken yet
	closed  bool
}

var _ sink.Sink = (*Fanout)(nil)

// NewFanout returns a Fanout over queues, which it owns: Close closes them.
func NewFanout(queues ...*Queue) *Fanout {
	return &Fanout{queues: queues, pending: make([]*alert.Alert, len(queues))}
}

// Queues returns the queues, for their counters.
func (f *Fanout) Queues() []*Queue { return f.queues }

// Write puts a on every queue. No queue blocks: a full one drops a and
// counts it. It returns sink.ErrClosed after Close.
func (f *Fanout) Write(a *alert.Alert) error {
	if f.closed {
		return sink.ErrClosed
	}
	for _, q := range f.queues {
		_ = q.Write(a) // only fails once closed, and then f.closed is set
	}
	return nil
}

// ReportDrops asks every queue for its drop alert (Queue.DropAlert), writes
// each one to the other queues, and offers it to the queue that dropped,
// which takes it once it has room: until then it is offered again on every
// call, replaced by a newer one (whose dropped_total includes the earlier
// drops). It returns the new drop alerts. The pipeline calls it on a wall-
// clock tick and at the end of a run, before Close.
func (f *Fanout) ReportDrops() []*alert.Alert {
	if f.closed {
		return nil
	}
	var out []*alert.Alert
	for i, q := range f.queues {
		if a := q.DropAlert(); a != nil {
			out = append(out, a)
			for j, other := range f.queues {
				if j != i {
					_ = other.Write(a)
				}
			}
			f.pending[i] = a
		}
	}
	for i, q := range f.queues {
		if p := f.pending[i]; p != nil && q.Offer(p) {
			f.pending[i] = nil
		}
	}
	return out
}

// Close closes every queue at the same time, each with its own drain
// timeout, and returns their errors joined. A second Close does nothing.
func (f *Fanout) Close() error {
	return f.each(func(q *Queue) error { return q.Close() })
}

// Shutdown is Close with one deadline for all queues.
func (f *Fanout) Shutdown(ctx context.Context) error {
	return f.each(func(q *Queue) error { return q.Shutdown(ctx) })
}

func (f *Fanout) each(close func(*Queue) error) error {
	if f.closed {
		return nil
	}
	f.closed = true
	errs := make([]error, len(f.queues))
	var wg sync.WaitGroup
	for i, q := range f.queues {
		wg.Go(func() { errs[i] = close(q) })
	}
	wg.Wait()
	return errors.Join(errs...)
}
