package queue

import (
	"errors"
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/sink"
)

// TestFanoutRoutesDropAlerts fans alerts out to a fast sink and a stalled
// one: the fast one gets every alert and the stalled queue's drop alert, and
// the stalled one gets its own drop alert once it has drained.
func TestFanoutRoutesDropAlerts(t *testing.T) {
	const n, size = 10, 2
	fast := newRecorder(n + 4)
	st := newStaller()
	slowRec := newRecorder(n + 4)
	slow := &gate{staller: st, rec: slowRec}
	f := NewFanout(mustNew(t, fast, Config{Name: "file", Size: n + 4}), mustNew(t, slow, Config{Name: "syslog", Size: size}))

	in := alerts(n)
	if err := f.Write(in[0]); err != nil {
		t.Fatal(err)
	}
	<-st.entered // in[0] is held by the stalled sink
	for _, a := range in[1:] {
		if err := f.Write(a); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		if got := <-fast.got; got != in[i] {
			t.Fatalf("fast sink got %q at %d, want %q", got.Key, i, in[i].Key)
		}
	}
	drops := f.ReportDrops()
	if len(drops) != 1 || drops[0].RuleID != RuleID || drops[0].Evidence[1].Value != int64(n-1-size) {
		t.Fatalf("ReportDrops = %v, want one drop alert for %d alerts", drops, n-1-size)
	}
	if got := <-fast.got; got != drops[0] {
		t.Errorf("fast sink got %q, want the drop alert", got.Key)
	}
	if len(f.pending) != 2 || f.pending[1] != drops[0] {
		t.Fatalf("drop alert not pending for the full queue")
	}

	st.unblock()
	for range size + 1 {
		<-slowRec.got // in[0], in[1], in[2]: the queue has drained
	}
	if again := f.ReportDrops(); len(again) != 0 {
		t.Errorf("second ReportDrops = %d alerts, want none (no new drop)", len(again))
	}
	if got := <-slowRec.got; got != drops[0] {
		t.Errorf("stalled sink got %q after draining, want its drop alert", got.Key)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Write(in[0]); !errors.Is(err, sink.ErrClosed) {
		t.Errorf("Write after Close = %v, want ErrClosed", err)
	}
	if f.ReportDrops() != nil {
		t.Error("ReportDrops after Close returned alerts")
	}
	if err := f.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if fast.closes.Load() != 1 || slowRec.closes.Load() != 1 {
		t.Errorf("inner sinks closed %d and %d times, want once each", fast.closes.Load(), slowRec.closes.Load())
	}
}

// gate is a sink that waits on a staller, then records.
type gate struct {
	staller *staller
	rec     *recorder
}

func (g *gate) Write(a *alert.Alert) error {
	select {
	case g.staller.entered <- a:
	default:
	}
	<-g.staller.release
	return g.rec.Write(a)
}

func (g *gate) Close() error { return g.rec.Close() }
