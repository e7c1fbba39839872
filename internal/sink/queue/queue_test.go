package queue

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/config"
	"github.com/dnsvigil/dnsvigil/internal/sink"
)

// recorder is an inner sink that sends each alert it is given on got.
type recorder struct {
	got     chan *alert.Alert
	flushed chan struct{}
	fail    func(*alert.Alert) error
	closes  atomic.Int32
}

func newRecorder(n int) *recorder {
	return &recorder{got: make(chan *alert.Alert, n), flushed: make(chan struct{}, n+1)}
}

func (r *recorder) Write(a *alert.Alert) error {
	r.got <- a
	if r.fail != nil {
		return r.fail(a)
	}
	return nil
}

func (r *recorder) Close() error { r.closes.Add(1); return nil }

// flushRecorder is a recorder that is also a Flusher.
type flushRecorder struct{ *recorder }

func (r flushRecorder) Flush() error {
	r.flushed <- struct{}{}
	return nil
}

// staller is an inner sink whose Write blocks until release is closed (or,
// when abortable, until Abort). entered receives each alert as Write starts.
type staller struct {
	entered chan *alert.Alert
	release chan struct{}
	closed  chan struct{}
	once    sync.Once
}

func newStaller() *staller {
	return &staller{entered: make(chan *alert.Alert, 16), release: make(chan struct{}), closed: make(chan struct{})}
}

func (s *staller) Write(a *alert.Alert) error {
	select {
	case s.entered <- a:
	default: // only the first ones are waited for
	}
	<-s.release
	return errors.New("stalled")
}

func (s *staller) Close() error { close(s.closed); return nil }

func (s *staller) unblock() { s.once.Do(func() { close(s.release) }) }

// abortStaller is a staller that is an Aborter.
type abortStaller struct{ *staller }

func (s abortStaller) Abort() { s.unblock() }

func alerts(n int) []*alert.Alert {
	out := make([]*alert.Alert, n)
	for i := range out {
		out[i] = &alert.Alert{RuleID: "R", Key: fmt.Sprint(i)}
	}
	return out
}

func mustNew(t testing.TB, inner sink.Sink, cfg Config, opts ...Option) *Queue {
	t.Helper()
	q, err := New(inner, cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// fakeClock returns a clock that advances one second per reading.
func fakeClock(start time.Time) func() time.Time {
	var n atomic.Int64
	return func() time.Time { return start.Add(time.Duration(n.Add(1)-1) * time.Second) }
}

func TestDeliversInOrderAndFlushes(t *testing.T) {
	const n = 500
	rec := newRecorder(n)
	q := mustNew(t, flushRecorder{rec}, Config{Name: "file", Size: n})
	in := alerts(n)
	for _, a := range in {
		if err := q.Write(a); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		if got := <-rec.got; got != in[i] {
			t.Fatalf("alert %d is %q, want %q (the same pointer, in order)", i, got.Key, in[i].Key)
		}
	}
	<-rec.flushed // the queue ran empty at least once and flushed
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	got := q.Stats()
	want := Stats{Name: "file", Capacity: n, Delivered: n}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	if c := rec.closes.Load(); c != 1 {
		t.Errorf("inner closed %d times, want 1", c)
	}
}

// TestStalledInner pushes 10,000 alerts into a queue of 100 whose sink never
// returns: Write never blocks, the queue holds 100, and every other alert but
// the one being written is counted as dropped and reported once.
func TestStalledInner(t *testing.T) {
	const total, size = 10_000, 100
	st := newStaller()
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	q := mustNew(t, st, Config{Name: "syslog", Size: size}, WithClock(fakeClock(t0)))
	in := alerts(total)
	if err := q.Write(in[0]); err != nil {
		t.Fatal(err)
	}
	<-st.entered // in[0] is in the stalled Write: the queue is empty again
	for _, a := range in[1:] {
		if err := q.Write(a); err != nil {
			t.Fatal(err)
		}
	}
	const dropped = total - 1 - size
	got := q.Stats()
	want := Stats{Name: "syslog", Depth: size, Capacity: size, Dropped: dropped}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	if sum := got.Delivered + got.Failed + int64(got.Depth) + got.Dropped + 1; sum != total {
		t.Errorf("delivered+failed+queued+dropped+in flight = %d, want %d", sum, total)
	}
	if allocs := testing.AllocsPerRun(1000, func() { _ = q.Write(in[1]) }); allocs != 0 {
		t.Errorf("Write on a full queue allocates %v times, want 0", allocs)
	}
	// 1000 more drops from AllocsPerRun (and its warm-up run).
	wantDropped := int64(dropped + 1001)
	if d := q.Dropped(); d != wantDropped {
		t.Errorf("Dropped = %d, want %d", d, wantDropped)
	}

	a := q.DropAlert()
	if a == nil {
		t.Fatal("no drop alert")
	}
	last := t0.Add(time.Duration(wantDropped-1) * time.Second)
	wantAlert := &alert.Alert{
		Key: "DNSV-OPS-001|syslog", RuleID: RuleID, RuleName: RuleName, Severity: alert.SeverityMedium,
		Time: last, FirstSeen: t0, LastSeen: last,
		Summary: fmt.Sprintf("alert delivery to syslog dropped %d alerts (%d in all): its queue of 100 was full or was closed with alerts in it", wantDropped, wantDropped),
		Evidence: []alert.Field{
			{Name: "sink", Value: "syslog"},
			{Name: "dropped", Value: wantDropped},
			{Name: "dropped_total", Value: wantDropped},
			{Name: "first_drop", Value: t0},
			{Name: "last_drop", Value: last},
			{Name: "queue_size", Value: size},
			{Name: "failed_total", Value: int64(0)},
		},
	}
	if diff := cmp.Diff(wantAlert, a, cmpopts.EquateComparable(netip.Addr{})); diff != "" {
		t.Errorf("drop alert (-want +got):\n%s", diff)
	}
	if again := q.DropAlert(); again != nil {
		t.Errorf("second DropAlert with no new drop = %v, want nil", again.Summary)
	}
	_ = q.Write(in[2])
	if a := q.DropAlert(); a == nil || a.Evidence[1].Value != int64(1) || a.Evidence[2].Value != wantDropped+1 {
		t.Errorf("drop alert after one more drop = %+v, want dropped 1, total %d", a, wantDropped+1)
	}

	st.unblock()
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	s := q.Stats()
	if s.Failed != size+1 || s.Depth != 0 || s.Delivered != 0 {
		t.Errorf("after release and Close: %+v, want %d failed, none queued", s, size+1)
	}
	if err := q.Err(); err == nil || err.Error() != "stalled" {
		t.Errorf("Err = %v, want the inner error", err)
	}
}

// TestShutdownDeadline closes a queue whose sink stays stalled: Shutdown
// returns when its context ends, the queued alerts are counted as dropped,
// and the inner sink is closed once its Write returns.
func TestShutdownDeadline(t *testing.T) {
	tests := []struct {
		name  string
		abort bool
	}{
		{"stalled sink released later", false},
		{"stalled sink aborted", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := newStaller()
			var inner sink.Sink = st
			if tc.abort {
				inner = abortStaller{st}
			}
			q := mustNew(t, inner, Config{Name: "webhook", Size: 8})
			for _, a := range alerts(5) {
				_ = q.Write(a)
			}
			<-st.entered
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			err := q.Shutdown(ctx)
			if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "4 alerts still queued") {
				t.Fatalf("Shutdown = %v, want context.Canceled with 4 queued", err)
			}
			if err := q.Write(alerts(1)[0]); !errors.Is(err, sink.ErrClosed) {
				t.Errorf("Write after Shutdown = %v, want ErrClosed", err)
			}
			if err := q.Close(); err != nil {
				t.Errorf("Close after Shutdown = %v, want nil", err)
			}
			if !tc.abort {
				st.unblock()
			}
			<-st.closed
			<-q.done
			s := q.Stats()
			if s.Failed != 1 || s.Dropped != 4 || s.Depth != 0 {
				t.Errorf("stats %+v, want 1 failed (the aborted write) and 4 dropped", s)
			}
		})
	}
}

func TestFailuresAreCountedAndDeliveryGoesOn(t *testing.T) {
	const n = 100
	rec := newRecorder(n)
	rec.fail = func(a *alert.Alert) error {
		if a.Key[len(a.Key)-1]%2 == 1 {
			return fmt.Errorf("refused %s", a.Key)
		}
		return nil
	}
	q := mustNew(t, rec, Config{Name: "x", Size: n})
	for _, a := range alerts(n) {
		_ = q.Write(a)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	if d, f := q.Delivered(), q.Failed(); d != n/2 || f != n/2 {
		t.Errorf("delivered %d, failed %d, want %d each", d, f, n/2)
	}
	if err := q.Err(); err == nil || err.Error() != "refused 99" {
		t.Errorf("Err = %v, want the last error", err)
	}
}

func TestLifecycle(t *testing.T) {
	rec := newRecorder(4)
	q := mustNew(t, rec, Config{Name: "x"})
	if c := q.Capacity(); c != DefaultSize {
		t.Errorf("Capacity = %d, want the default %d", c, DefaultSize)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	if err := q.Write(alerts(1)[0]); !errors.Is(err, sink.ErrClosed) {
		t.Errorf("Write after Close = %v, want ErrClosed", err)
	}
	if q.Offer(alerts(1)[0]) {
		t.Error("Offer after Close accepted")
	}
	if err := q.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if c := rec.closes.Load(); c != 1 {
		t.Errorf("inner closed %d times, want 1", c)
	}
}

type closeFail struct{ recorder }

func (c *closeFail) Close() error { return errors.New("disk full") }

func TestCloseReturnsInnerError(t *testing.T) {
	q := mustNew(t, &closeFail{*newRecorder(1)}, Config{Name: "file"})
	if err := q.Close(); err == nil || err.Error() != "close file: disk full" {
		t.Errorf("Close = %v, want the inner Close error with the name", err)
	}
}

// TestCountersRace reads the counters while alerts flow, for -race.
func TestCountersRace(t *testing.T) {
	rec := newRecorder(1000)
	q := mustNew(t, rec, Config{Name: "x", Size: 16})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				_ = q.Stats()
				_ = q.Err()
			}
		}
	})
	for _, a := range alerts(1000) {
		_ = q.Write(a)
	}
	_ = q.DropAlert()
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	if s := q.Stats(); s.Delivered+s.Dropped != 1000 {
		t.Errorf("delivered %d + dropped %d != 1000", s.Delivered, s.Dropped)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"defaults", DefaultConfig("syslog"), nil},
		{"zero values are defaults", Config{Name: "a"}, nil},
		{"no name", Config{}, []string{"name: must name the sink"}},
		{"long name", Config{Name: strings.Repeat("n", 65)}, []string{"name: must be at most 64 bytes, got 65"}},
		{"control in name", Config{Name: "a\nb"}, []string{`name: must hold only visible characters and no backslash, got "a\nb"`}},
		{"negative", Config{Name: "a", Size: -1, DrainTimeout: -time.Second}, []string{
			"size: must be between 1 and 1048576 (0 for 1024), got -1",
			"drain_timeout: must not be negative, got -1s",
		}},
		{"too big", Config{Name: "a", Size: MaxSize + 1}, []string{"size: must be between 1 and 1048576 (0 for 1024), got 1048577"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, err := range tc.cfg.Validate() {
				var p config.Problem
				if !errors.As(err, &p) {
					t.Errorf("%v is not a config.Problem", err)
				}
				got = append(got, err.Error())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := New(newRecorder(1), Config{Size: -1}); err == nil {
		t.Error("New accepted an invalid config")
	}
}

// bufSink buffers written keys until Flush, like a jsonl writer over a file.
type bufSink struct {
	mu       sync.Mutex
	buffered []string
	out      []string
}

func (b *bufSink) Write(a *alert.Alert) error {
	b.mu.Lock()
	b.buffered = append(b.buffered, a.Key)
	b.mu.Unlock()
	return nil
}

func (b *bufSink) Flush() error {
	b.mu.Lock()
	b.out = append(b.out, b.buffered...)
	b.buffered = b.buffered[:0]
	b.mu.Unlock()
	return nil
}

func (b *bufSink) Close() error { return b.Flush() }

func TestSyncWaitsForDeliveryAndFlush(t *testing.T) {
	inner := &bufSink{}
	q, err := New(inner, Config{Name: "t", Size: 10000})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	for round := range 20 {
		for i := range 500 {
			q.Write(&alert.Alert{Key: fmt.Sprintf("%d-%d", round, i)})
		}
		if err := q.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
		inner.mu.Lock()
		n := len(inner.out)
		inner.mu.Unlock()
		if n < (round+1)*500 {
			t.Fatalf("round %d: Sync returned with %d alerts flushed, want %d", round, n, (round+1)*500)
		}
	}
}

func TestSyncGivesUpOnAStalledSink(t *testing.T) {
	s := newStaller()
	q, err := New(s, Config{Name: "stalled", Size: 4, DrainTimeout: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.unblock(); q.Close() }()
	q.Write(&alert.Alert{Key: "a"})
	q.Write(&alert.Alert{Key: "b"})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := q.Sync(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Sync on a stalled sink: %v, want the deadline", err)
	}
}
