// Package latest keeps only the newest alert for each alert key. A detector
// may report one finding several times as it grows (a first report, updates,
// a final count at the end of the input), always under the same stable key;
// a batch scan wants one line per finding, with the final numbers.
package latest

import (
	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/sink"
)

// Sink holds alerts until Close, replacing an earlier alert with a later one
// of the same key, then writes them to the next sink in the order their keys
// were first seen. At most max keys are held: beyond that, alerts with new
// keys go straight to the next sink (counted in Passed). It is not safe for
// concurrent use.
type Sink struct {
	next   sink.Sink
	max    int
	index  map[string]int
	held   []*alert.Alert
	passed int
	closed bool
}

var _ sink.Sink = (*Sink)(nil)

// New returns a Sink in front of next holding at most max keys.
func New(next sink.Sink, max int) *Sink {
	return &Sink{next: next, max: max, index: map[string]int{}}
}

// Write holds a, replacing the held alert with the same key.
func (s *Sink) Write(a *alert.Alert) error {
	if s.closed {
		return sink.ErrClosed
	}
	if i, ok := s.index[a.Key]; ok {
		s.held[i] = a
		return nil
	}
	if len(s.held) >= s.max {
		s.passed++
		return s.next.Write(a)
	}
	s.index[a.Key] = len(s.held)
	s.held = append(s.held, a)
	return nil
}

// Passed returns how many alerts went through unmerged because the key cap
// was reached.
func (s *Sink) Passed() int { return s.passed }

// Close writes the held alerts to the next sink and closes it.
func (s *Sink) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	var first error
	for _, a := range s.held {
		if err := s.next.Write(a); err != nil && first == nil {
			first = err
		}
	}
	s.held, s.index = nil, nil
	if err := s.next.Close(); err != nil && first == nil {
		first = err
	}
	return first
}
