package delegation

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/detect"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

func TestReload(t *testing.T) {
	watch := func(zones ...Watched) func(*Config) {
		return func(c *Config) { c.Watched = zones }
	}
	const client = "10.1.1.1"
	key := func(zone, kind, subject, nw string) string { return alert.MakeKey(RuleID, zone, kind, subject, nw) }
	tests := []struct {
		name          string
		before, after func(*Config)
		evsBefore     []*event.Event
		evsAfter      []*event.Event
		want          []got
		wantWatched   int64
	}{
		{
			name:   "zone added; a learned baseline is kept",
			before: watch(Watched{Zone: "corp.com"}),
			after:  watch(Watched{Zone: "corp.com"}, Watched{Zone: "new.com"}),
			evsBefore: []*event.Event{
				nsAnswer(client, "corp.com", 0, "ns1.good.net", "ns2.good.net"),
				nsAnswer(client, "new.com", 0, "ns1.good.net"), // not watched yet
			},
			evsAfter: []*event.Event{
				nsAnswer(client, "corp.com", time.Hour, "ns1.evil.org", "ns2.evil.org"),
				nsAnswer(client, "new.com", time.Hour, "ns1.good.net"),
				nsAnswer(client, "new.com", 2*time.Hour, "ns1.evil.org"),
			},
			want: []got{
				{Key: key("corp.com", kindNS, "corp.com", "ns1.evil.org, ns2.evil.org"), Severity: "high", Old: "ns1.good.net, ns2.good.net", New: "ns1.evil.org, ns2.evil.org", First: client},
				{Key: key("new.com", kindNS, "new.com", "ns1.evil.org"), Severity: "high", Old: "ns1.good.net", New: "ns1.evil.org", First: client},
			},
			wantWatched: 2,
		},
		{
			name:   "configured expectation becomes the baseline",
			before: watch(Watched{Zone: "corp.com"}),
			after:  watch(Watched{Zone: "corp.com", ExpectedNS: []string{"ns1.new.net"}}),
			evsBefore: []*event.Event{
				nsAnswer(client, "corp.com", 0, "ns1.old.net"),
				nsAnswer(client, "corp.com", time.Hour, "ns1.new.net"),
			},
			evsAfter: []*event.Event{
				nsAnswer(client, "corp.com", 2*time.Hour, "ns1.new.net"),
				nsAnswer(client, "corp.com", 3*time.Hour, "ns1.old.net"),
			},
			want: []got{
				{Key: key("corp.com", kindNS, "corp.com", "ns1.new.net"), Severity: "high", Old: "ns1.old.net", New: "ns1.new.net", First: client},
				{Key: key("corp.com", kindNS, "corp.com", "ns1.old.net"), Severity: "high", Old: "ns1.new.net", New: "ns1.old.net", First: client},
			},
			wantWatched: 1,
		},
		{
			name:   "zone no longer watched",
			before: watch(Watched{Zone: "corp.com"}),
			after:  watch(),
			evsBefore: []*event.Event{
				nsAnswer(client, "corp.com", 0, "ns1.good.net"),
			},
			evsAfter: []*event.Event{
				nsAnswer(client, "corp.com", time.Hour, "ns1.evil.org"),
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newReloadDetector(t, tc.before)
			var out []*alert.Alert
			emit := func(a *alert.Alert) { out = append(out, a) }
			for _, ev := range tc.evsBefore {
				d.Observe(ev, emit)
			}
			if err := d.Reload(newReloadDetector(t, tc.after)); err != nil {
				t.Fatalf("reload: %v", err)
			}
			for _, ev := range tc.evsAfter {
				d.Observe(ev, emit)
			}
			d.Flush(emit)
			if diff := cmp.Diff(tc.want, summarise(out)); diff != "" {
				t.Errorf("alerts (-want +got):\n%s", diff)
			}
			if got := d.Counts()[0]; got.Value != tc.wantWatched {
				t.Errorf("%s = %d, want %d", got.Name, got.Value, tc.wantWatched)
			}
		})
	}
}

func TestReloadRefusesAnotherDetector(t *testing.T) {
	d := newReloadDetector(t, nil)
	if err := d.Reload(otherDetector{}); err == nil || !strings.Contains(err.Error(), "new detector is a delegation.otherDetector") {
		t.Fatalf("err = %v, want a refusal", err)
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

// otherDetector is a detector of another type.
type otherDetector struct{}

func (otherDetector) Name() string                      { return Name }
func (otherDetector) Observe(*event.Event, detect.Emit) {}
func (otherDetector) Advance(time.Time, detect.Emit)    {}
func (otherDetector) Flush(detect.Emit)                 {}
