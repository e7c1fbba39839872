package authns

import (
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

// BenchmarkObserveUnknown measures answered A queries under 10,000
// domains whose name servers no response showed (the common case on a
// client link): each is remembered for a later NS fact.
func BenchmarkObserveUnknown(b *testing.B) {
	d, err := New(DefaultConfig(), Deps{})
	if err != nil {
		b.Fatal(err)
	}
	emit := func(*alert.Alert) {}
	var evs []*event.Event
	for i := range 10_000 {
		zone := "site" + strconv.Itoa(i) + ".com"
		ev := &event.Event{Kind: event.KindDNS, Time: t0}
		ev.Client = netip.MustParseAddrPort("10.1.1.1:40000")
		ev.DNS.HasQuery, ev.DNS.HasResponse = true, true
		ev.DNS.QName, ev.DNS.QType, ev.Enrich.Domain = "www."+zone, event.TypeA, zone
		ev.DNS.Answers = []event.RR{{Name: "www." + zone, Type: event.TypeA, TTL: 300, Data: "198.51.100.7"}}
		evs = append(evs, ev)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ev := evs[i%len(evs)]
		ev.Time = t0.Add(time.Duration(i) * time.Millisecond)
		d.Observe(ev, emit)
		i++
	}
}

// BenchmarkObserve measures the non-alerting path: answered A queries
// (no NS records) under 1,000 domains whose NS sets are known, and
// referrals repeating a known NS set.
func BenchmarkObserve(b *testing.B) {
	d, err := New(DefaultConfig(), Deps{})
	if err != nil {
		b.Fatal(err)
	}
	emit := func(*alert.Alert) {}
	var evs []*event.Event
	for i := range 1000 {
		zone := "site" + strconv.Itoa(i) + ".com"
		ref := referral(0, "www."+zone, zone, 86400, "", "ns1.hoster.net", "ns2.hoster.net")
		ref.Enrich.Domain = zone
		d.Observe(ref, emit)
		ev := &event.Event{Kind: event.KindDNS, Time: t0}
		ev.Client = netip.MustParseAddrPort("10.1.1.1:40000")
		ev.DNS.HasQuery, ev.DNS.HasResponse = true, true
		ev.DNS.QName, ev.DNS.QType, ev.Enrich.Domain = "www."+zone, event.TypeA, zone
		ev.DNS.Answers = []event.RR{{Name: "www." + zone, Type: event.TypeA, TTL: 300, Data: "198.51.100.7"}}
		evs = append(evs, ev)
		if i%10 == 0 {
			evs = append(evs, ref)
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ev := evs[i%len(evs)]
		ev.Time = t0.Add(time.Duration(i) * time.Millisecond)
		d.Observe(ev, emit)
		i++
	}
}
