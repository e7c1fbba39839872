//go:build linux

package capture

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/miekg/dns"
	"golang.org/x/sys/unix"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

// needCapture skips the test when this process may not open an AF_PACKET
// socket (it needs CAP_NET_RAW), except under CI=true as root, where the
// capture tests must run.
func needCapture(t *testing.T) {
	t.Helper()
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err == nil {
		unix.Close(fd)
		return
	}
	if os.Getenv("CI") == "true" && os.Geteuid() == 0 {
		t.Fatalf("CI=true as root, but an AF_PACKET socket cannot be opened: %v", err)
	}
	t.Skipf("skipping live capture test: an AF_PACKET socket needs CAP_NET_RAW (run as root or grant it): %v", err)
}

// fakeOut is an input.Out that keeps copies of the events.
type fakeOut struct {
	mu      sync.Mutex
	events  []event.Event
	errs    []error
	flushes int
	more    chan struct{} // signalled after each event
}

func newFakeOut() *fakeOut { return &fakeOut{more: make(chan struct{}, 1)} }

func (o *fakeOut) Event(ev *event.Event) {
	var dst event.Event
	ev.CopyTo(&dst, nil)
	o.mu.Lock()
	o.events = append(o.events, dst)
	o.mu.Unlock()
	select {
	case o.more <- struct{}{}:
	default:
	}
}

func (o *fakeOut) Error(err error) {
	o.mu.Lock()
	o.errs = append(o.errs, err)
	o.mu.Unlock()
}

func (o *fakeOut) Flush() {
	o.mu.Lock()
	o.flushes++
	o.mu.Unlock()
}

func (o *fakeOut) Mark(input.Position) { o.Flush() }
func (o *fakeOut) Fork() input.Out     { return o }
func (o *fakeOut) Close()              {}

// waitFor waits until ok holds for the events so far, failing after a
// generous deadline (a failure bound, not a timing assertion).
func (o *fakeOut) waitFor(t *testing.T, what string, ok func([]event.Event) bool) []event.Event {
	t.Helper()
	deadline := time.After(20 * time.Second)
	poll := time.NewTicker(20 * time.Millisecond) // ok may read other outputs too
	defer poll.Stop()
	for {
		o.mu.Lock()
		evs := append([]event.Event(nil), o.events...)
		o.mu.Unlock()
		if ok(evs) {
			return evs
		}
		select {
		case <-o.more:
		case <-poll.C:
		case <-deadline:
			t.Fatalf("timed out waiting for %s; %d events so far", what, len(evs))
		}
	}
}

// startCapture runs a capture of ports on lo until the test ends, and
// returns once its socket is ready.
func startCapture(t *testing.T, opts input.Options, ports ...uint16) (*Source, *fakeOut) {
	t.Helper()
	return startConfigured(t, loConfig(ports...), opts)
}

// loConfig is a small capture of ports on lo.
func loConfig(ports ...uint16) Config {
	cfg := DefaultConfig()
	cfg.Interface, cfg.Ports = "lo", ports
	cfg.RingMB, cfg.BlockKB, cfg.SnapLen = 2, 128, 65535
	cfg.PollTimeout = 50 * time.Millisecond
	return cfg
}

// startConfigured runs a capture with cfg until the test ends, and returns
// once its socket is ready.
func startConfigured(t *testing.T, cfg Config, opts input.Options) (*Source, *fakeOut) {
	t.Helper()
	src, err := New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	out, stop := runSource(t, src)
	t.Cleanup(stop)
	return src, out
}

// runSource starts src.Run and returns once its socket is ready; stop
// cancels it and checks that it ended without error.
func runSource(t *testing.T, src *Source) (out *fakeOut, stop func()) {
	t.Helper()
	ready := make(chan struct{})
	src.opened = func() { close(ready) }
	out = newFakeOut()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, out) }()
	stop = func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
	select {
	case <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("Run ended before the socket was ready: %v", err)
	}
	return out, stop
}

// dnsServer answers every A query with 192.0.2.1 on UDP and TCP at the
// same loopback port.
func dnsServer(t *testing.T) netip.AddrPort {
	t.Helper()
	h := dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		m.Answer = append(m.Answer, &dns.A{
			Hdr: dns.RR_Header{Name: q.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60},
			A:   net.IPv4(192, 0, 2, 1),
		})
		_ = w.WriteMsg(m)
	})
	var pc net.PacketConn
	var ln net.Listener
	for range 20 { // find a port free for both UDP and TCP
		var err error
		if pc, err = net.ListenPacket("udp4", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		if ln, err = net.Listen("tcp4", pc.LocalAddr().String()); err == nil {
			break
		}
		pc.Close()
		pc = nil
	}
	if pc == nil {
		t.Fatal("no loopback port free for both UDP and TCP")
	}
	servers := []*dns.Server{{PacketConn: pc, Handler: h}, {Listener: ln, Handler: h}}
	for _, s := range servers {
		go func() { _ = s.ActivateAndServe() }()
	}
	t.Cleanup(func() {
		for _, s := range servers {
			_ = s.Shutdown()
		}
	})
	return netip.MustParseAddrPort(pc.LocalAddr().String())
}

// TestLiveLoopback captures queries sent to a miekg/dns server on lo and
// checks that they come out paired with their responses, over UDP and TCP.
func TestLiveLoopback(t *testing.T) {
	needCapture(t)
	server := dnsServer(t)
	src, out := startCapture(t, input.Options{}, server.Port())
	want := exchanges(t, server, "lo", 10)
	evs := out.waitFor(t, "20 paired exchanges", pairedAll(want))
	seen := map[string]bool{}
	for _, ev := range evs {
		tr, ok := want[ev.DNS.QName]
		if !ok {
			continue
		}
		t.Run(ev.DNS.QName, func(t *testing.T) {
			switch {
			case seen[ev.DNS.QName]:
				t.Errorf("exchange reported twice")
			case !ev.DNS.HasQuery || !ev.DNS.HasResponse:
				t.Errorf("query %v, response %v, want both", ev.DNS.HasQuery, ev.DNS.HasResponse)
			case ev.Transport != tr:
				t.Errorf("transport %v, want %v", ev.Transport, tr)
			case ev.Server != server || ev.Client.Addr() != server.Addr():
				t.Errorf("client %v server %v, want server %v", ev.Client, ev.Server, server)
			case len(ev.DNS.Answers) != 1 || ev.DNS.Answers[0].Data != "192.0.2.1":
				t.Errorf("answers %+v", ev.DNS.Answers)
			case ev.DNS.RTT < 0 || ev.Time.IsZero():
				t.Errorf("time %v, rtt %v", ev.Time, ev.DNS.RTT)
			}
			seen[ev.DNS.QName] = true
		})
	}
	counts := countMap(src.Counts())
	for _, name := range []string{"packets received", "packets dropped by kernel", "ring freezes", "paired exchanges"} {
		if _, ok := counts[name]; !ok {
			t.Errorf("Counts lacks %q: %v", name, counts)
		}
	}
	if n := counts["repeated queries"]; n != 0 {
		t.Errorf("%d repeated queries: loopback frames seen twice", n)
	}
	out.mu.Lock()
	defer out.mu.Unlock()
	if out.errs != nil {
		t.Errorf("record errors: %v", out.errs)
	}
}

// exchanges sends n queries over UDP and n over TCP to server and returns
// the names asked (without the final dot) with their transport.
func exchanges(t *testing.T, server netip.AddrPort, tag string, n int) map[string]event.Transport {
	t.Helper()
	want := map[string]event.Transport{}
	for i := range n {
		for _, netw := range []string{"udp", "tcp"} {
			name := fmt.Sprintf("q%d-%s.%s.example.", i, netw, tag)
			m := new(dns.Msg)
			m.SetQuestion(name, dns.TypeA)
			c := &dns.Client{Net: netw, Timeout: 5 * time.Second}
			r, _, err := c.Exchange(m, server.String())
			if err != nil || len(r.Answer) != 1 {
				t.Fatalf("%s query %s: %v %v", netw, name, err, r)
			}
			tr := event.TransportUDP
			if netw == "tcp" {
				tr = event.TransportTCP
			}
			want[name[:len(name)-1]] = tr
		}
	}
	return want
}

// pairedAll reports whether every name in want came out as a paired
// exchange.
func pairedAll(want map[string]event.Transport, more ...*fakeOut) func([]event.Event) bool {
	return func(evs []event.Event) bool {
		for _, o := range more {
			o.mu.Lock()
			evs = append(evs, o.events...)
			o.mu.Unlock()
		}
		n := 0
		for _, ev := range evs {
			if _, ok := want[ev.DNS.QName]; ok && ev.DNS.HasQuery && ev.DNS.HasResponse {
				n++
			}
		}
		return n == len(want)
	}
}

// TestLiveOptions runs the capture with a -ddd filter instead of the built
// one, in promiscuous mode, and as two sockets of one fanout group, which
// between them must see every exchange paired (both directions of a flow
// reach the same socket).
func TestLiveOptions(t *testing.T) {
	needCapture(t)
	server := dnsServer(t)
	t.Run("ddd filter and promisc", func(t *testing.T) {
		cfg := loConfig(server.Port())
		prog, err := DNSFilter([]uint16{server.Port()}, layers.LinkTypeEthernet, 65535)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Filter, cfg.Promisc = FormatProgram(prog), true
		_, out := startConfigured(t, cfg, input.Options{})
		out.waitFor(t, "paired exchanges", pairedAll(exchanges(t, server, "ddd", 3)))
	})
	t.Run("fanout", func(t *testing.T) {
		cfg := loConfig(server.Port())
		cfg.FanoutGroup = 1 + os.Getpid()%60000
		_, a := startConfigured(t, cfg, input.Options{})
		_, b := startConfigured(t, cfg, input.Options{})
		want := exchanges(t, server, "fanout", 10)
		a.waitFor(t, "paired exchanges on the two sockets", pairedAll(want, b))
		for _, o := range []*fakeOut{a, b} {
			o.mu.Lock()
			for _, ev := range o.events {
				if !ev.DNS.HasQuery || !ev.DNS.HasResponse {
					t.Errorf("%s: query %v response %v: a flow was split between sockets", ev.DNS.QName, ev.DNS.HasQuery, ev.DNS.HasResponse)
				}
			}
			t.Logf("one socket saw %d exchanges", len(o.events))
			o.mu.Unlock()
		}
	})
}

// TestLiveCountsAcrossRuns runs one Source twice: its counters go on
// from the first run's totals.
func TestLiveCountsAcrossRuns(t *testing.T) {
	needCapture(t)
	server := dnsServer(t)
	src, err := New(loConfig(server.Port()), input.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var totals []map[string]int64
	for run := range 2 {
		out, stop := runSource(t, src)
		out.waitFor(t, "paired exchanges", pairedAll(exchanges(t, server, fmt.Sprint("run", run), 2)))
		stop()
		totals = append(totals, countMap(src.Counts()))
	}
	for _, name := range []string{"paired exchanges", "packets", "packets received"} {
		if first, second := totals[0][name], totals[1][name]; first == 0 || second <= first {
			t.Errorf("%s: %d after the first run, %d after the second; want it to go on", name, first, second)
		}
	}
}

// TestLiveUnanswered sends a query to a loopback port where nothing
// answers: once the interface is quiet for the pair timeout, the query
// must come out alone.
func TestLiveUnanswered(t *testing.T) {
	needCapture(t)
	sink, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	server := netip.MustParseAddrPort(sink.LocalAddr().String())
	_, out := startCapture(t, input.Options{PairTimeout: 300 * time.Millisecond}, server.Port())

	m := new(dns.Msg)
	m.SetQuestion("nobody-answers.example.", dns.TypeTXT)
	wire, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("udp4", server.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write(wire); err != nil {
		t.Fatal(err)
	}
	evs := out.waitFor(t, "the unanswered query", func(evs []event.Event) bool {
		return len(evs) > 0
	})
	ev := evs[0]
	if ev.DNS.QName != "nobody-answers.example" || !ev.DNS.HasQuery || ev.DNS.HasResponse || ev.Server != server {
		t.Errorf("event = %s query=%v response=%v server=%v, want the query alone to %v",
			ev.DNS.QName, ev.DNS.HasQuery, ev.DNS.HasResponse, ev.Server, server)
	}
}

// TestRunErrors checks what Run reports for an interface it cannot read.
func TestRunErrors(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Interface = "no-such-if0"
	src, err := New(cfg, input.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = src.Run(context.Background(), newFakeOut())
	if err == nil || !errors.Is(err, unix.ENODEV) {
		t.Errorf("Run = %v, want an error wrapping ENODEV", err)
	}
}

func countMap(cs []input.Count) map[string]int64 {
	m := map[string]int64{}
	for _, c := range cs {
		m[c.Name] = c.Value
	}
	return m
}
