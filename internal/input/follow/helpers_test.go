package follow

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/input/querylog"
)

// fakeOut records what a Follower passes to its Out. It is read by the test
// goroutine while Run writes to it, hence the lock.
type fakeOut struct {
	mu    sync.Mutex
	evs   []event.Event
	marks []input.Position
	// passed holds, for each mark, the number of events passed before it.
	passed  []int
	errs    []error
	flushes int
}

func (o *fakeOut) Event(ev *event.Event) {
	var dst event.Event
	ev.CopyTo(&dst, nil)
	o.mu.Lock()
	o.evs = append(o.evs, dst)
	o.mu.Unlock()
}

func (o *fakeOut) Error(err error) {
	o.mu.Lock()
	o.errs = append(o.errs, err)
	o.mu.Unlock()
}

func (o *fakeOut) Flush() {
	o.mu.Lock()
	o.flushes++
	o.mu.Unlock()
}

func (o *fakeOut) Mark(pos input.Position) {
	o.mu.Lock()
	o.marks = append(o.marks, append(input.Position(nil), pos...))
	o.passed = append(o.passed, len(o.evs))
	o.flushes++
	o.mu.Unlock()
}

func (o *fakeOut) Fork() input.Out { return o }
func (o *fakeOut) Close()          {}

// row is the comparable projection of one event.
type row struct {
	QName  string
	Time   string
	Offset int64
	Line   int64
}

func (o *fakeOut) rows() []row {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]row, len(o.evs))
	for i, ev := range o.evs {
		out[i] = row{QName: ev.DNS.QName, Time: ev.Time.Format(time.RFC3339), Offset: ev.Source.Offset, Line: ev.Source.Line}
	}
	return out
}

func (o *fakeOut) names() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]string, len(o.evs))
	for i, ev := range o.evs {
		out[i] = ev.DNS.QName
	}
	return out
}

func (o *fakeOut) count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.evs)
}

func (o *fakeOut) lastMark() input.Position {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.marks) == 0 {
		return nil
	}
	return o.marks[len(o.marks)-1]
}

func (o *fakeOut) errors() []error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]error(nil), o.errs...)
}

func (o *fakeOut) flushCount() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.flushes
}

// base is the time of line 0; each line is one second later, so with a
// short pair timeout every query line lets the previous query out and only
// the last line written stays pending.
var base = time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)

// line returns dnsmasq query line i, newline included.
func line(i int) string {
	ts := base.Add(time.Duration(i) * time.Second).Format(time.Stamp)
	return fmt.Sprintf("%s dnsmasq[1]: query[A] n%06d.example from 10.0.%d.%d\n", ts, i, i/250%250, i%250+1)
}

func name(i int) string { return fmt.Sprintf("n%06d.example", i) }

// names returns the names of lines from..to-1.
func names(from, to int) []string {
	out := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, name(i))
	}
	return out
}

func lines(from, to int) string {
	var b strings.Builder
	for i := from; i < to; i++ {
		b.WriteString(line(i))
	}
	return b.String()
}

func appendFile(t testing.TB, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// copyTruncate copies path to dst and truncates path, as logrotate's
// copytruncate does.
func copyTruncate(t testing.TB, path, dst string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
}

// gzipFile compresses path to path.gz keeping its modification time, as
// gzip does, and removes path.
func gzipFile(t testing.TB, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(path + ".gz")
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(dst)
	if _, err := io.Copy(zw, src); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path+".gz", fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
}

// testConfig follows dir/log from its beginning with short waits.
func testConfig(dir string) Config {
	cfg := DefaultConfig()
	cfg.Path = filepath.Join(dir, "log")
	cfg.StartAt = StartBeginning
	cfg.PollInterval = 20 * time.Millisecond
	cfg.RotateGrace = 50 * time.Millisecond
	cfg.MarkInterval = 5 * time.Millisecond
	if os.Getenv("FOLLOW_DEBUG") != "" {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return cfg
}

func testOptions() input.Options {
	opts := input.DefaultOptions()
	opts.PairTimeout = time.Millisecond
	opts.Reference = time.Date(2024, time.June, 1, 0, 0, 0, 0, time.UTC)
	return opts
}

// runner is one Follower running in its own goroutine.
type runner struct {
	f      *Follower
	out    *fakeOut
	cancel context.CancelFunc
	done   chan struct{}
	err    error // Run's result, once done is closed
	once   sync.Once
}

// start runs a Follower for cfg from resume; the test's cleanup stops it.
func start(t testing.TB, cfg Config, resume input.Position) *runner {
	t.Helper()
	if os.Getenv("FOLLOW_DEBUG") != "" {
		t.Logf("start from %s", resume)
	}
	f, err := New(cfg, querylog.Format(), testOptions(), resume)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &runner{f: f, out: &fakeOut{}, cancel: cancel, done: make(chan struct{})}
	go func() {
		r.err = f.Run(ctx, r.out)
		close(r.done)
	}()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop cancels the run and waits for Run to return.
func (r *runner) stop(t testing.TB) error {
	r.once.Do(func() {
		r.cancel()
		select {
		case <-r.done:
		case <-time.After(30 * time.Second):
			t.Fatal("Run did not return after cancel")
		}
	})
	return r.err
}

// state describes the run for failure messages.
func (r *runner) state() string {
	select {
	case <-r.done:
		return fmt.Sprintf("Run returned %v; errors %v", r.err, r.out.errors())
	default:
		return fmt.Sprintf("running; errors %v", r.out.errors())
	}
}

// count returns the named counter.
func (r *runner) count(name string) int64 {
	for _, c := range r.f.Counts() {
		if c.Name == name {
			return c.Value
		}
	}
	panic("no counter " + name)
}

// waitFor waits up to a generous deadline for cond.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// waitEvents waits until r has passed at least n events.
func waitEvents(t testing.TB, r *runner, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for r.out.count() < n {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %d events (have %d): %s", n, r.out.count(), r.state())
		}
		time.Sleep(2 * time.Millisecond)
	}
}
