package event

import (
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func sample(buf []byte) Event {
	name := string(buf) // the "decoder-owned" string
	ev := Event{Kind: KindDNS, Time: time.Unix(1700000000, 5), Client: netip.MustParseAddrPort("10.0.0.1:5353"), Transport: TransportUDP}
	ev.DNS.QName = name
	ev.DNS.Answers = []RR{{Name: name, Type: TypeA, TTL: 60, Data: "192.0.2.1"}}
	ev.Host.Name = "ws1"
	ev.Enrich.Domain = "example.com"
	ev.Source = Source{Name: "f.pcap", Offset: 24}
	return ev
}

func TestCopyToIsDeep(t *testing.T) {
	buf := []byte("www.example.com")
	src := sample(buf)
	want := sample(buf)
	var dst Event
	arena := src.CopyTo(&dst, nil)
	// The decoder reuses its memory: the copy must not change.
	src.DNS.QName = "changed"
	src.DNS.Answers[0].Data = "changed"
	if d := cmp.Diff(want, dst, cmpopts.EquateComparable(netip.AddrPort{}), cmpopts.EquateEmpty()); d != "" {
		t.Fatalf("copy differs (-want +got):\n%s", d)
	}
	// Reuse of the arena and dst does not allocate.
	src = sample(buf)
	if n := testing.AllocsPerRun(100, func() { arena = src.CopyTo(&dst, arena) }); n != 0 {
		t.Errorf("CopyTo allocates %v times per call when warm", n)
	}
}

func BenchmarkCopyTo(b *testing.B) {
	src := sample([]byte("www.example.com"))
	var dst Event
	arena := src.CopyTo(&dst, nil)
	b.ReportAllocs()
	for b.Loop() {
		arena = src.CopyTo(&dst, arena)
	}
}
