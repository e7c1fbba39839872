package table

import (
	"io"
	"testing"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/sink/sinktest"
)

// BenchmarkTable writes and closes a table of 1000 alerts per iteration.
func BenchmarkTable(b *testing.B) {
	const n = 1000
	base := sinktest.Alerts()
	alerts := make([]*alert.Alert, n)
	for i := range alerts {
		a := *base[i%len(base)]
		a.Time = a.Time.Add(time.Duration(n-i) * time.Second)
		alerts[i] = &a
	}
	b.ReportAllocs()
	for b.Loop() {
		tb, err := New(io.Discard, Config{})
		if err != nil {
			b.Fatal(err)
		}
		for _, a := range alerts {
			if err := tb.Write(a); err != nil {
				b.Fatal(err)
			}
		}
		if err := tb.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "alerts/s")
}
