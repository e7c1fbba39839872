package pipeline

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/detect"
	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/input/zeek"
	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// orderCheck is a detector that records whether events arrive in event-time
// order and how many there are.
type orderCheck struct {
	last     time.Time
	n        int
	disorder int
	kinds    map[event.Kind]int
}

func (o *orderCheck) Name() string { return "order" }
func (o *orderCheck) Observe(ev *event.Event, _ detect.Emit) {
	if ev.Time.Before(o.last) {
		o.disorder++
	}
	o.last = ev.Time
	o.n++
	o.kinds[ev.Kind]++
}
func (o *orderCheck) Advance(time.Time, detect.Emit) {}
func (o *orderCheck) Flush(detect.Emit)              {}

type nopSink struct{}

func (nopSink) Write(*alert.Alert) error { return nil }

// A RITA hourly rotated, gzipped Zeek set (dns.*.log.gz and conn.*.log.gz)
// loads as one time-ordered stream. Zeek writes a connection when it ends but
// stamps it with its start, so conn.log lines are out of order by up to the
// longest connection (65 minutes in this set): a two-hour reorder window
// restores the order exactly.
func TestRotatedGzipSetIsOneOrderedStream(t *testing.T) {
	const reorderWindow = 2 * time.Hour
	dir := testutil.SharedData(t, "rita-test-data/missing_host/2024-04-19")
	paths, err := Expand([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 10 {
		t.Fatalf("expected an hourly set, got %d files", len(paths))
	}
	// Count each file alone first.
	perFile := 0
	for _, p := range paths {
		oc := &orderCheck{kinds: map[event.Kind]int{}}
		r := &Run{Opener: &Opener{Formats: []input.Format{zeek.Format()}, Options: input.DefaultOptions()}, Detectors: []detect.Detector{oc}, Sink: nopSink{}, ReorderWindow: reorderWindow, ReorderMax: 100000}
		if err := r.Execute([]Path{p}); err != nil {
			t.Fatal(err)
		}
		if r.FilesFailed != 0 {
			t.Fatalf("%s: could not be opened: %v", filepath.Base(p.Name), r.Summary.InputErrors)
		}
		perFile += oc.n
	}
	oc := &orderCheck{kinds: map[event.Kind]int{}}
	r := &Run{Opener: &Opener{Formats: []input.Format{zeek.Format()}, Options: input.DefaultOptions()}, Detectors: []detect.Detector{oc}, Sink: nopSink{}, ReorderWindow: reorderWindow, ReorderMax: 100000}
	if err := r.Execute(paths); err != nil {
		t.Fatal(err)
	}
	if oc.disorder != 0 {
		t.Errorf("%d events out of time order in the merged stream", oc.disorder)
	}
	if oc.n != perFile || oc.n == 0 {
		t.Errorf("merged stream has %d events, the files alone %d", oc.n, perFile)
	}
	if oc.kinds[event.KindDNS] == 0 || oc.kinds[event.KindConn] == 0 {
		t.Errorf("want both dns and conn events, got %v", oc.kinds)
	}
	// Hourly files are opened as the merge reaches their hour: a dns and a
	// conn log of the same hour, plus a neighbour whose records overlap.
	if open := r.Summary.Counters["pipeline: most inputs open at once"]; open == 0 || open > 6 {
		t.Errorf("%d inputs open at once, want a handful of the %d", open, len(paths))
	}
	if r.Summary.Events != int64(oc.n) || len(r.Summary.Inputs) != len(paths) {
		t.Errorf("summary: %d events over %d inputs, want %d over %d", r.Summary.Events, len(r.Summary.Inputs), oc.n, len(paths))
	}
	t.Logf("%d files, %d events (%v), skipped %v, at most %d open at once", len(paths), oc.n, oc.kinds, r.Summary.Skipped, r.Summary.Counters["pipeline: most inputs open at once"])
}
