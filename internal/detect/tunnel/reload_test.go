package tunnel

import (
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/detect"
	"github.com/dnsvigil/dnsvigil/internal/dnsname"
	"github.com/dnsvigil/dnsvigil/internal/enrich"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

// tunnelQueries returns n TXT queries carrying data under domain, the i-th
// at from + i seconds.
func tunnelQueries(n int, from time.Duration, domain string) []query {
	r := rand.New(rand.NewPCG(11, uint64(from)))
	out := make([]query, n)
	for i := range out {
		out[i] = query{name: split(randFrom(r, base32, 120), 60) + "." + domain, qtype: event.TypeTXT,
			at: from + time.Duration(i)*time.Second, rcode: event.RcodeUnknown, ttl: -1}
	}
	return out
}

func TestReload(t *testing.T) {
	keyOf := func(domain string) string { return alert.MakeKey(RuleID, "10.1.2.3", "", domain) }
	tests := []struct {
		name          string
		before, after func(*Config)
		qsBefore      []query
		qsAfter       []query
		want          []summaryOf
	}{
		{
			name:  "allow entry added",
			after: func(c *Config) { c.Allow = []Allow{{Domain: "tun.example.com", Reason: "lab tunnel"}} },
			qsBefore: append(tunnelQueries(5, 0, "tun.example.com"),
				tunnelQueries(5, 0, "c2.example.org")...),
			qsAfter: append(tunnelQueries(60, 5*time.Second, "tun.example.com"),
				tunnelQueries(60, 5*time.Second, "c2.example.org")...),
			// The other domain alerts at its tenth query: five before the
			// reload, five after.
			want: []summaryOf{{Key: keyOf("example.org"), Severity: "high", Time: t0.Add(9 * time.Second)}},
		},
		{
			name:     "lowered min_queries scores the key at its next query",
			before:   func(c *Config) { c.MinQueries = 50 },
			after:    func(c *Config) { c.MinQueries = 20 },
			qsBefore: tunnelQueries(30, 0, "tun.example.com"),
			qsAfter:  tunnelQueries(30, 30*time.Second, "tun.example.com"),
			want:     []summaryOf{{Key: keyOf("example.com"), Severity: "high", Time: t0.Add(30 * time.Second)}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newReloadDetector(t, tc.before)
			var alerts []*alert.Alert
			emit := func(a *alert.Alert) { alerts = append(alerts, a) }
			feedQueries(d, emit, tc.qsBefore)
			if err := d.Reload(newReloadDetector(t, tc.after)); err != nil {
				t.Fatalf("reload: %v", err)
			}
			feedQueries(d, emit, tc.qsAfter)
			d.Flush(emit)
			if diff := cmp.Diff(tc.want, summarise(alerts)); diff != "" {
				t.Errorf("alerts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReloadRefuses(t *testing.T) {
	tests := []struct {
		name    string
		next    detect.Detector
		wantErr string
	}{
		{name: "window", next: newReloadDetector(t, func(c *Config) { c.Window = 10 * time.Minute }), wantErr: "window changed from 5m0s to 10m0s"},
		{name: "max_keys", next: newReloadDetector(t, func(c *Config) { c.MaxKeys = 10 }), wantErr: "max_keys changed from 100000 to 10"},
		{name: "another detector", next: otherDetector{}, wantErr: "new detector is a tunnel.otherDetector"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newReloadDetector(t, func(c *Config) { c.MinQueries = 50 })
			var alerts []*alert.Alert
			emit := func(a *alert.Alert) { alerts = append(alerts, a) }
			feedQueries(d, emit, tunnelQueries(30, 0, "tun.example.com"))
			err := d.Reload(tc.next)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			feedQueries(d, emit, tunnelQueries(30, 30*time.Second, "tun.example.com"))
			// min_queries stays 50: the alert comes at the 50th query.
			want := []summaryOf{{Key: alert.MakeKey(RuleID, "10.1.2.3", "", "example.com"), Severity: "high", Time: t0.Add(49 * time.Second)}}
			if diff := cmp.Diff(want, summarise(alerts)); diff != "" {
				t.Errorf("alerts after a refused reload (-want +got):\n%s", diff)
			}
		})
	}
}

func newReloadDetector(t *testing.T, mod func(*Config)) *Detector {
	t.Helper()
	cfg := DefaultConfig()
	if mod != nil {
		mod(&cfg)
	}
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// feedQueries sends qs from one client through a name enricher to d.
func feedQueries(d *Detector, emit detect.Emit, qs []query) {
	names := enrich.NewNames(dnsname.NewPSL(dnsname.PSLOptions{}))
	for _, q := range qs {
		var ev event.Event
		ev.Kind = event.KindDNS
		ev.Time = t0.Add(q.at)
		ev.Client = netip.MustParseAddrPort("10.1.2.3:53000")
		ev.Server = netip.MustParseAddrPort("10.0.0.53:53")
		ev.DNS.HasQuery = true
		ev.DNS.QName, ev.DNS.QType, ev.DNS.RCode = q.name, q.qtype, q.rcode
		names.Enrich(&ev)
		d.Observe(&ev, emit)
	}
}

// otherDetector is a detector of another type.
type otherDetector struct{}

func (otherDetector) Name() string                      { return Name }
func (otherDetector) Observe(*event.Event, detect.Emit) {}
func (otherDetector) Advance(time.Time, detect.Emit)    {}
func (otherDetector) Flush(detect.Emit)                 {}
