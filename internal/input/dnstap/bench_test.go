package dnstap

import (
	"bytes"
	"io"
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/event"
)

// BenchmarkDecode decodes the corp lab's unbound dnstap file (2016 frames of
// client, resolver and forwarder queries and responses) over and over.
func BenchmarkDecode(b *testing.B) {
	for _, tc := range []struct {
		name       string
		headerOnly bool
	}{{"records", false}, {"header-only", true}} {
		b.Run(tc.name, func(b *testing.B) {
			raw := labFile(b, "corp")
			o := testOpts("corp")
			o.HeaderOnly = tc.headerOnly
			r := bytes.NewReader(raw)
			d, err := New(r, o)
			if err != nil {
				b.Fatal(err)
			}
			var ev event.Event
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)) / 2016)
			b.ResetTimer()
			for b.Loop() {
				err := d.Next(&ev)
				if err == io.EOF {
					b.StopTimer()
					r.Reset(raw)
					if d, err = New(r, o); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					err = d.Next(&ev)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
		})
	}
}
