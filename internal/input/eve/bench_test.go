package eve

import (
	"io"
	"strings"
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

// loopReader yields body over and over, so a benchmark can decode any
// number of lines from one decoder.
type loopReader struct {
	body []byte
	off  int
}

func (l *loopReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], l.body[l.off:])
		n += c
		l.off = (l.off + c) % len(l.body)
	}
	return n, nil
}

// BenchmarkDecode measures a mix of v2 and v3 queries and responses with
// one flow record skipped per four dns records, in steady state.
func BenchmarkDecode(b *testing.B) {
	body := []byte(strings.Join([]string{v2Query, v2Answer, flowLine, v3Request, v3Response}, "\n") + "\n")
	d := New(&loopReader{body: body}, input.Options{Name: "bench.json"})
	var ev event.Event
	for range 1000 {
		if err := d.Next(&ev); err != nil && err != io.EOF {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body) / 4))
	b.ResetTimer()
	for b.Loop() {
		if err := d.Next(&ev); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
