package tunnel

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/dnsname"
	"github.com/dnsvigil/dnsvigil/internal/enrich"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// query is one synthetic query of a scenario.
type query struct {
	name  string
	qtype uint16
	at    time.Duration // after t0
	rcode uint16        // event.RcodeUnknown when no response
	// Response details, when set: message sizes and the first answer's TTL
	// (ttl < 0: no answer records).
	qsize, rsize int
	ttl          int
}

// scenario builds n queries from a generator called with the query index
// and a seeded random source, every step apart.
func scenario(n int, step time.Duration, gen func(i int, r *rand.Rand) (string, uint16)) []query {
	r := rand.New(rand.NewPCG(7, uint64(n)))
	out := make([]query, n)
	for i := range out {
		name, qt := gen(i, r)
		out[i] = query{name: name, qtype: qt, at: time.Duration(i) * step, rcode: event.RcodeNoError, ttl: -1}
	}
	return out
}

func randFrom(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// split cuts s into labels of at most n bytes.
func split(s string, n int) string {
	var parts []string
	for len(s) > n {
		parts = append(parts, s[:n])
		s = s[n:]
	}
	return strings.Join(append(parts, s), ".")
}

const (
	base32 = "abcdefghijklmnopqrstuvwxyz234567"
	hex    = "0123456789abcdef"
	base64 = "abcdefghijklmnopqrstuvwxyz0123456789+/"
)

// base128 is iodine's raw encoding as a canonical name writes it: plain
// letters and digits with escaped high bytes.
func base128(r *rand.Rand, n int) string {
	var b strings.Builder
	for b.Len() < n {
		if r.IntN(3) == 0 {
			fmt.Fprintf(&b, "\\%03d", 128+r.IntN(128))
		} else {
			b.WriteByte(base64[r.IntN(36)])
		}
	}
	return b.String()
}

// run feeds qs from one client through a real name enricher and the
// detector, and returns the alerts.
func run(t *testing.T, cfg Config, qs []query) []*alert.Alert {
	t.Helper()
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	names := enrich.NewNames(dnsname.NewPSL(dnsname.PSLOptions{}))
	var alerts []*alert.Alert
	emit := func(a *alert.Alert) { alerts = append(alerts, a) }
	for _, q := range qs {
		var ev event.Event
		ev.Kind = event.KindDNS
		ev.Time = t0.Add(q.at)
		ev.Client = netip.MustParseAddrPort("10.1.2.3:53000")
		ev.Server = netip.MustParseAddrPort("10.0.0.53:53")
		ev.DNS.HasQuery = true
		ev.DNS.QName, ev.DNS.QType, ev.DNS.RCode = q.name, q.qtype, q.rcode
		ev.DNS.HasResponse = q.rcode != event.RcodeUnknown
		ev.DNS.QuerySize, ev.DNS.ResponseSize = q.qsize, q.rsize
		if q.ttl >= 0 {
			ev.DNS.Answers = []event.RR{{Name: q.name, Type: q.qtype, TTL: uint32(q.ttl)}}
		}
		names.Enrich(&ev)
		d.Observe(&ev, emit)
	}
	d.Flush(emit)
	return alerts
}

// outcome is what a scenario is checked against: the severity of the
// first alert (or "none") and the domain of every alert.
func outcome(alerts []*alert.Alert) (string, []string) {
	if len(alerts) == 0 {
		return "none", nil
	}
	var doms []string
	for _, a := range alerts {
		doms = append(doms, a.Domain)
	}
	return alerts[0].Severity.String(), doms
}

func TestScenarios(t *testing.T) {
	popular := []string{"google.com", "microsoft.com", "github.com", "wikipedia.org", "bbc.co.uk", "amazon.com", "office.com", "apple.com", "cloudflare.com", "mozilla.org"}
	prefixes := []string{"www", "api", "static", "login", "cdn", "img", "docs", "mail"}
	tests := []struct {
		name string
		qs   []query
		// want is the severity of the first alert ("none" for no alert),
		// or one of several when a shape may reach either.
		want   []string
		domain string
	}{
		{
			name: "iodine NULL queries, 100-byte base32 and base128 labels",
			qs: scenario(200, 100*time.Millisecond, func(i int, r *rand.Rand) (string, uint16) {
				data := randFrom(r, base32, 100)
				if i%2 == 1 {
					data = base128(r, 100)
				}
				return "p" + split(data, 60) + ".t1.pirate.example", event.TypeNULL
			}),
			want: []string{"high"}, domain: "pirate.example",
		},
		{
			name: "dnscat2 hex labels over TXT, CNAME and MX",
			qs: scenario(150, 200*time.Millisecond, func(i int, r *rand.Rand) (string, uint16) {
				types := []uint16{event.TypeTXT, event.TypeCNAME, event.TypeMX}
				return split(randFrom(r, hex, 36+r.IntN(60)), 63) + ".c2server.net", types[i%3]
			}),
			want: []string{"high"}, domain: "c2server.net",
		},
		{
			name: "dns2tcp base64 TXT",
			qs: scenario(120, 50*time.Millisecond, func(i int, r *rand.Rand) (string, uint16) {
				return split(randFrom(r, base64, 150), 63) + ".dns2tcp.hsc-lab.fr", event.TypeTXT
			}),
			want: []string{"high"}, domain: "hsc-lab.fr",
		},
		{
			name: "DNSExfiltrator base32 TXT chunks",
			qs: scenario(80, 20*time.Millisecond, func(i int, r *rand.Rand) (string, uint16) {
				if i == 0 {
					return "init." + randFrom(r, base32, 40) + ".base64.exfil-lab.org", event.TypeTXT
				}
				return strconv.Itoa(i) + "." + split(randFrom(r, base32, 180), 63) + ".exfil-lab.org", event.TypeTXT
			}),
			want: []string{"high"}, domain: "exfil-lab.org",
		},
		{
			name: "slow channel, one TXT query every 10 s for 10 min",
			qs: scenario(60, 10*time.Second, func(i int, r *rand.Rand) (string, uint16) {
				return randFrom(r, base32, 48) + ".slow-c2.com", event.TypeTXT
			}),
			want: []string{"medium", "high"}, domain: "slow-c2.com",
		},
		{
			name: "benign: CDN with short hashed subdomains, A queries",
			qs: scenario(300, time.Second, func(i int, r *rand.Rand) (string, uint16) {
				return randFrom(r, hex, 8) + ".cdn.cdnprovider.net", event.TypeA
			}),
			want: []string{"none"},
		},
		{
			name: "benign: anti-virus hash lookups under a listed domain",
			qs: scenario(300, 500*time.Millisecond, func(i int, r *rand.Rand) (string, uint16) {
				return randFrom(r, hex, 40) + ".avqs.mcafee.com", event.TypeA
			}),
			want: []string{"none"},
		},
		{
			name: "benign: DNSBL lookups of reversed IPs",
			qs: scenario(300, 500*time.Millisecond, func(i int, r *rand.Rand) (string, uint16) {
				return fmt.Sprintf("%d.%d.%d.%d.zen.spamhaus.org", r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256)), event.TypeA
			}),
			want: []string{"none"},
		},
		{
			name: "benign: reverse PTR sweep",
			qs: scenario(256, 100*time.Millisecond, func(i int, r *rand.Rand) (string, uint16) {
				return fmt.Sprintf("%d.1.168.192.in-addr.arpa", i), event.TypePTR
			}),
			want: []string{"none"},
		},
		{
			name: "benign: service records and autodiscovery",
			qs: scenario(100, 100*time.Millisecond, func(i int, r *rand.Rand) (string, uint16) {
				return "_ldap._tcp." + randFrom(r, hex, 32) + "._msdcs.corp-example.com", event.TypeSRV
			}),
			want: []string{"none"},
		},
		{
			name: "benign: browsing many distinct domains",
			qs: scenario(600, 500*time.Millisecond, func(i int, r *rand.Rand) (string, uint16) {
				types := []uint16{event.TypeA, event.TypeAAAA, event.TypeHTTPS}
				return prefixes[r.IntN(len(prefixes))] + "." + popular[r.IntN(len(popular))], types[r.IntN(3)]
			}),
			want: []string{"none"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			alerts := run(t, DefaultConfig(), tc.qs)
			sev, doms := outcome(alerts)
			ok := false
			for _, w := range tc.want {
				ok = ok || w == sev
			}
			if !ok {
				t.Errorf("first alert severity %s, want one of %v", sev, tc.want)
			}
			var wantDoms []string
			for range doms {
				wantDoms = append(wantDoms, tc.domain)
			}
			if d := cmp.Diff(wantDoms, doms); d != "" {
				t.Errorf("alert domains (-want +got):\n%s", d)
			}
			for _, a := range alerts {
				s, _ := a.Get("score")
				t.Logf("%s %s score %v: %s", a.Severity, a.Key, s, a.Summary)
			}
		})
	}
}
