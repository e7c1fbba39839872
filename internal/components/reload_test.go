package components

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/detect"
	"github.com/dnsvigil/dnsvigil/internal/detect/resolver"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

// fakeDetector is a detector that cannot reload.
type fakeDetector struct{ name string }

func (f *fakeDetector) Name() string                      { return f.name }
func (f *fakeDetector) Observe(*event.Event, detect.Emit) {}
func (f *fakeDetector) Advance(time.Time, detect.Emit)    {}
func (f *fakeDetector) Flush(detect.Emit)                 {}

func TestReload(t *testing.T) {
	b1, err := Build(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	store, legacy := &fakeDetector{"store"}, &fakeDetector{"legacy"}
	old := append(append([]detect.Detector(nil), b1.Detectors...), store, legacy)

	cfg := DefaultConfig()
	cfg.Detectors.Resolver.Approved = []resolver.Approved{{CIDR: "203.0.113.9", Name: "new-dns"}}
	cfg.Detectors.Volume.Window = 10 * time.Minute // refused: the open bin has its width
	b2, err := Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	extra := &fakeDetector{"extra"}
	b2.Detectors = append(b2.Detectors, &fakeDetector{"legacy"}, extra)

	var alerts []*alert.Alert
	emit := func(a *alert.Alert) { alerts = append(alerts, a) }
	observe := func(ds []detect.Detector, sec int, server string) {
		ev := event.Event{
			Kind: event.KindDNS, Time: time.Date(2026, 3, 1, 9, 0, sec, 0, time.UTC),
			Client: netip.MustParseAddrPort("10.1.1.10:50000"), Server: netip.AddrPortFrom(netip.MustParseAddr(server), 53),
			Transport: event.TransportUDP,
			DNS:       event.DNS{QName: "a.example", QType: event.TypeA, HasQuery: true, RCode: event.RcodeUnknown},
		}
		for _, d := range ds {
			d.Observe(&ev, emit)
		}
	}
	observe(old, 0, "198.51.100.7")
	kept, notes, err := Reload(old, b2)
	if err != nil {
		t.Fatal(err)
	}
	observe(kept, 1, "198.51.100.7")
	observe(kept, 2, "203.0.113.9") // approved now
	for _, d := range kept {
		d.Flush(emit)
	}

	wantNotes := []string{
		"resolver: new configuration taken, state kept",
		"volume: keeps its old configuration until a restart: reload volume: window changed from 5m0s to 10m0s, which the open bin cannot follow; restart to apply it",
		"configchange: new configuration taken, state kept",
		"tunnel: new configuration taken, state kept",
		"delegation: new configuration taken, state kept",
		"intel: new configuration taken, state kept",
		"authns: new configuration taken, state kept",
		"store: kept as it was (not built from the configuration)",
		"legacy: keeps its old configuration until a restart (it cannot reload)",
		"extra: started with the new configuration",
	}
	if diff := cmp.Diff(wantNotes, notes); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
	if len(kept) != len(old)+1 || kept[len(kept)-1] != extra {
		t.Fatalf("kept %d detectors, want the %d running ones and extra", len(kept), len(old))
	}
	for i, d := range old {
		if kept[i] != d {
			t.Errorf("kept[%d] is %s's new detector, want the running one", i, d.Name())
		}
	}
	// The resolver's pair counts across the reload; the newly approved
	// resolver raises nothing.
	var got []string
	for _, a := range alerts {
		n, _ := a.Get(resolver.FieldQueryCount)
		got = append(got, fmt.Sprint(a.RuleID, " ", a.Server, " ", n))
	}
	if diff := cmp.Diff([]string{"DNSV-RES-001 198.51.100.7 2"}, got); diff != "" {
		t.Errorf("alerts (-want +got):\n%s", diff)
	}
}

func TestReloadRefusesDuplicateNames(t *testing.T) {
	a, b := &fakeDetector{"a"}, &fakeDetector{"b"}
	tests := []struct {
		name    string
		old     []detect.Detector
		next    []detect.Detector
		wantErr string
	}{
		{"twice in next", []detect.Detector{a}, []detect.Detector{a, b, &fakeDetector{"b"}}, `new detectors: detector "b" appears twice`},
		{"twice in old", []detect.Detector{a, &fakeDetector{"a"}}, []detect.Detector{a}, `running detectors: detector "a" appears twice`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			kept, notes, err := Reload(tc.old, Built{Detectors: tc.next})
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || kept != nil || notes != nil {
				t.Fatalf("Reload = %v, %v, %v; want only the error %q", kept, notes, err, tc.wantErr)
			}
		})
	}
}
