package intelmatch

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/detect"
	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/intel"
)

func TestReload(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	query := func(sec, client int, qname string) event.Event {
		var ev event.Event
		ev.Kind, ev.Time = event.KindDNS, t0.Add(time.Duration(sec)*time.Second)
		ev.Client = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(client)}), 5000)
		ev.Server = netip.MustParseAddrPort("10.0.0.53:53")
		ev.DNS.HasQuery, ev.DNS.QName = true, qname
		return ev
	}
	evil := intel.Indicator{Kind: intel.Domain, Value: "evil.example", Source: "feed.txt:1"}
	bad := intel.Indicator{Kind: intel.Domain, Value: "bad.example", Source: "feed.txt:2"}
	// report is "client indicator count" of an alert, with "update" for
	// a report at the end.
	report := func(a *alert.Alert) string {
		ind, _ := a.Get("indicator")
		n, _ := a.Get("count")
		s := fmt.Sprintf("%s %s %d", a.Client, ind, n)
		if _, upd := a.Get("update"); upd {
			s += " update"
		}
		return s
	}
	tests := []struct {
		name        string
		before      []intel.Indicator
		after       []intel.Indicator
		maxAfter    int
		evsBefore   []event.Event
		evsAfter    []event.Event
		want        []string
		wantDropped int64
	}{
		{
			name:   "indicator added, finding counts kept",
			before: []intel.Indicator{evil},
			after:  []intel.Indicator{evil, bad},
			evsBefore: []event.Event{
				query(0, 1, "www.evil.example"),
				query(1, 1, "www.bad.example"),
			},
			evsAfter: []event.Event{
				query(2, 1, "www.evil.example"),
				query(3, 1, "www.bad.example"),
			},
			want: []string{
				"10.0.0.1 evil.example 1",
				"10.0.0.1 bad.example 1",
				"10.0.0.1 evil.example 2 update",
			},
		},
		{
			name:     "lower max_findings forgets the oldest",
			before:   []intel.Indicator{evil},
			after:    []intel.Indicator{evil},
			maxAfter: 1,
			evsBefore: []event.Event{
				query(0, 1, "www.evil.example"),
				query(1, 2, "www.evil.example"),
			},
			evsAfter: []event.Event{
				query(2, 1, "www.evil.example"), // a new finding: no room
				query(3, 2, "www.evil.example"),
			},
			want: []string{
				"10.0.0.1 evil.example 1",
				"10.0.0.2 evil.example 1",
				"10.0.0.2 evil.example 2 update",
			},
			wantDropped: 2,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newReloadDetector(t, DefaultConfig().MaxFindings, tc.before)
			var got []string
			emit := func(a *alert.Alert) { got = append(got, report(a)) }
			for i := range tc.evsBefore {
				d.Observe(&tc.evsBefore[i], emit)
			}
			max := tc.maxAfter
			if max == 0 {
				max = DefaultConfig().MaxFindings
			}
			if err := d.Reload(newReloadDetector(t, max, tc.after)); err != nil {
				t.Fatalf("reload: %v", err)
			}
			for i := range tc.evsAfter {
				d.Observe(&tc.evsAfter[i], emit)
			}
			d.Flush(emit)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("alerts (-want +got):\n%s", diff)
			}
			for _, s := range d.Counts() {
				if s.Name == "findings dropped (max_findings)" && s.Value != tc.wantDropped {
					t.Errorf("dropped %d, want %d", s.Value, tc.wantDropped)
				}
			}
		})
	}
}

func TestReloadRefusesAnotherDetector(t *testing.T) {
	d := newReloadDetector(t, 10, nil)
	if err := d.Reload(otherDetector{}); err == nil || !strings.Contains(err.Error(), "new detector is a intelmatch.otherDetector") {
		t.Fatalf("err = %v, want a refusal", err)
	}
}

func newReloadDetector(t *testing.T, maxFindings int, inds []intel.Indicator) *Detector {
	t.Helper()
	cfg := DefaultConfig()
	cfg.MaxFindings = maxFindings
	d, err := New(cfg, intel.NewSet(inds))
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
