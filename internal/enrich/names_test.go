package enrich

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/dnsname"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

func TestNames(t *testing.T) {
	en := NewNames(dnsname.NewPSL(dnsname.PSLOptions{}))
	tests := []struct {
		name  string
		kind  event.Kind
		qname string
		want  event.Enrich
	}{
		{"co.uk", event.KindDNS, "www.bbc.co.uk", event.Enrich{Domain: "bbc.co.uk", Suffix: "co.uk", Labels: 4}},
		{"tunnel label", event.KindDNS, "aGVsbG8.t.evil-c2.test", event.Enrich{Domain: "evil-c2.test", Suffix: "test", Labels: 4}},
		{"escaped dot stays in its label", event.KindDNS, `attacker\.example.test`, event.Enrich{Domain: `attacker\.example.test`, Suffix: "test", Labels: 2}},
		{"bare suffix", event.KindDNS, "com", event.Enrich{Suffix: "com", Labels: 1}},
		{"not dns", event.KindConn, "www.example.com", event.Enrich{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev := event.Event{Kind: tc.kind}
			ev.DNS.QName = tc.qname
			en.Enrich(&ev)
			if d := cmp.Diff(tc.want, ev.Enrich); d != "" {
				t.Errorf("enrich mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func BenchmarkNames(b *testing.B) {
	en := NewNames(dnsname.NewPSL(dnsname.PSLOptions{}))
	ev := event.Event{Kind: event.KindDNS}
	ev.DNS.QName = "clients4.google.com"
	b.ReportAllocs()
	for b.Loop() {
		en.Enrich(&ev)
	}
}
