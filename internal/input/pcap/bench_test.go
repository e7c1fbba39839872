package pcap

import (
	"bytes"
	"fmt"
	"io"
	"net/netip"
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/input/pcap/pcapgen"
)

// benchCapture is a capture of typical traffic: 64 clients asking 4
// resolvers about 256 names, each response with one or two A records.
func benchCapture(b *testing.B, pairs, answers int) []byte {
	var cfg pcapgen.Config
	cfg.Pairs, cfg.Answers = pairs, answers
	for i := range 64 {
		cfg.Clients = append(cfg.Clients, netip.AddrFrom4([4]byte{10, 1, byte(i / 250), byte(1 + i%250)}))
	}
	for i := range 4 {
		cfg.Servers = append(cfg.Servers, netip.AddrFrom4([4]byte{192, 0, 2, byte(53 + i)}))
	}
	for i := range 256 {
		cfg.Names = append(cfg.Names, fmt.Sprintf("host%d.service-%d.example.com", i, i%17))
	}
	var buf bytes.Buffer
	if err := pcapgen.Write(&buf, cfg); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkDecode measures the whole path from pcap bytes to paired events:
// reading, L2–L4, DNS decoding of query and response (with the answer
// records) and pairing. One op is one Next call, which returns one paired
// exchange built from two packets; ns/pkt and pkts/s are per packet. The
// decoder is reopened when the capture ends, which happens once every
// 100,000 packets, so setup costs vanish from the per-op figures.
func BenchmarkDecode(b *testing.B) {
	for _, answers := range []int{1, 2} {
		b.Run(fmt.Sprintf("answers=%d", answers), func(b *testing.B) {
			capture := benchCapture(b, 50_000, answers)
			r := bytes.NewReader(capture)
			open := func() *Decoder {
				r.Reset(capture)
				d, err := Open(r, input.Options{Name: "bench.pcap"})
				if err != nil {
					b.Fatal(err)
				}
				return d
			}
			d := open()
			var ev event.Event
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				err := d.Next(&ev)
				if err == io.EOF {
					d = open()
					err = d.Next(&ev)
				}
				if err != nil || !ev.DNS.HasResponse || !ev.DNS.HasQuery {
					b.Fatalf("Next: %v, %+v", err, ev.DNS)
				}
			}
			perPkt := float64(b.Elapsed().Nanoseconds()) / float64(2*b.N)
			b.ReportMetric(perPkt, "ns/pkt")
			b.ReportMetric(1e9/perPkt, "pkts/s")
		})
	}
}

// TestSteadyStateAllocs checks that, once the tables and buffers have grown
// to their working size, decoding and pairing allocate nothing per event.
func TestSteadyStateAllocs(t *testing.T) {
	var buf bytes.Buffer
	must(t, pcapgen.Write(&buf, pcapgen.Config{Pairs: 3000, Answers: 2,
		Names: []string{"a.example.com", "b.example.com", "c.example.org"}}))
	d, err := Open(bytes.NewReader(buf.Bytes()), input.Options{Name: "steady.pcap"})
	must(t, err)
	var ev event.Event
	for range 1000 {
		must(t, d.Next(&ev))
	}
	allocs := testing.AllocsPerRun(1000, func() {
		if err := d.Next(&ev); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%.2f allocations per event, want 0", allocs)
	}
}
