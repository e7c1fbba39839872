package resolver

import (
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
	Server  string
	Queries int64
	First   time.Time
	Last    time.Time
	Report  string
	Expired string
}

func TestReload(t *testing.T) {
	cat := testCatalogue(t)
	expired := Exclusion{ServerCIDR: "198.51.100.0/24", Reason: "lab", Expires: "2026-01-01"}
	tests := []struct {
		name       string
		before     func(*Config)
		after      func(*Config)
		evsBefore  []event.Event
		evsAfter   []event.Event
		advance    time.Time
		want       []reloadGot
		wantCounts map[string]int64
	}{
		{
			name:   "approved resolver added",
			before: func(*Config) {},
			after:  func(c *Config) { c.Approved = []Approved{{CIDR: "203.0.113.9", Name: "new-dns"}} },
			evsBefore: []event.Event{
				udp53(at(0), "10.1.1.10", "198.51.100.7", "a.example"),
				udp53(at(time.Minute), "10.1.1.10", "198.51.100.7", "b.example"),
				udp53(at(time.Minute), "10.1.1.10", "203.0.113.9", "c.example"),
			},
			evsAfter: []event.Event{
				udp53(at(5*time.Minute), "10.1.1.10", "198.51.100.7", "d.example"),
				udp53(at(6*time.Minute), "10.1.1.10", "203.0.113.9", "e.example"),
				udp53(at(6*time.Minute), "10.1.1.11", "203.0.113.9", "f.example"),
			},
			advance: at(11 * time.Minute),
			// The pair's counts run across the reload; the newly approved
			// resolver raises nothing, not even for its earlier query.
			want: []reloadGot{{Server: "198.51.100.7", Queries: 3, First: at(0), Last: at(5 * time.Minute), Report: "initial"}},
			wantCounts: map[string]int64{
				"dns events": 6, "pairs tracked": 1, "pairs created": 2, "approved destination": 2,
				"pairs forgotten at reload (now approved)": 1, "alerts emitted": 1,
			},
		},
		{
			name:   "lower max_pairs evicts as new pairs come",
			before: func(c *Config) { c.MaxPairs = 10 },
			after:  func(c *Config) { c.MaxPairs = 2 },
			evsBefore: []event.Event{
				udp53(at(0), "10.1.1.10", "198.51.100.1", "a.example"),
				udp53(at(time.Second), "10.1.1.10", "198.51.100.2", "a.example"),
				udp53(at(2*time.Second), "10.1.1.10", "198.51.100.3", "a.example"),
			},
			evsAfter: []event.Event{
				udp53(at(3*time.Second), "10.1.1.10", "198.51.100.4", "a.example"),
			},
			want: []reloadGot{
				{Server: "198.51.100.1", Queries: 1, First: at(0), Last: at(0), Report: "evicted"},
				{Server: "198.51.100.2", Queries: 1, First: at(time.Second), Last: at(time.Second), Report: "evicted"},
			},
			wantCounts: map[string]int64{"dns events": 4, "pairs tracked": 2, "pairs created": 4, "pairs evicted": 2, "alerts emitted": 2},
		},
		{
			name:   "expired exclusion moved in the list",
			before: func(c *Config) { c.Exclusions = []Exclusion{expired} },
			after: func(c *Config) {
				c.Exclusions = []Exclusion{{ClientCIDR: "10.9.9.9", Reason: "other"}, expired}
			},
			evsBefore: []event.Event{udp53(at(0), "10.1.1.10", "198.51.100.7", "a.example")},
			evsAfter:  []event.Event{udp53(at(time.Minute), "10.1.1.10", "198.51.100.7", "b.example")},
			advance:   at(10 * time.Minute),
			want: []reloadGot{{
				Server: "198.51.100.7", Queries: 2, First: at(0), Last: at(time.Minute), Report: "initial",
				Expired: "exclusions[1] (lab) expired 2026-01-02T00:00:00Z",
			}},
			wantCounts: map[string]int64{"dns events": 2, "pairs tracked": 1, "pairs created": 1, "expired exclusion matched": 2, "alerts emitted": 1},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newReloadDetector(t, cat, tc.before)
			var alerts []*alert.Alert
			emit := func(a *alert.Alert) { alerts = append(alerts, a) }
			for i := range tc.evsBefore {
				d.Observe(&tc.evsBefore[i], emit)
			}
			if err := d.Reload(newReloadDetector(t, cat, tc.after)); err != nil {
				t.Fatalf("reload: %v", err)
			}
			for i := range tc.evsAfter {
				d.Observe(&tc.evsAfter[i], emit)
			}
			if !tc.advance.IsZero() {
				d.Advance(tc.advance, emit)
			}
			var gots []reloadGot
			for _, a := range alerts {
				g := view(a)
				gots = append(gots, reloadGot{Server: g.Server, Queries: g.Queries, First: g.First, Last: g.Last, Report: g.Report, Expired: g.Expired})
			}
			if diff := cmp.Diff(tc.want, gots); diff != "" {
				t.Errorf("alerts (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantCounts, nonZeroCounts(d)); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReloadRefusesAnotherDetector(t *testing.T) {
	d := newReloadDetector(t, testCatalogue(t), func(*Config) {})
	err := d.Reload(otherDetector{})
	if err == nil || !strings.Contains(err.Error(), "reload resolver") {
		t.Fatalf("err = %v, want a refusal", err)
	}
}

func newReloadDetector(t *testing.T, cat *Catalogue, mod func(*Config)) *Detector {
	t.Helper()
	cfg := DefaultConfig()
	mod(&cfg)
	d, err := New(cfg, Deps{Catalogue: cat})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// nonZeroCounts returns the detector's counters that are not zero.
func nonZeroCounts(d detect.Counter) map[string]int64 {
	out := map[string]int64{}
	for _, s := range d.Counts() {
		if s.Value != 0 {
			out[s.Name] = s.Value
		}
	}
	return out
}

// otherDetector is a detector of another type.
type otherDetector struct{}

func (otherDetector) Name() string                      { return "resolver" }
func (otherDetector) Observe(*event.Event, detect.Emit) {}
func (otherDetector) Advance(time.Time, detect.Emit)    {}
func (otherDetector) Flush(detect.Emit)                 {}
