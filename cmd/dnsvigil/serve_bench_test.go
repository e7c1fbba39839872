package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	dt "github.com/dnstap/golang-dnstap"
	framestream "github.com/farsightsec/golang-framestream"
	"github.com/miekg/dns"
	"google.golang.org/protobuf/proto"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/components"
	"github.com/dnsvigil/dnsvigil/internal/input/dnstap"
)

// dnstapFrames builds n dnstap frames as a resolver sends them: client
// queries and their responses, alternately, from 500 clients, 20 µs of
// event time apart; one client in 200 runs a TXT tunnel.
func dnstapFrames(tb testing.TB, n int) [][]byte {
	rng := rand.New(rand.NewPCG(3, 5))
	start := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	names := []string{"www.example.com", "mail.example.org", "cdn.example.net", "api.example.com", "login.example.org",
		"static.example.net", "intranet.corp.test", "news.example.com", "updates.example.org", "video.example.net"}
	server := netip.MustParseAddr("10.0.0.53")
	frames := make([][]byte, 0, n)
	for i := 0; len(frames) < n; i++ {
		client := netip.AddrFrom4([4]byte{10, 1, byte(i % 500 / 250), byte(i % 250)})
		name, qtype := names[rng.IntN(len(names))], dns.TypeA
		if i%200 == 7 {
			label := make([]byte, 50)
			for j := range label {
				label[j] = "abcdefghijklmnopqrstuvwxyz234567"[rng.IntN(32)]
			}
			name, qtype, client = fmt.Sprintf("%s.t.evil-c2.test", label), dns.TypeTXT, netip.AddrFrom4([4]byte{10, 9, 9, 9})
		}
		q := new(dns.Msg)
		q.SetQuestion(dns.Fqdn(name), qtype)
		q.Id = uint16(i)
		qb, err := q.Pack()
		if err != nil {
			tb.Fatal(err)
		}
		r := new(dns.Msg)
		r.SetReply(q)
		if qtype == dns.TypeA {
			rr, _ := dns.NewRR(fmt.Sprintf("%s 300 IN A 192.0.2.%d", dns.Fqdn(name), 1+i%250))
			r.Answer = append(r.Answer, rr)
		} else {
			r.Rcode = dns.RcodeNameError
		}
		rb, err := r.Pack()
		if err != nil {
			tb.Fatal(err)
		}
		t := start.Add(time.Duration(len(frames)) * 20 * time.Microsecond)
		port := uint32(1024 + i%60000)
		for k, typ := range []dt.Message_Type{dt.Message_CLIENT_QUERY, dt.Message_CLIENT_RESPONSE} {
			m := &dt.Message{
				Type: typ.Enum(), SocketFamily: dt.SocketFamily_INET.Enum(), SocketProtocol: dt.SocketProtocol_UDP.Enum(),
				QueryAddress: client.AsSlice(), QueryPort: proto.Uint32(port),
				ResponseAddress: server.AsSlice(), ResponsePort: proto.Uint32(53),
				QueryTimeSec: proto.Uint64(uint64(t.Unix())), QueryTimeNsec: proto.Uint32(uint32(t.Nanosecond())),
			}
			if k == 0 {
				m.QueryMessage = qb
			} else {
				rt := t.Add(time.Millisecond)
				m.ResponseTimeSec, m.ResponseTimeNsec = proto.Uint64(uint64(rt.Unix())), proto.Uint32(uint32(rt.Nanosecond()))
				m.ResponseMessage = rb
			}
			b, err := proto.Marshal(&dt.Dnstap{Type: dt.Dnstap_MESSAGE.Enum(), Identity: []byte("resolver-1"), Message: m})
			if err != nil {
				tb.Fatal(err)
			}
			frames = append(frames, b)
		}
	}
	return frames[:n]
}

// BenchmarkServeDnstap measures `dnsvigil serve` end to end: dnstap frames
// over a unix socket (bidirectional Frame Streams), decoded, enriched, run
// through every detector with the default configuration, alerts to a
// queued JSON lines output. Run with -cpu 1 and -benchtime Nx (N frames);
// it reports frames/s and the engine's alert latency at that load (from the
// arrival of the batch holding the crossing event to the alert).
func BenchmarkServeDnstap(b *testing.B) {
	frames := dnstapFrames(b, b.N)
	dir := b.TempDir()
	sock := filepath.Join(dir, "dnstap.sock")
	cfg := components.DefaultConfig()
	cfg.Serve.Listen = ""
	cfg.Serve.Sources = []components.SourceConfig{{Name: "resolver"}}
	dc := defaultDnstap()
	dc.Socket = sock
	cfg.Serve.Sources[0].Dnstap = &dc
	cfg.Serve.Outputs = []components.OutputConfig{{Stdout: &struct{}{}}}
	d, err := newDaemon(cfg, "", slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	defer d.close()
	var mu sync.Mutex
	var lat []time.Duration
	d.stream.OnAlert = func(_ *alert.Alert, l time.Duration) {
		mu.Lock()
		lat = append(lat, l)
		mu.Unlock()
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.stream.Run(ctx) }()
	conn, err := net.Dial("unix", sock)
	if err != nil {
		b.Fatal(err)
	}
	w, err := framestream.NewWriter(conn, &framestream.WriterOptions{
		ContentTypes: [][]byte{[]byte("protobuf:dnstap.Dnstap")}, Bidirectional: true,
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	go func() {
		for _, f := range frames {
			if _, err := w.WriteFrame(f); err != nil {
				return
			}
		}
		w.Flush()
	}()
	for d.stream.Stats().Events.Load() < int64(b.N) {
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	w.Close()
	conn.Close()
	cancel()
	<-done
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "frames/s")
	mu.Lock()
	defer mu.Unlock()
	if len(lat) > 0 {
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-alert-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-alert-µs")
		b.ReportMetric(float64(len(lat)), "alerts")
	}
}

func defaultDnstap() dnstap.Config { return dnstap.DefaultConfig() }
