package querylog

import (
	"io"
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/event"
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

// BenchmarkDecode measures one query with its forwarded and reply lines
// (three log lines per event) in steady state.
func BenchmarkDecode(b *testing.B) {
	body := []byte(lines(
		"Aug  9 09:06:36 dnsmasq[1]: query[A] www.example.com from 10.0.0.5",
		"Aug  9 09:06:36 dnsmasq[1]: forwarded www.example.com to 8.8.8.8",
		"Aug  9 09:06:36 dnsmasq[1]: reply www.example.com is 93.184.216.34",
		"Aug  9 09:06:36 dnsmasq[1]: query[NULL] paaaeqhq.example.attack from 172.18.0.3",
		"Aug  9 09:06:36 dnsmasq[1]: forwarded paaaeqhq.example.attack to 172.18.0.2",
		"Aug  9 09:06:36 dnsmasq[1]: nameserver 172.18.0.2 refused to do a recursive query",
	))
	// The timestamps do not advance, so queries leave the FIFO when it is
	// full: a small cap keeps the working set like that of a live resolver.
	o := testOpts("bench.log")
	o.MaxPending = 64
	d := New(&loopReader{body: body}, o, Config{Year: 2024})
	var ev event.Event
	for range 1000 {
		if err := d.Next(&ev); err != nil && err != io.EOF {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body) / 2))
	b.ResetTimer()
	for b.Loop() {
		if err := d.Next(&ev); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
