// Package detect holds the Detector contract and the engine that runs a set
// of detectors over an event stream. One package per detector lives below it.
package detect

import (
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

// Emit receives an alert. The detector hands over ownership of a.
type Emit func(a *alert.Alert)

// A Detector is a small stateful rule. The engine calls Observe for each event
// in event-time order and Advance when event time passes a tick; never
// concurrently, so a Detector needs no locks. Neither may block, do I/O, or
// read the wall clock: time is what the engine passes in.
//
// Observe must not keep ev or the strings in it past the call; copy what is
// kept (strings.Clone). Flush is called once at the end of the input and emits
// whatever the detector was still aggregating.
type Detector interface {
	Name() string
	Observe(ev *event.Event, emit Emit)
	Advance(now time.Time, emit Emit)
	Flush(emit Emit)
}

// Counter is implemented by detectors that report internal counters in the
// summary (keys tracked, keys evicted).
type Counter interface {
	Counts() []Stat
}

// Stat is one named detector counter.
type Stat struct {
	Name  string
	Value int64
}

// Reloader is implemented by detectors that can take a new configuration
// without losing their state (open windows, counters, pairs, pending
// reports). Reload is called on the engine goroutine, never concurrently
// with Observe, Advance or Flush, with a detector of the same type freshly
// built from the new configuration. The receiver adopts next's settings and
// lookup structures (allowlists, approved sets, intel, thresholds) and keeps
// its own state; next is not used afterwards.
//
// When the new configuration cannot be adopted without dropping state (a
// changed window width, say), Reload changes nothing and returns an error
// that names the setting; the caller then keeps the receiver with its old
// configuration.
type Reloader interface {
	Reload(next Detector) error
}

// RecordsUser is implemented by detectors that read DNS resource records
// (answers, authority, additional). When no detector of a run does, decoders
// are told to decode only headers and questions.
type RecordsUser interface {
	UsesRecords() bool
}

// AnyUsesRecords reports whether any of ds reads DNS resource records.
func AnyUsesRecords(ds []Detector) bool {
	for _, d := range ds {
		if u, ok := d.(RecordsUser); ok && u.UsesRecords() {
			return true
		}
	}
	return false
}
