package jsonl

import (
	"io"
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/sink/sinktest"
)

func BenchmarkWrite(b *testing.B) {
	a := sinktest.Alerts()[0]
	w := New(io.Discard)
	b.ReportAllocs()
	for b.Loop() {
		if err := w.Write(a); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "alerts/s")
}
