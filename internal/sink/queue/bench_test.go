package queue

import (
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/alert"
)

type discard struct{}

func (discard) Write(*alert.Alert) error { return nil }
func (discard) Close() error             { return nil }

// BenchmarkWrite measures Write into a queue drained by a sink that returns
// at once; the writer is faster than the goroutine, so some alerts drop.
func BenchmarkWrite(b *testing.B) {
	q := mustNew(b, discard{}, Config{Name: "bench", Size: 4096})
	a := alerts(1)[0]
	b.ReportAllocs()
	for b.Loop() {
		_ = q.Write(a)
	}
	b.StopTimer()
	_ = q.Close()
	b.ReportMetric(float64(q.Dropped())/float64(b.N), "dropped/op")
}

// BenchmarkWriteFull measures the drop path: the sink is stalled and the
// queue full.
func BenchmarkWriteFull(b *testing.B) {
	st := newStaller()
	q := mustNew(b, st, Config{Name: "bench", Size: 16})
	a := alerts(1)[0]
	_ = q.Write(a)
	<-st.entered
	for range 16 {
		_ = q.Write(a)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = q.Write(a)
	}
	b.StopTimer()
	st.unblock()
	_ = q.Close()
}

// BenchmarkFanoutWrite measures one alert written to three queues.
func BenchmarkFanoutWrite(b *testing.B) {
	f := NewFanout(
		mustNew(b, discard{}, Config{Name: "a", Size: 4096}),
		mustNew(b, discard{}, Config{Name: "b", Size: 4096}),
		mustNew(b, discard{}, Config{Name: "c", Size: 4096}))
	a := alerts(1)[0]
	b.ReportAllocs()
	for b.Loop() {
		_ = f.Write(a)
	}
	b.StopTimer()
	_ = f.Close()
}
