package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/detect"
	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/google/go-cmp/cmp"
)

// seqSource pushes n DNS events named q<i>.<name> one second apart,
// marking its position every mark events, through forks when forks > 1.
type seqSource struct {
	name  string
	n     int
	mark  int
	start time.Time
	// hold, when set, keeps Run going until ctx ends.
	hold bool
}

func (s *seqSource) Name() string { return s.name }

func (s *seqSource) Run(ctx context.Context, out input.Out) error {
	var ev event.Event
	for i := range s.n {
		ev.Reset()
		ev.Kind = event.KindDNS
		ev.Time = s.start.Add(time.Duration(i) * time.Second)
		ev.Client = netip.MustParseAddrPort("192.0.2.1:5353")
		ev.DNS.HasQuery = true
		ev.DNS.QName = fmt.Sprintf("q%d.%s", i, s.name)
		out.Event(&ev)
		if s.mark > 0 && (i+1)%s.mark == 0 {
			out.Mark(json.RawMessage(fmt.Sprintf(`{"n":%d}`, i+1)))
		}
	}
	out.Flush()
	if s.hold {
		<-ctx.Done()
	}
	return nil
}

// recorder keeps the names it observes, alerts on every tenth event, and
// records the marks it has seen when each event arrives.
type recorder struct {
	names    []string
	advanced []time.Time
	flushed  bool
}

func (r *recorder) Name() string { return "recorder" }
func (r *recorder) Observe(ev *event.Event, emit detect.Emit) {
	r.names = append(r.names, strings.Clone(ev.DNS.QName))
	if len(r.names)%10 == 0 {
		emit(&alert.Alert{RuleID: "TEST", Key: strings.Clone(ev.DNS.QName), Time: ev.Time})
	}
}
func (r *recorder) Advance(t time.Time, _ detect.Emit) { r.advanced = append(r.advanced, t) }
func (r *recorder) Flush(emit detect.Emit) {
	r.flushed = true
	emit(&alert.Alert{RuleID: "FLUSH"})
}

type collectSink struct {
	mu     sync.Mutex
	alerts []string
}

func (c *collectSink) Write(a *alert.Alert) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.alerts = append(c.alerts, a.RuleID+" "+a.Key)
	return nil
}

func TestStreamProcessesEverySourceEventInOrderAndMarksAfter(t *testing.T) {
	start := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	rec := &recorder{}
	sink := &collectSink{}
	var marks []string
	s := &Stream{
		Sources:     []input.Source{&seqSource{name: "a.test", n: 1000, mark: 100, start: start}},
		Detectors:   []detect.Detector{rec},
		Sink:        sink,
		BatchSize:   7,
		FlushOnStop: true,
		OnMark: func(src string, pos input.Position) {
			marks = append(marks, fmt.Sprintf("%s %s after %d", src, pos, len(rec.names)))
		},
	}
	if err := s.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(rec.names) != 1000 {
		t.Fatalf("observed %d events, want 1000", len(rec.names))
	}
	for i, n := range rec.names {
		if want := fmt.Sprintf("q%d.a.test", i); n != want {
			t.Fatalf("event %d is %s, want %s", i, n, want)
		}
	}
	var want []string
	for i := 100; i <= 1000; i += 100 {
		want = append(want, fmt.Sprintf(`a.test {"n":%d} after %d`, i, i))
	}
	if d := cmp.Diff(want, marks); d != "" {
		t.Errorf("marks (-want +got):\n%s", d)
	}
	if !rec.flushed || len(sink.alerts) != 101 || sink.alerts[100] != "FLUSH " {
		t.Errorf("flushed %v, %d alerts (want 100 + the flush)", rec.flushed, len(sink.alerts))
	}
	if got := s.Stats().Sources[0].Events.Load(); got != 1000 {
		t.Errorf("source events %d, want 1000", got)
	}
	if got := s.Stats().Alerts.Load(); got != 101 {
		t.Errorf("alerts counted %d, want 101", got)
	}
}

func TestStreamSeveralSourcesAllArrive(t *testing.T) {
	start := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	rec := &recorder{}
	var srcs []input.Source
	for i := range 4 {
		srcs = append(srcs, &seqSource{name: fmt.Sprintf("s%d.test", i), n: 5000, start: start})
	}
	s := &Stream{Sources: srcs, Detectors: []detect.Detector{rec}, Sink: &collectSink{}, QueueBatches: 2}
	if err := s.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, n := range rec.names {
		if seen[n] {
			t.Fatalf("%s seen twice", n)
		}
		seen[n] = true
	}
	if len(seen) != 20000 {
		t.Fatalf("%d distinct events, want 20000", len(seen))
	}
}

func TestStreamCancelDrainsAndDoWorks(t *testing.T) {
	start := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	rec := &recorder{}
	s := &Stream{
		Sources:   []input.Source{&seqSource{name: "a.test", n: 300, start: start, hold: true}},
		Detectors: []detect.Detector{rec},
		Sink:      &collectSink{},
	}
	s.Init()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for s.Stats().Events.Load() < 300 {
		if time.Now().After(deadline) {
			t.Fatal("events did not arrive")
		}
		time.Sleep(5 * time.Millisecond)
	}
	var n int
	if err := s.Do(ctx, func() { n = len(rec.names) }); err != nil {
		t.Fatal(err)
	}
	if n != 300 {
		t.Errorf("Do saw %d events, want 300", n)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := s.Do(context.Background(), func() {}); err != ErrStopped {
		t.Errorf("Do after Run: %v, want ErrStopped", err)
	}
}

func TestStreamIdleAdvanceMovesDetectorsOn(t *testing.T) {
	start := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	rec := &recorder{}
	s := &Stream{
		Sources:     []input.Source{&seqSource{name: "a.test", n: 1, start: start, hold: true}},
		Detectors:   []detect.Detector{rec},
		Sink:        &collectSink{},
		IdleAdvance: 10 * time.Millisecond,
	}
	s.Init()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for s.Stats().IdleAdvances.Load() < 2 {
		if time.Now().After(deadline) {
			t.Fatal("no idle advance")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	last := rec.advanced[len(rec.advanced)-1]
	if !last.After(start) {
		t.Errorf("last advance %v is not after the only event %v", last, start)
	}
}
