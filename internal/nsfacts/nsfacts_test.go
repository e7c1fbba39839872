package nsfacts

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/event"
)

// referral is a TLD server's answer delegating corp-victim.test, as the lab
// capture testdata/lab/ns-change/inet.pcap.gz has it.
func referral() *event.Event {
	ev := &event.Event{Kind: event.KindDNS}
	ev.DNS.HasQuery, ev.DNS.HasResponse = true, true
	ev.DNS.QName, ev.DNS.QType = "www.corp-victim.test", event.TypeA
	ev.DNS.Authority = []event.RR{
		{Name: "corp-victim.test", Type: event.TypeNS, TTL: 30, Data: "ns1.evil-c2.test"},
		{Name: "corp-victim.test", Type: event.TypeNS, TTL: 30, Data: "NS2.Evil-C2.test."},
		{Name: "test", Type: event.TypeSOA, TTL: 60, Data: "a.nic.test. hostmaster.nic.test. 2026112801 7200 900 1209600 60"},
	}
	ev.DNS.Additional = []event.RR{
		{Name: "ns1.evil-c2.test", Type: event.TypeA, TTL: 60, Data: "203.0.113.53"},
		{Name: "ns2.evil-c2.test", Type: event.TypeAAAA, TTL: 60, Data: "::ffff:203.0.113.54"},
		{Name: "ns2.evil-c2.test", Type: event.TypeA, TTL: 60, Data: "not an address"},
	}
	return ev
}

func TestFacts(t *testing.T) {
	ev := referral()
	var got []string
	EachNS(ev, func(zone, host string, ttl uint32, s Section) {
		got = append(got, fmt.Sprintf("NS %s %s %d %s", zone, host, ttl, s))
	})
	EachAddr(ev, func(name string, a netip.Addr, ttl uint32, s Section) {
		got = append(got, fmt.Sprintf("ADDR %s %s %d %s", name, a, ttl, s))
	})
	EachSOA(ev, func(soa SOA, s Section) {
		got = append(got, fmt.Sprintf("SOA %s %s %s %d %s", soa.Zone, soa.MName, soa.RName, soa.Serial, s))
	})
	want := []string{
		"NS corp-victim.test ns1.evil-c2.test 30 authority",
		"NS corp-victim.test ns2.evil-c2.test 30 authority",
		"ADDR ns1.evil-c2.test 203.0.113.53 60 additional",
		"ADDR ns2.evil-c2.test 203.0.113.54 60 additional",
		"SOA test a.nic.test hostmaster.nic.test 2026112801 authority",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("facts (-want +got):\n%s", d)
	}
	ev.DNS.HasResponse = false
	n := 0
	EachNS(ev, func(string, string, uint32, Section) { n++ })
	if n != 0 {
		t.Errorf("a query without a response gave %d NS facts", n)
	}
}

func TestParseSOA(t *testing.T) {
	tests := []struct {
		data string
		want SOA
		ok   bool
	}{
		{"ns1.example.com. hostmaster.example.com. 2026112801 7200 3600 1209600 300", SOA{MName: "ns1.example.com", RName: "hostmaster.example.com", Serial: 2026112801}, true},
		{"  NS1.Example.COM  root.example.com 7 1 1 1 1", SOA{MName: "ns1.example.com", RName: "root.example.com", Serial: 7}, true},
		{"ns1.example.com. hostmaster.example.com.", SOA{}, false},
		{"ns1.example.com. hostmaster.example.com. 99999999999", SOA{}, false},
		{"", SOA{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.data, func(t *testing.T) {
			got, ok := ParseSOA(tc.data)
			if ok != tc.ok || got != tc.want {
				t.Errorf("ParseSOA = %+v, %v; want %+v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestInBailiwick(t *testing.T) {
	for _, tc := range []struct {
		host, zone string
		want       bool
	}{
		{"ns1.evil-c2.test", "evil-c2.test", true},
		{"evil-c2.test", "evil-c2.test", true},
		{"ns1.notevil-c2.test", "evil-c2.test", false},
		{"ns1.legit-provider.test", "corp-victim.test", false},
	} {
		if got := InBailiwick(tc.host, tc.zone); got != tc.want {
			t.Errorf("InBailiwick(%q, %q) = %v", tc.host, tc.zone, got)
		}
	}
}

// BenchmarkFacts walks a referral as decoders write it (canonical data).
func BenchmarkFacts(b *testing.B) {
	ev := referral()
	ev.DNS.Authority[1].Data = "ns2.evil-c2.test"
	ev.DNS.Additional = ev.DNS.Additional[:2]
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		EachNS(ev, func(string, string, uint32, Section) { n++ })
		EachAddr(ev, func(string, netip.Addr, uint32, Section) { n++ })
		EachSOA(ev, func(SOA, Section) { n++ })
	}
}
