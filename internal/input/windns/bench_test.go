package windns

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/event"
)

// loopReader yields body over and over, so a benchmark can decode any
// number of records from one decoder.
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

// BenchmarkDecode measures each format in steady state over its sample,
// repeated (the logs without their header, the XML without its <Events>
// wrapper; the single-array Get-WinEvent samples cannot repeat and are
// left out). Log time goes back at each turn, so waiting queries leave by
// the pending cap (64), as on a busy server, not by time. ns/op is per
// event emitted.
func BenchmarkDecode(b *testing.B) {
	for _, s := range samples {
		if strings.HasSuffix(s.file, ".json") {
			continue
		}
		b.Run(s.file, func(b *testing.B) {
			raw, err := os.ReadFile(filepath.Join("testdata", s.file))
			if err != nil {
				b.Fatal(err)
			}
			if i := bytes.Index(raw, []byte("16     Question Name")); i >= 0 {
				raw = raw[i+bytes.IndexByte(raw[i:], '\n')+1:]
			}
			raw = bytes.TrimPrefix(bytes.TrimSuffix(raw, []byte("</Events>\r\n")), []byte("<Events>\r\n"))
			o := testOpts("bench")
			o.MaxPending = 64
			d := s.open(&loopReader{body: raw}, o)
			var ev event.Event
			for range 2000 {
				if err := d.Next(&ev); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := d.Next(&ev); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
