package follow

import (
	"sync/atomic"

	"github.com/dnsvigil/dnsvigil/internal/input"
)

// counters are the Follower's counters, written by Run's goroutine and read
// by Counts from any goroutine.
type counters struct {
	bytes, lines, events                   atomic.Int64
	rotations, removed                     atomic.Int64
	truncCopy, truncNoCopy, bytesLost      atomic.Int64
	successors, segLost, segDropped, moves atomic.Int64
	replayed, marks                        atomic.Int64
}

// Counts reports what the Follower read, the rotations and truncations it
// saw, and what its checkpoint base lost or dropped.
func (f *Follower) Counts() []input.Count {
	c := &f.c
	return []input.Count{
		{Name: "bytes read", Value: c.bytes.Load()},
		{Name: "lines read", Value: c.lines.Load()},
		{Name: "events", Value: c.events.Load()},
		{Name: "rotations by rename or removal", Value: c.rotations.Load()},
		{Name: "files removed", Value: c.removed.Load()},
		{Name: "truncations read from a copy", Value: c.truncCopy.Load()},
		{Name: "truncations without a copy", Value: c.truncNoCopy.Load()},
		{Name: "bytes lost", Value: c.bytesLost.Load()},
		{Name: "rotated files caught up", Value: c.successors.Load()},
		{Name: "segments lost", Value: c.segLost.Load()},
		{Name: "segments dropped from replay base", Value: c.segDropped.Load()},
		{Name: "replay base moves", Value: c.moves.Load()},
		{Name: "replayed bytes", Value: c.replayed.Load()},
		{Name: "marks", Value: c.marks.Load()},
	}
}
