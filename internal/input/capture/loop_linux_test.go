//go:build linux

package capture

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/afpacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/miekg/dns"

	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/input/pcap"
)

// step is one answer of scriptedRing: a frame, or an error; a poll
// timeout also sets the wall clock the Source reads.
type step struct {
	frame []byte
	at    time.Duration // frame time, or the wall clock after a timeout
	err   error
}

// scriptedRing is a zeroCopyReader that plays steps, then times out.
type scriptedRing struct {
	steps []step
	clock *time.Time
}

func (r *scriptedRing) ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	if len(r.steps) == 0 {
		return nil, gopacket.CaptureInfo{}, afpacket.ErrTimeout
	}
	s := r.steps[0]
	r.steps = r.steps[1:]
	if s.err != nil {
		if errors.Is(s.err, afpacket.ErrTimeout) {
			*r.clock = t0.Add(s.at)
		}
		return nil, gopacket.CaptureInfo{}, s.err
	}
	return s.frame, gopacket.CaptureInfo{Timestamp: t0.Add(s.at), CaptureLength: len(s.frame), Length: len(s.frame)}, nil
}

var t0 = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

var (
	client = netip.MustParseAddrPort("10.0.0.1:40000")
	server = netip.MustParseAddrPort("10.0.0.53:53")
)

// dnsFrame is an Ethernet/IPv4/UDP frame carrying a query for name (or its
// response) between client and server.
func dnsFrame(t *testing.T, id uint16, name string, response bool) []byte {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, dns.TypeA)
	m.Id = id
	src, dst := client, server
	if response {
		m.Response = true
		src, dst = server, client
	}
	msg, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	u := be.AppendUint16(nil, src.Port())
	u = be.AppendUint16(u, dst.Port())
	u = be.AppendUint16(u, uint16(8+len(msg)))
	u = append(be.AppendUint16(u, 0), msg...)
	ip := make([]byte, 20, 20+len(u))
	ip[0], ip[8], ip[9] = 0x45, 64, protoUDP
	be.PutUint16(ip[2:], uint16(20+len(u)))
	s4, d4 := src.Addr().As4(), dst.Addr().As4()
	copy(ip[12:], s4[:])
	copy(ip[16:], d4[:])
	return ether(etherTypeIPv4, append(ip, u...))
}

// TestLoop drives the read loop over a scripted ring: events are passed
// on, each poll timeout flushes and moves the decoder's clock to the wall
// clock, so an unanswered query comes out after the pair timeout, and a
// read error ends the loop.
func TestLoop(t *testing.T) {
	boom := errors.New("interface went down")
	var clock time.Time
	ring := &scriptedRing{clock: &clock, steps: []step{
		{frame: dnsFrame(t, 1, "answered.example.", false), at: 0},
		{frame: dnsFrame(t, 1, "answered.example.", true), at: ms(10)},
		{frame: dnsFrame(t, 2, "lost.example.", false), at: ms(20)},
		{err: afpacket.ErrTimeout, at: ms(500)},  // clock before lost's deadline
		{err: afpacket.ErrTimeout, at: ms(1500)}, // past it
		{err: boom},
	}}
	src, dec, out := loopFixture(t, ring)
	var snapshots int
	err := src.loop(context.Background(), dec, out, func() { snapshots++ })
	if !errors.Is(err, boom) {
		t.Fatalf("loop = %v, want the ring's error", err)
	}
	type seen struct {
		Name            string
		Query, Response bool
		At              time.Duration
	}
	var got []seen
	for _, ev := range out.events {
		got = append(got, seen{ev.DNS.QName, ev.DNS.HasQuery, ev.DNS.HasResponse, ev.Time.Sub(t0)})
	}
	want := []seen{{"answered.example", true, true, 0}, {"lost.example", true, false, ms(20)}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	// One flush for the tick of the first frame, one per timeout, one at
	// the error; a snapshot for the tick and each timeout.
	if out.flushes != 4 || snapshots != 3 {
		t.Errorf("%d flushes and %d snapshots, want 4 and 3", out.flushes, snapshots)
	}
}

// TestLoopCancel checks that a cancelled context ends the loop at the next
// poll timeout, without error.
func TestLoopCancel(t *testing.T) {
	var clock time.Time
	src, dec, out := loopFixture(t, &scriptedRing{clock: &clock})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := src.loop(ctx, dec, out, func() {}); err != nil {
		t.Errorf("loop = %v, want nil", err)
	}
}

// TestRingReaderTicks checks that the reader returns errTick once per
// PollTimeout of packet time and then the frame it held back.
func TestRingReaderTicks(t *testing.T) {
	f := []byte{1}
	var clock time.Time
	rr := &ringReader{every: ms(100), tp: &scriptedRing{clock: &clock, steps: []step{
		{frame: f, at: 0}, {frame: f, at: ms(50)}, {frame: f, at: ms(100)}, {frame: f, at: ms(150)},
		{frame: f, at: ms(90)}, // the clock stepped back
	}}}
	var got []string
	for range 8 {
		_, ts, _, err := rr.ReadPacket()
		switch {
		case err == errTick:
			got = append(got, "tick")
		case err != nil:
			got = append(got, "timeout")
		default:
			got = append(got, ts.Sub(t0).String())
		}
	}
	want := []string{"tick", "0s", "50ms", "tick", "100ms", "150ms", "tick", "90ms"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("reads (-want +got):\n%s", diff)
	}
}

func loopFixture(t *testing.T, ring *scriptedRing) (*Source, *pcap.Decoder, *fakeOut) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Interface = "test0"
	src, err := New(cfg, input.Options{PairTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	src.now = func() time.Time { return *ring.clock }
	dec, err := pcap.NewPackets(&ringReader{tp: ring, every: cfg.PollTimeout}, layers.LinkTypeEthernet, src.opts)
	if err != nil {
		t.Fatal(err)
	}
	return src, dec, newFakeOut()
}

func ms(n int64) time.Duration { return time.Duration(n) * time.Millisecond }
