package defender

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

// loopReader yields head once, then body over and over, so a benchmark can
// decode any number of rows from one decoder.
type loopReader struct {
	head, body []byte
	off        int
}

func (l *loopReader) Read(p []byte) (int, error) {
	if len(l.head) > 0 {
		n := copy(p, l.head)
		l.head = l.head[n:]
		return n, nil
	}
	n := 0
	for n < len(p) {
		c := copy(p[n:], l.body[l.off:])
		n += c
		l.off = (l.off + c) % len(l.body)
	}
	return n, nil
}

// splitFirstLine returns the header line and the rest.
func splitFirstLine(b []byte) (head, body []byte) {
	i := bytes.IndexByte(b, '\n')
	return b[:i+1], b[i+1:]
}

func benchDecode(b *testing.B, d *Decoder) {
	var ev event.Event
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := d.Next(&ev); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkDecodeCSV(b *testing.B) {
	for _, name := range []string{"network", "registry", "dns", "process"} {
		b.Run(name, func(b *testing.B) {
			head, body := splitFirstLine(readTestdata(b, name+".csv"))
			benchDecode(b, NewCSV(&loopReader{head: head, body: body}, input.Options{Name: "bench"}))
		})
	}
}

func BenchmarkDecodeJSON(b *testing.B) {
	for _, name := range []string{"network", "dns"} {
		b.Run(name+" lines", func(b *testing.B) {
			res := decodeJSON(b, "x", readTestdata(b, jsonFile[name]))
			if len(res.Events) == 0 {
				b.Fatal("no events")
			}
			body := readTestdata(b, jsonFile[name])
			if name == "network" {
				body = compactLines(b, body)
			}
			benchDecode(b, NewJSON(&loopReader{body: body}, input.Options{Name: "bench"}))
		})
	}
}

// compactLines rewrites a JSON array file as JSON lines.
func compactLines(b *testing.B, arr []byte) []byte {
	var out bytes.Buffer
	d := NewJSON(bytes.NewReader(arr), input.Options{})
	src := d.json
	for {
		_, _, err := src.next(d)
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		var c bytes.Buffer
		if err := jsonCompact(&c, src.buf); err != nil {
			b.Fatal(err)
		}
		out.Write(c.Bytes())
		out.WriteByte('\n')
	}
	return out.Bytes()
}

func jsonCompact(dst *bytes.Buffer, src []byte) error { return json.Compact(dst, src) }
