package follow

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/input/querylog"
)

// checkNames waits for the events of lines 0..n-2 (line n-1 stays pending
// in the decoder) and compares every name, in order.
func checkNames(t *testing.T, r *runner, want []string) {
	t.Helper()
	waitEvents(t, r, len(want))
	got := r.out.names()
	if diff := cmp.Diff(want, got[:len(want)]); diff != "" {
		t.Fatalf("events (-want +got):\n%s", diff)
	}
	if len(got) > len(want) {
		t.Fatalf("%d events beyond the %d expected: %v", len(got)-len(want), len(want), got[len(want):])
	}
}

func TestFollow(t *testing.T) {
	tests := []struct {
		name string
		// run writes and rotates; it returns the names expected.
		run func(t *testing.T, cfg Config, r func() *runner) ([]string, *runner)
		// counts are counters checked at the end.
		counts map[string]int64
	}{
		{
			name: "append while following",
			run: func(t *testing.T, cfg Config, r func() *runner) ([]string, *runner) {
				appendFile(t, cfg.Path, lines(0, 10))
				x := r()
				waitEvents(t, x, 9)
				for i := 10; i < 200; i += 19 {
					appendFile(t, cfg.Path, lines(i, i+19))
				}
				return names(0, 199), x
			},
		},
		{
			name: "file created after start",
			run: func(t *testing.T, cfg Config, r func() *runner) ([]string, *runner) {
				x := r()
				appendFile(t, cfg.Path, lines(0, 50))
				return names(0, 49), x
			},
		},
		{
			name: "rename with a last write to the old file",
			run: func(t *testing.T, cfg Config, r func() *runner) ([]string, *runner) {
				appendFile(t, cfg.Path, lines(0, 100))
				x := r()
				waitEvents(t, x, 99)
				old, err := os.OpenFile(cfg.Path, os.O_WRONLY|os.O_APPEND, 0)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.Rename(cfg.Path, cfg.Path+".1"); err != nil {
					t.Fatal(err)
				}
				if _, err := old.WriteString(lines(100, 110)); err != nil {
					t.Fatal(err)
				}
				old.Close()
				appendFile(t, cfg.Path, lines(110, 200))
				return names(0, 199), x
			},
			counts: map[string]int64{"rotations by rename or removal": 1},
		},
		{
			name: "copytruncate",
			run: func(t *testing.T, cfg Config, r func() *runner) ([]string, *runner) {
				appendFile(t, cfg.Path, lines(0, 100))
				x := r()
				waitEvents(t, x, 99)
				appendFile(t, cfg.Path, lines(100, 120)) // maybe unread when truncated
				copyTruncate(t, cfg.Path, cfg.Path+".1")
				appendFile(t, cfg.Path, lines(120, 130))
				return names(0, 129), x
			},
			counts: map[string]int64{"truncations read from a copy": 1, "truncations without a copy": 0},
		},
		{
			name: "copytruncate with the copy compressed at once",
			run: func(t *testing.T, cfg Config, r func() *runner) ([]string, *runner) {
				appendFile(t, cfg.Path, lines(0, 100))
				x := r()
				waitEvents(t, x, 99)
				x.stop(t) // so that the copy is compressed before it is looked for
				appendFile(t, cfg.Path, lines(100, 120))
				copyTruncate(t, cfg.Path, cfg.Path+".1")
				gzipFile(t, cfg.Path+".1")
				appendFile(t, cfg.Path, lines(120, 130))
				y := start(t, cfg, x.out.lastMark())
				return names(0, 129), y
			},
		},
		{
			name: "file deleted and recreated",
			run: func(t *testing.T, cfg Config, r func() *runner) ([]string, *runner) {
				appendFile(t, cfg.Path, lines(0, 30))
				x := r()
				waitEvents(t, x, 29)
				if err := os.Remove(cfg.Path); err != nil {
					t.Fatal(err)
				}
				appendFile(t, cfg.Path, lines(30, 60))
				return names(0, 59), x
			},
			counts: map[string]int64{"rotations by rename or removal": 1, "files removed": 1},
		},
		{
			name: "truncated to zero without a copy",
			run: func(t *testing.T, cfg Config, r func() *runner) ([]string, *runner) {
				appendFile(t, cfg.Path, lines(0, 100))
				x := r()
				waitEvents(t, x, 99)
				if err := os.Truncate(cfg.Path, 0); err != nil {
					t.Fatal(err)
				}
				appendFile(t, cfg.Path, lines(100, 110))
				return names(0, 109), x
			},
			counts: map[string]int64{"truncations without a copy": 1},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t.TempDir())
			cfg.RotateGrace = time.Minute // the new file's data ends the old one
			want, x := tc.run(t, cfg, func() *runner { return start(t, cfg, nil) })
			checkNames(t, x, want)
			for k, v := range tc.counts {
				if got := x.count(k); got != v {
					t.Errorf("counter %q = %d, want %d", k, got, v)
				}
			}
			if err := x.stop(t); err != nil {
				t.Fatalf("Run: %v", err)
			}
			if errs := x.out.errors(); len(errs) > 0 {
				t.Fatalf("errors: %v", errs)
			}
		})
	}
}

func TestStartAtEnd(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.StartAt = StartEnd
	partial := line(10)
	appendFile(t, cfg.Path, lines(0, 10)+partial[:20])
	x := start(t, cfg, nil)
	waitFor(t, "the follower to reach the end", func() bool { return x.out.flushCount() > 0 })
	appendFile(t, cfg.Path, partial[20:]+lines(11, 20))
	checkNames(t, x, names(10, 19))
	if got := x.out.rows()[0].Line; got != 1 {
		t.Errorf("first line number = %d, want 1 (counted from where following started)", got)
	}
}

func TestPartialLineWaitsForItsNewline(t *testing.T) {
	cfg := testConfig(t.TempDir())
	l5 := line(5)
	appendFile(t, cfg.Path, lines(0, 5)+l5[:30])
	x := start(t, cfg, nil)
	size := int64(len(lines(0, 5)) + 30)
	waitFor(t, "every byte read", func() bool { return x.count("bytes read") == size })
	flushes := x.out.flushCount()
	waitFor(t, "the follower to wait again", func() bool { return x.out.flushCount() > flushes+1 })
	if got := x.out.names(); !cmp.Equal(got, names(0, 4)) {
		t.Fatalf("before the newline: %v, want %v", got, names(0, 4))
	}
	appendFile(t, cfg.Path, l5[30:]+line(6))
	checkNames(t, x, names(0, 6))
	if errs := x.out.errors(); len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
}

func TestOffsetsAndLines(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.RotateGrace = time.Minute
	appendFile(t, cfg.Path, lines(0, 10))
	x := start(t, cfg, nil)
	waitEvents(t, x, 9)
	if err := os.Rename(cfg.Path, cfg.Path+".1"); err != nil {
		t.Fatal(err)
	}
	appendFile(t, cfg.Path, lines(10, 20))
	checkNames(t, x, names(0, 19))
	var off int64
	for i, r := range x.out.rows() {
		if r.Offset != off || r.Line != int64(i+1) {
			t.Fatalf("event %d at offset %d line %d, want %d line %d", i, r.Offset, r.Line, off, i+1)
		}
		off += int64(len(line(i)))
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want []string
	}{
		{name: "defaults with a path", edit: func(c *Config) {}},
		{name: "no path", edit: func(c *Config) { c.Path = "" }, want: []string{"path"}},
		{name: "bad start", edit: func(c *Config) { c.StartAt = "middle" }, want: []string{"start_at"}},
		{name: "bad numbers", edit: func(c *Config) {
			c.PollInterval, c.MaxSegments, c.MarkEvents, c.ReplayMaxBytes = 0, 0, 0, -1
		}, want: []string{"poll_interval", "replay_max_bytes", "max_segments", "mark_events"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			c.Path = "/var/log/dnsmasq.log"
			tc.edit(&c)
			var got []string
			for _, err := range c.Validate() {
				key, _, _ := strings.Cut(err.Error(), ":")
				got = append(got, key)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBadResumePosition(t *testing.T) {
	cfg := testConfig(t.TempDir())
	for _, pos := range []string{`{`, `{"v":2}`, `{"v":1,"segments":[{"start":5,"end":1}]}`} {
		t.Run(pos, func(t *testing.T) {
			if _, err := New(cfg, querylog.Format(), testOptions(), []byte(pos)); err == nil {
				t.Fatal("no error")
			}
		})
	}
	other := `{"v":1,"path":"/elsewhere","segments":[],"offset":0}`
	if _, err := New(cfg, querylog.Format(), testOptions(), []byte(other)); err != nil {
		t.Fatalf("a position for another path is ignored, got %v", err)
	}
	if _, err := Covered([]byte(other)); err != nil {
		t.Fatal(err)
	}
}
