package input

import (
	"context"
	"encoding/json"

	"github.com/dnsvigil/dnsvigil/internal/event"
)

// A Source produces events continuously for `dnsvigil serve`: a dnstap
// socket, a followed log file, a live capture. Where a Decoder is pulled by
// the pipeline, a Source pushes: Run owns the goroutines that read its input
// and hands each event to out.
//
// Run returns when ctx is cancelled (nil) or when the source cannot go on (an
// error naming the source). A record that cannot be decoded is passed to
// out.Error and the source goes on. A Source that keeps counters implements
// Counter; its Counts must then be safe to call from another goroutine while
// Run is going (metrics are scraped concurrently).
type Source interface {
	Name() string
	Run(ctx context.Context, out Out) error
}

// Out receives a source's events. An Out is used by one goroutine at a time;
// a source that reads several connections at once calls Fork for each.
type Out interface {
	// Event hands over one event. Out copies it, so ev and the strings in
	// it may be reused as soon as Event returns. Event blocks while the
	// pipeline is behind: that back-pressure is how a source learns to
	// slow down (a socket stops being read, a file stops being followed).
	Event(ev *event.Event)
	// Error reports one record the source could not decode (usually a
	// *RecordError). It is counted and reported; it never stops the source.
	Error(err error)
	// Flush hands the pipeline the events passed so far. Out batches events
	// for speed; a source calls Flush before it may block waiting for input,
	// so that no event waits in a batch while the source is idle.
	Flush()
	// Mark records pos as the source's resume position: it covers every
	// event passed before it. Mark implies Flush. The pipeline persists the
	// last position whose events it has fully processed in its checkpoint
	// and gives it back to the source's constructor after a restart.
	Mark(pos Position)
	// Fork returns another Out for the same source, for a concurrent
	// producer (one per accepted connection). Close it when that producer
	// ends.
	Fork() Out
	// Close flushes and releases a forked Out.
	Close()
}

// Position is a source's resume point as it is stored in the checkpoint:
// JSON that only the source reads.
type Position = json.RawMessage
