package follow

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/input"
)

// op is one thing done to the followed file and its rotated copies.
type op struct {
	kind     string // "add", "raw", "rename", "copytruncate", "gzip"
	from, to int    // add: lines from..to-1
	raw      string // raw: bytes appended as they are
	complete int    // raw: the complete lines written once raw is appended
	n        int    // rename, copytruncate, gzip: the rotated file's suffix
}

func add(from, to int) op           { return op{kind: "add", from: from, to: to} }
func rename(n int) op               { return op{kind: "rename", n: n} }
func copytrunc(n int) op            { return op{kind: "copytruncate", n: n} }
func compress(n int) op             { return op{kind: "gzip", n: n} }
func raw(s string, complete int) op { return op{kind: "raw", raw: s, complete: complete} }

// apply does o to path and returns the number of complete lines written
// so far (done before o).
func (o op) apply(t testing.TB, path string, done int) int {
	t.Helper()
	rotated := fmt.Sprintf("%s.%d", path, o.n)
	switch o.kind {
	case "add":
		appendFile(t, path, lines(o.from, o.to))
		return o.to
	case "raw":
		appendFile(t, path, o.raw)
		return o.complete
	case "rename":
		if err := os.Rename(path, rotated); err != nil {
			t.Fatal(err)
		}
	case "copytruncate":
		copyTruncate(t, path, rotated)
	case "gzip":
		gzipFile(t, rotated)
	}
	return done
}

// catchUp waits until r has passed the events of done complete lines (the
// last one stays pending in the decoder).
func catchUp(t testing.TB, r *runner, done int) {
	t.Helper()
	if done > 1 {
		waitEvents(t, r, done-1)
	}
}

func TestResumeGivesTheUninterruptedEvents(t *testing.T) {
	l40 := line(40)
	tests := []struct {
		name                string
		before, down, after []op
	}{
		{
			name:   "appended while down",
			before: []op{add(0, 50)},
			down:   []op{add(50, 80)},
			after:  []op{add(80, 100)},
		},
		{
			name:   "renamed and compressed while down",
			before: []op{add(0, 50)},
			down:   []op{rename(1), add(50, 80), compress(1)},
			after:  []op{add(80, 100)},
		},
		{
			name:   "rotated while running then compressed while down",
			before: []op{add(0, 50), rename(1), add(50, 70)},
			down:   []op{compress(1), add(70, 90)},
			after:  []op{add(90, 100)},
		},
		{
			name:   "copytruncate while down, copy compressed",
			before: []op{add(0, 50)},
			down:   []op{add(50, 60), copytrunc(1), compress(1), add(60, 80)},
			after:  []op{add(80, 90)},
		},
		{
			name:   "two renames while down",
			before: []op{add(0, 40)},
			down:   []op{rename(1), add(40, 60), rename(2), add(60, 80)},
			after:  []op{add(80, 90)},
		},
		{
			name:   "copytruncate while running, then rename and compress while down",
			before: []op{add(0, 40), copytrunc(1), add(40, 60)},
			down:   []op{compress(1), rename(2), add(60, 70), compress(2)},
			after:  []op{add(70, 90), copytrunc(3), add(90, 95)},
		},
		{
			name:   "partial line at the kill",
			before: []op{add(0, 40), raw(l40[:25], 40)},
			down:   []op{raw(l40[25:]+lines(41, 50), 50)},
			after:  []op{add(50, 60)},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Uninterrupted: every op with the follower running.
			cfgA := testConfig(t.TempDir())
			a := start(t, cfgA, nil)
			done := 0
			for _, o := range append(append(append([]op(nil), tc.before...), tc.down...), tc.after...) {
				done = o.apply(t, cfgA.Path, done)
				catchUp(t, a, done)
			}
			want := names(0, done-1)
			checkNames(t, a, want)

			// Interrupted: killed after the ops before, resumed after those
			// done while it was down.
			cfgB := testConfig(t.TempDir())
			b := start(t, cfgB, nil)
			done = 0
			for _, o := range tc.before {
				done = o.apply(t, cfgB.Path, done)
				catchUp(t, b, done)
			}
			if err := b.stop(t); err != nil {
				t.Fatal(err)
			}
			pos := b.out.lastMark()
			for _, o := range tc.down {
				done = o.apply(t, cfgB.Path, done)
			}
			c := start(t, cfgB, pos)
			for _, o := range tc.after {
				done = o.apply(t, cfgB.Path, done)
				catchUp(t, c, done)
			}
			checkNames(t, c, want)
			if diff := cmp.Diff(a.out.rows(), c.out.rows()[:len(want)]); diff != "" {
				t.Fatalf("resumed events differ (-uninterrupted +resumed):\n%s", diff)
			}
			if c.count("replayed bytes") == 0 || c.count("segments lost") != 0 {
				t.Errorf("counts: %v", c.f.Counts())
			}
			covered, err := Covered(pos)
			if err != nil || covered <= 0 {
				t.Errorf("Covered = %d, %v", covered, err)
			}
		})
	}
}

// TestResumeCoversPassedEvents checks that the offset in each mark is the
// offset of the first event not passed when it was marked.
func TestResumeCoversPassedEvents(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.MarkEvents = 7
	appendFile(t, cfg.Path, lines(0, 100))
	r := start(t, cfg, nil)
	waitEvents(t, r, 99)
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	rows := r.out.rows()
	r.out.mu.Lock()
	marks := append([]input.Position(nil), r.out.marks...)
	passed := append([]int(nil), r.out.passed...)
	r.out.mu.Unlock()
	if len(marks) < 10 {
		t.Fatalf("only %d marks", len(marks))
	}
	for i, m := range marks {
		off, err := Covered(m)
		if err != nil {
			t.Fatal(err)
		}
		n := passed[i]
		if (n > 0 && rows[n-1].Offset >= off) || (n < len(rows) && rows[n].Offset < off) {
			t.Fatalf("mark %d at offset %d after %d events does not cover exactly the events passed", i, off, n)
		}
	}
	last, _ := Covered(marks[len(marks)-1])
	if last <= rows[len(rows)-1].Offset {
		t.Fatalf("final mark %d does not cover the last event at %d", last, rows[len(rows)-1].Offset)
	}
}

func TestResumeWithLostSegment(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.RotateGrace = 0
	r := start(t, cfg, nil)
	appendFile(t, cfg.Path, lines(0, 30))
	catchUp(t, r, 30)
	for _, o := range []op{rename(1), add(30, 60)} {
		o.apply(t, cfg.Path, 0)
	}
	catchUp(t, r, 60)
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	pos := r.out.lastMark()
	if err := os.Remove(cfg.Path + ".1"); err != nil {
		t.Fatal(err)
	}
	appendFile(t, cfg.Path, lines(60, 70))
	c := start(t, cfg, pos)
	checkNames(t, c, names(30, 69))
	if got := c.count("segments lost"); got != 1 {
		t.Fatalf("segments lost = %d, want 1", got)
	}
	// The events keep their logical offsets although the first segment is
	// gone.
	if got, want := c.out.rows()[0], r.out.rows()[29]; got.Offset != want.Offset+int64(len(line(29))) {
		t.Fatalf("first event after the loss at %d, want %d", got.Offset, want.Offset+int64(len(line(29))))
	}
}

func TestReplayBaseIsBounded(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(*Config)
		rotate   bool
		counter  string
		maxBytes int64
	}{
		{name: "segments over max_segments", edit: func(c *Config) { c.MaxSegments = 3 }, rotate: true, counter: "segments dropped from replay base"},
		{name: "bytes over replay_max_bytes", edit: func(c *Config) { c.ReplayMaxBytes = 3000 }, rotate: true, counter: "segments dropped from replay base", maxBytes: 3000},
		{name: "one segment over replay_max_bytes", edit: func(c *Config) { c.ReplayMaxBytes = 3000 }, counter: "replay base moves", maxBytes: 3000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t.TempDir())
			cfg.RotateGrace = 0
			cfg.MarkEvents = 5
			tc.edit(&cfg)
			r := start(t, cfg, nil)
			done := 0
			for i := range 8 {
				done = add(i*25, i*25+25).apply(t, cfg.Path, done)
				catchUp(t, r, done)
				if tc.rotate {
					rename(i).apply(t, cfg.Path, done)
				}
			}
			done = add(200, 210).apply(t, cfg.Path, done)
			catchUp(t, r, done)
			if err := r.stop(t); err != nil {
				t.Fatal(err)
			}
			if r.count(tc.counter) == 0 {
				t.Fatalf("%s not counted: %v", tc.counter, r.f.Counts())
			}
			var pos position
			if err := json.Unmarshal(r.out.lastMark(), &pos); err != nil {
				t.Fatal(err)
			}
			var n int64
			for _, g := range pos.Segments {
				n += g.End - g.Start
			}
			if len(pos.Segments) > cfg.MaxSegments || (tc.maxBytes > 0 && n > tc.maxBytes) {
				t.Fatalf("base holds %d segments, %d bytes", len(pos.Segments), n)
			}
			// A resume replays from the trimmed base into the same events.
			c := start(t, cfg, r.out.lastMark())
			first := pos.Segments[0].Logical
			var want []row
			for _, x := range r.out.rows() {
				if x.Offset >= first {
					want = append(want, x)
				}
			}
			waitEvents(t, c, len(want))
			if diff := cmp.Diff(want, c.out.rows()[:len(want)]); diff != "" {
				t.Fatalf("replay from the trimmed base (-want +got):\n%s", diff)
			}
		})
	}
}
