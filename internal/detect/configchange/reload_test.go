package configchange

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
	const malware = `C:\Users\alice\AppData\Local\Temp\malware.exe`
	tests := []struct {
		name       string
		after      func(*Config)
		before     []event.Event
		evsAfter   []event.Event
		want       []got
		wantCounts map[string]int64
	}{
		{
			name:  "approved resolver added",
			after: func(c *Config) { c.Approved = []Approved{{CIDR: "203.0.113.60", Name: "new-corp"}} },
			before: []event.Event{
				reg(0, "WS1", malware, tcpipIface, "NameServer", "203.0.113.5"),
			},
			evsAfter: []event.Event{
				reg(1, "WS2", malware, tcpipIface, "NameServer", "203.0.113.60"),
				dnsTo(2, "WS1", "203.0.113.5"), // follows the change made before the reload
			},
			want: []got{
				{RuleRegistry, "medium", "203.0.113.5", "WS1"},
				{RuleTraffic, "high", "203.0.113.5", "WS1"},
			},
			wantCounts: map[string]int64{"changes tracked": 1, "approved servers": 1},
		},
		{
			name: "smaller table and window",
			after: func(c *Config) {
				c.Correlation.MaxTracked, c.Correlation.Window = 2, time.Hour
			},
			before: []event.Event{
				reg(0, "WS1", malware, tcpipIface, "NameServer", "203.0.113.1"),
				reg(1, "WS2", malware, tcpipIface, "NameServer", "203.0.113.2"),
				reg(2, "WS3", malware, tcpipIface, "NameServer", "203.0.113.3"),
			},
			evsAfter: []event.Event{
				dnsTo(30, "WS1", "203.0.113.1"), // evicted: the oldest
				dnsTo(30, "WS2", "203.0.113.2"),
				dnsTo(120, "WS3", "203.0.113.3"), // past the new window
			},
			want: []got{
				{RuleRegistry, "medium", "203.0.113.1", "WS1"},
				{RuleRegistry, "medium", "203.0.113.2", "WS2"},
				{RuleRegistry, "medium", "203.0.113.3", "WS3"},
				{RuleTraffic, "high", "203.0.113.2", "WS2"},
			},
			wantCounts: map[string]int64{"changes tracked": 1, "changes evicted": 1, "traffic after window": 1},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newReloadDetector(t, nil)
			var out []*alert.Alert
			emit := func(a *alert.Alert) { out = append(out, a) }
			for i := range tc.before {
				d.Observe(&tc.before[i], emit)
			}
			if err := d.Reload(newReloadDetector(t, tc.after)); err != nil {
				t.Fatalf("reload: %v", err)
			}
			for i := range tc.evsAfter {
				d.Observe(&tc.evsAfter[i], emit)
			}
			if diff := cmp.Diff(tc.want, summarize(out)); diff != "" {
				t.Errorf("alerts (-want +got):\n%s", diff)
			}
			for name, want := range tc.wantCounts {
				if got := stat(d, name); got != want {
					t.Errorf("%s = %d, want %d", name, got, want)
				}
			}
		})
	}
}

func TestReloadRefusesAnotherDetector(t *testing.T) {
	d := newReloadDetector(t, nil)
	if err := d.Reload(otherDetector{}); err == nil || !strings.Contains(err.Error(), "new detector is a configchange.otherDetector") {
		t.Fatalf("err = %v, want a refusal", err)
	}
}

func newReloadDetector(t *testing.T, mod func(*Config)) *Detector {
	t.Helper()
	cfg := DefaultConfig()
	if mod != nil {
		mod(&cfg)
	}
	d, err := New(cfg, Deps{Catalogue: testCatalogue(t)})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// otherDetector is a detector of another type.
type otherDetector struct{}

func (otherDetector) Name() string                      { return "configchange" }
func (otherDetector) Observe(*event.Event, detect.Emit) {}
func (otherDetector) Advance(time.Time, detect.Emit)    {}
func (otherDetector) Flush(detect.Emit)                 {}
