package volume

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/detect"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

// reloadGot is the part of an alert the reload tests compare.
type reloadGot struct {
	Key        string
	QueryCount any
	TopDomains any
}

func TestReload(t *testing.T) {
	a := func(n int, from time.Time, domain string) burst {
		return burst{n: n, from: from, step: time.Second, client: "192.0.2.7", domain: domain}
	}
	b := func(n int, from time.Time) burst {
		return burst{n: n, from: from, step: time.Second, client: "192.0.2.8", domain: "b.example"}
	}
	bin1 := func(parts ...string) string {
		return alert.MakeKey(RuleID, append(parts, "2026-03-01T12:05:00Z")...)
	}
	tests := []struct {
		name          string
		before, after func(*Config)
		burstsBefore  []burst
		burstsAfter   []burst
		want          []reloadGot
		wantKeys      int64 // keys evicted
	}{
		{
			name:         "lowered threshold counts the queries before the reload",
			after:        func(c *Config) { c.Threshold = 150 },
			burstsBefore: []burst{a(100, clock(0, 0), "t.example")},
			burstsAfter:  []burst{a(60, clock(2, 0), "t.example")},
			want:         []reloadGot{{Key: bin0("192.0.2.7", ""), QueryCount: int64(160), TopDomains: alert.Names{"t.example"}}},
		},
		{
			name: "excluded client counts no more",
			after: func(c *Config) {
				c.ExcludeClients = []ClientExclusion{{CIDR: netip.MustParsePrefix("192.0.2.8/32"), Reason: "mail relay"}}
			},
			burstsBefore: []burst{a(150, clock(0, 0), "t.example"), b(150, clock(0, 0))},
			burstsAfter:  []burst{a(60, clock(3, 0), "t.example"), b(60, clock(3, 0))},
			want:         []reloadGot{{Key: bin0("192.0.2.7", ""), QueryCount: int64(210), TopDomains: alert.Names{"t.example"}}},
		},
		{
			name:  "table shape waits for the open bin to close",
			after: func(c *Config) { c.TopDomains, c.SampleNames, c.MaxKeys = 1, 1, 1 },
			burstsBefore: []burst{
				a(150, clock(0, 0), "t.example"),
				b(10, clock(0, 0)),
			},
			burstsAfter: []burst{
				a(60, clock(3, 0), "u.example"),
				b(10, clock(5, 0)),
				a(250, clock(5, 10), "t.example"), // max_keys 1: takes b's place
			},
			want: []reloadGot{
				{Key: bin0("192.0.2.7", ""), QueryCount: int64(210), TopDomains: alert.Names{"t.example", "u.example"}},
				{Key: bin1("192.0.2.7", ""), QueryCount: int64(250), TopDomains: alert.Names{"t.example"}},
			},
			wantKeys: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newReloadDetector(t, tc.before)
			var out []reloadGot
			emit := func(a *alert.Alert) {
				g := summarize(a, false)
				out = append(out, reloadGot{Key: g.Key, QueryCount: g.QueryCount, TopDomains: g.TopDomains})
			}
			feed(d, emit, tc.burstsBefore)
			if err := d.Reload(newReloadDetector(t, tc.after)); err != nil {
				t.Fatalf("reload: %v", err)
			}
			feed(d, emit, tc.burstsAfter)
			d.Flush(emit)
			if diff := cmp.Diff(tc.want, out); diff != "" {
				t.Errorf("alerts (-want +got):\n%s", diff)
			}
			if got := count(d, "keys evicted"); got != tc.wantKeys {
				t.Errorf("keys evicted = %d, want %d", got, tc.wantKeys)
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
		{name: "window", next: newReloadDetector(t, func(c *Config) { c.Window, c.Threshold = 10*time.Minute, 50 }), wantErr: "window changed from 5m0s to 10m0s"},
		{name: "another detector", next: otherDetector{}, wantErr: "new detector is a volume.otherDetector"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newReloadDetector(t, nil)
			var alerts int
			emit := func(*alert.Alert) { alerts++ }
			feed(d, emit, []burst{{n: 100, from: clock(0, 0), step: time.Second, client: "192.0.2.7", domain: "t.example"}})
			err := d.Reload(tc.next)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			d.Flush(emit)
			if alerts != 0 || count(d, "queries counted") != 100 {
				t.Errorf("after a refused reload: %d alerts, %d queries counted; want the old threshold and the counts kept", alerts, count(d, "queries counted"))
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

func feed(d *Detector, emit detect.Emit, bursts []burst) {
	for _, b := range bursts {
		evs := b.events()
		for i := range evs {
			d.Observe(&evs[i], emit)
		}
	}
}

func count(d *Detector, name string) int64 {
	for _, s := range d.Counts() {
		if s.Name == name {
			return s.Value
		}
	}
	return -1
}

// otherDetector is a detector of another type.
type otherDetector struct{}

func (otherDetector) Name() string                      { return Name }
func (otherDetector) Observe(*event.Event, detect.Emit) {}
func (otherDetector) Advance(time.Time, detect.Emit)    {}
func (otherDetector) Flush(detect.Emit)                 {}
