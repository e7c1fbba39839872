// Package sink holds the contract every alert output implements and the
// Summary of a run that is reported when it ends. One package per output lives
// below it (table for terminals, jsonl for JSON lines), and escape holds the
// escaping they share: alert strings carry names chosen by attackers, so no
// output writes them raw.
package sink

import (
	"errors"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
)

// A Sink writes alerts somewhere.
//
// Write takes ownership of a: the sink may keep it (a table buffers alerts to
// sort them), so the caller must not modify a after the call. Close writes
// anything still buffered and flushes; it does not close the io.Writer the
// sink was given, which stays the caller's. Write after Close returns
// ErrClosed, and a second Close does nothing. After a write error the sink
// returns that error from every later call.
//
// Write only reads a and what it points to (evidence values included): the
// same alert may be given to several sinks, each behind its own queue and
// goroutine (package queue), which read it at the same time. A wrapper that
// changes alerts (adds evidence, raises severity) must sit in front of any
// such fan-out, where the alert is not yet shared.
//
// A Sink is not safe for concurrent use: the pipeline calls it from one
// goroutine.
type Sink interface {
	Write(a *alert.Alert) error
	Close() error
}

// ErrClosed is returned by Write on a closed Sink.
var ErrClosed = errors.New("sink is closed")

// Summary is what a run reports when it ends, on standard error and never in
// the alert output. The caller fills it; maps may be nil. Counter and reason
// names are short lowercase phrases chosen by decoders and detectors.
type Summary struct {
	// Events is the number of events read from all inputs.
	Events int64
	// EventsByKind counts the events by event.Kind name ("dns", "conn").
	EventsByKind map[string]int64
	// Skipped counts the records that could not be decoded and were
	// skipped, by input.RecordError.Reason.
	Skipped map[string]int64
	// ErrorSamples are the first skipped-record errors, verbatim; the
	// summary prints them escaped, one per line.
	ErrorSamples []string
	// Inputs lists each input in the order it was opened.
	Inputs []Input
	// InputErrors are the messages of inputs that could not be opened or
	// stopped early (I/O failure).
	InputErrors []string
	// Counters are engine and detector counters not tied to one input
	// (keys tracked, keys evicted), by name.
	Counters map[string]int64
	// Alerts counts the alerts written, by rule id.
	Alerts map[string]int64
	// FirstEvent and LastEvent bound the event time seen; zero when no
	// event was read.
	FirstEvent time.Time
	LastEvent  time.Time
	// Duration is the wall-clock time the run took.
	Duration time.Duration
}

// Input is one input in a Summary.
type Input struct {
	// Name is the path, "-" for standard input.
	Name string
	// Format is the format it was read as ("pcap", "zeek"), empty when it
	// was not recognised.
	Format string
	// Events is the number of events read from it.
	Events int64
	// Skipped is the number of records skipped in it.
	Skipped int64
	// Counters are its decoder's counters (input.Counter), by name.
	Counters map[string]int64
}

// SkippedTotal returns the number of records skipped over all reasons.
func (s *Summary) SkippedTotal() int64 { return sum(s.Skipped) }

// AlertTotal returns the number of alerts over all rules.
func (s *Summary) AlertTotal() int64 { return sum(s.Alerts) }

// Rate returns events read per second of Duration, 0 when Duration is not
// positive.
func (s *Summary) Rate() float64 {
	if s.Duration <= 0 {
		return 0
	}
	return float64(s.Events) / s.Duration.Seconds()
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}
