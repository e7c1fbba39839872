package authns

import (
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

func TestReload(t *testing.T) {
	const day = 86400
	tests := []struct {
		name       string
		before     func(*Config)
		after      func(*Config)
		evsBefore  []*event.Event
		evsAfter   []*event.Event
		want       []string // zones alerted
		wantCounts map[string]int64
	}{
		{
			name: "exclusion added; a move seen across the reload still alerts",
			after: func(c *Config) {
				c.Exclusions = []Exclusion{{Domain: "victim.com", Reason: "planned migration"}}
			},
			evsBefore: []*event.Event{
				referral(0, "www.victim.com", "victim.com", day, "", "ns1.hoster.net", "ns2.hoster.net"),
				referral(time.Minute, "www.target.com", "target.com", day, "", "ns1.hoster.net", "ns2.hoster.net"),
			},
			evsAfter: []*event.Event{
				referral(time.Hour, "mail.victim.com", "victim.com", day, "", "ns1.attacker.org", "ns2.attacker.org"),
				referral(time.Hour, "mail.target.com", "target.com", day, "", "ns1.bad.org", "ns2.bad.org"),
			},
			want:       []string{"target.com"},
			wantCounts: map[string]int64{"zones excluded": 1, "zones tracked": 2},
		},
		{
			name:  "lowered medium_score scores a known zone again",
			after: func(c *Config) { c.MediumScore = 25 },
			evsBefore: []*event.Event{
				referral(0, "www.small.com", "small.com", day, "", "ns1.small.com", "ns2.small.com"),
			},
			evsAfter: []*event.Event{
				referral(time.Minute, "mail.small.com", "small.com", day, ""),
			},
			want: []string{"small.com"},
		},
		{
			name:   "smaller max_domains evicts the least recent zones",
			before: func(c *Config) { c.MaxDomains = 10 },
			after:  func(c *Config) { c.MaxDomains = 2 },
			evsBefore: []*event.Event{
				referral(0, "www.a.com", "a.com", day, "", "ns1.hoster.net"),
				referral(time.Minute, "www.b.com", "b.com", day, "", "ns1.hoster.net"),
				referral(2*time.Minute, "www.c.com", "c.com", day, "", "ns1.hoster.net"),
			},
			wantCounts: map[string]int64{"zones tracked": 2, "zones evicted": 1},
		},
		{
			name:      "turned off",
			after:     func(c *Config) { c.Enabled = false },
			evsBefore: []*event.Event{referral(0, "www.victim.com", "victim.com", day, "", "ns1.hoster.net")},
			evsAfter:  []*event.Event{referral(time.Hour, "www.victim.com", "victim.com", day, "", "ns1.attacker.org")},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newReloadDetector(t, tc.before)
			names := enrich.NewNames(dnsname.NewPSL(dnsname.PSLOptions{}))
			var zones []string
			emit := func(a *alert.Alert) { zones = append(zones, a.Domain) }
			for _, ev := range tc.evsBefore {
				names.Enrich(ev)
				d.Observe(ev, emit)
			}
			if err := d.Reload(newReloadDetector(t, tc.after)); err != nil {
				t.Fatalf("reload: %v", err)
			}
			for _, ev := range tc.evsAfter {
				names.Enrich(ev)
				d.Observe(ev, emit)
			}
			if diff := cmp.Diff(tc.want, zones); diff != "" {
				t.Errorf("zones alerted (-want +got):\n%s", diff)
			}
			counts := map[string]int64{}
			for _, s := range d.Counts() {
				counts[s.Name] = s.Value
			}
			for name, want := range tc.wantCounts {
				if counts[name] != want {
					t.Errorf("%s = %d, want %d", name, counts[name], want)
				}
			}
		})
	}
}

func TestReloadRefusesAnotherDetector(t *testing.T) {
	d := newReloadDetector(t, nil)
	if err := d.Reload(otherDetector{}); err == nil || !strings.Contains(err.Error(), "new detector is a authns.otherDetector") {
		t.Fatalf("err = %v, want a refusal", err)
	}
}

func newReloadDetector(t *testing.T, mod func(*Config)) *Detector {
	t.Helper()
	cfg := DefaultConfig()
	if mod != nil {
		mod(&cfg)
	}
	d, err := New(cfg, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// otherDetector is a detector of another type.
type otherDetector struct{}

func (otherDetector) Name() string                      { return Name }
func (otherDetector) Observe(*event.Event, detect.Emit) {}
func (otherDetector) Advance(time.Time, detect.Emit)    {}
func (otherDetector) Flush(detect.Emit)                 {}
