package resolve

import (
	"testing"

	"github.com/miekg/dns"

	"github.com/dnsvigil/dnsvigil/internal/dnsname"
)

// FuzzAnswer feeds arbitrary responses to the answer readers: whatever a
// resolver sends, they must not panic, and names come out canonical.
func FuzzAnswer(f *testing.F) {
	for _, recs := range [][]string{testRecords[:3], testRecords[9:12], {"x.test. 1 IN CNAME x.test.", "x.test. 1 IN A 192.0.2.1"}} {
		m := new(dns.Msg)
		m.SetQuestion("example.test.", dns.TypeNS)
		for _, s := range recs {
			rr, err := dns.NewRR(s)
			if err != nil {
				f.Fatal(err)
			}
			m.Answer = append(m.Answer, rr)
		}
		b, err := m.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m := new(dns.Msg)
		if m.Unpack(b) != nil {
			return
		}
		for _, zone := range []string{"example.test", "ns.alias.test", "x.test"} {
			for _, h := range nsHosts(m, zone) {
				if dnsname.Canonical(h) != h {
					t.Errorf("host %q not canonical", h)
				}
			}
			_ = soaOf(m, zone)
			_ = addrsOf(m, zone)
		}
	})
}
