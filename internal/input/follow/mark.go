package follow

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

// maxSamples is how many record starts are remembered for moving the base
// forward inside a single segment.
const maxSamples = 9

// sample is the start of a record in the logical stream, a place the
// decoder can start from.
type sample struct {
	logical, line int64
}

// event passes ev to out with its offset and line in the logical stream,
// marking first when a mark is due (the mark then covers exactly the
// events before ev).
func (s *stream) event(ev *event.Event) {
	off, line := ev.Source.Offset, ev.Source.Line
	if off >= 0 {
		off, line = s.translate(off, line)
		ev.Source.Offset, ev.Source.Line = off, line
	}
	s.sinceMark++
	if s.sinceMark >= s.cfg.MarkEvents || (s.sinceMark&63 == 0 && time.Since(s.lastMark) >= s.cfg.MarkInterval) {
		s.mark(max(off, s.lastOff+1))
	}
	if off >= 0 {
		s.sample(off, line)
		s.lastOff = max(s.lastOff, off)
	}
	s.out.Event(ev)
	s.dirty = true
	s.f.c.events.Add(1)
}

// recordError passes a decoding error on with its logical offset and line.
func (s *stream) recordError(re *input.RecordError) {
	e := *re
	if e.Offset >= 0 {
		e.Offset, e.Line = s.translate(e.Offset, e.Line)
	}
	s.out.Error(&e)
}

// translate maps an offset and line counted by the decoder to the logical
// stream.
func (s *stream) translate(off, line int64) (int64, int64) {
	if len(s.xl) == 0 {
		return off, line
	}
	i := len(s.xl) - 1
	for i > 0 && s.xl[i].dec > off {
		i--
	}
	x := s.xl[i]
	return x.logical + off - x.dec, line + x.lineDelta
}

// coveredNow is the offset below which every event has been passed.
func (s *stream) coveredNow() int64 {
	return max(s.covered, s.lastOff+1)
}

// idle waits for a change of the file, for at most d. Before it blocks, the
// events passed so far are flushed, or marked when a mark is due.
func (s *stream) idle(d time.Duration) error {
	if s.dirty {
		if since := time.Since(s.lastMark); since >= s.cfg.MarkInterval {
			s.mark(s.coveredNow())
		} else {
			s.out.Flush()
			d = min(d, s.cfg.MarkInterval-since)
		}
	} else {
		s.out.Flush()
	}
	if err := s.w.wait(s.ctx, d); err != nil {
		return errStopped
	}
	return nil
}

// final marks what the run passed, on the way out. A run that marked
// nothing (stopped before it read) marks its resume position again, so that
// the next run does not start afresh.
func (s *stream) final() {
	if s.dirty || s.sinceMark > 0 || s.f.c.marks.Load() == 0 {
		s.mark(s.coveredNow())
	}
}

// mark records the position: the segments from the base and the offset
// covered, which only grows (a replay re-passes events an earlier run
// covered).
func (s *stream) mark(covered int64) {
	s.covered = max(s.covered, covered)
	s.trim()
	pos := position{Version: positionVersion, Path: s.cfg.Path, Offset: s.covered,
		Segments: make([]Segment, 0, len(s.segs)+len(s.replay))}
	if len(s.segs)+len(s.replay) == 0 {
		pos.Since = s.since
	}
	for _, g := range s.segs {
		g.stamp()
		pos.Segments = append(pos.Segments, g.Segment)
	}
	if n := len(pos.Segments); n > 0 && s.cur != nil && s.cur.limit > pos.Segments[n-1].End {
		// A recorded segment being replayed keeps its recorded end.
		pos.Segments[n-1].End = s.cur.limit
	}
	// Recorded segments not replayed yet stay in the position.
	pos.Segments = append(pos.Segments, s.replay...)
	b, err := json.Marshal(pos)
	if err != nil {
		s.out.Error(errors.Join(errors.New("follow: encode position"), err))
		return
	}
	s.out.Mark(b)
	s.log.Debug("follow: mark", "offset", s.covered, "segments", len(pos.Segments))
	s.lastMark, s.sinceMark, s.dirty = time.Now(), 0, false
	s.f.c.marks.Add(1)
}

// sample remembers a record start about every ReplayMaxBytes/8 bytes.
func (s *stream) sample(off, line int64) {
	if s.cfg.ReplayMaxBytes <= 0 || off < s.nextSample {
		return
	}
	if len(s.samples) == maxSamples {
		s.samples = append(s.samples[:0], s.samples[1:]...)
	}
	s.samples = append(s.samples, sample{logical: off, line: line - 1})
	s.nextSample = off + max(s.cfg.ReplayMaxBytes/8, 1)
}

// replayBytes is the number of bytes from the base to the current offset.
func (s *stream) replayBytes() int64 {
	var n int64
	for _, g := range s.segs {
		n += g.End - g.Start
	}
	return n
}

// trim keeps the base within MaxSegments and ReplayMaxBytes: whole
// segments are dropped from the front; a single segment over the limit has
// its start moved to a remembered record start.
func (s *stream) trim() {
	for len(s.segs) > 1 && (len(s.segs) > s.cfg.MaxSegments ||
		(s.cfg.ReplayMaxBytes > 0 && s.replayBytes() > s.cfg.ReplayMaxBytes)) {
		g := s.segs[0]
		s.segs[0] = nil
		s.segs = s.segs[1:]
		s.f.c.segDropped.Add(1)
		s.log.Debug("follow: segment dropped from the replay base", "path", g.Path, "bytes", g.End-g.Start)
	}
	if len(s.segs) == 1 && s.cfg.ReplayMaxBytes > 0 && s.replayBytes() > s.cfg.ReplayMaxBytes {
		s.moveBase()
	}
}

// moveBase moves the start of the only segment forward to the earliest
// remembered record start that brings the replay within ReplayMaxBytes.
func (s *stream) moveBase() {
	g := s.segs[0]
	end := g.Logical + g.End - g.Start
	for _, sm := range s.samples {
		if sm.logical <= g.Logical || sm.logical > end || end-sm.logical > s.cfg.ReplayMaxBytes {
			continue
		}
		g.Start += sm.logical - g.Logical
		g.Logical, g.Line = sm.logical, sm.line
		s.f.c.moves.Add(1)
		return
	}
}
