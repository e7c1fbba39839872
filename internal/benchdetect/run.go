package benchdetect

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/components"
	"github.com/dnsvigil/dnsvigil/internal/detect"
	"github.com/dnsvigil/dnsvigil/internal/detect/tunnel"
	"github.com/dnsvigil/dnsvigil/internal/detect/volume"
	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/pipeline"
)

// SmallTunnel is the number of tunnel queries below which a capture may
// alert at medium severity instead of high: a handful of names cannot show
// a channel's full shape.
const SmallTunnel = 20

// MaxDetectSeconds is the longest acceptable time from the first tunnel
// query to the first alert, for captures whose tunnel lasts longer.
const MaxDetectSeconds = 60

// Result is the outcome of one case.
type Result struct {
	Case
	Err error // the case could not run (files missing, unreadable)

	Queries        int64 // DNS events with a query
	TunnelQueries  int64 // of those, from the entry's client under its domain
	TunnelFirst    time.Time
	TunnelLast     time.Time
	SkippedRecords int64

	// Tunnel alerts, one per finding (re-reports merged, highest severity
	// kept): Right names the entry's client and domain, Wrong any other.
	Right, Wrong []*alert.Alert
	// FirstRight is the earliest time of a right alert.
	FirstRight time.Time
	// OtherAlerts counts alerts of other rules.
	OtherAlerts int64

	// Comparison with published rules: per baseline (Baselines order),
	// whether it flagged the tunnel's client and domain, and how many other
	// (client, domain) pairs it flagged. VolumeRight and VolumeWrong are the
	// same for the seed's Signal 2, the volume detector (per device).
	BaselineRight []bool
	BaselineWrong []int
	VolumeRight   bool
	VolumeWrong   int
}

// Severity returns the highest severity of the right alerts (tunnel
// cases) or of all tunnel alerts (benign cases), or false without alerts.
func (r *Result) Severity() (alert.Severity, bool) {
	as := r.Right
	if r.Truth == TruthBenign {
		as = r.Wrong
	}
	if len(as) == 0 {
		return 0, false
	}
	s := as[0].Severity
	for _, a := range as[1:] {
		s = max(s, a.Severity)
	}
	return s, true
}

// SecondsToDetect returns the event-time seconds from the first tunnel
// query to the first right alert.
func (r *Result) SecondsToDetect() (float64, bool) {
	if r.FirstRight.IsZero() || r.TunnelFirst.IsZero() {
		return 0, false
	}
	return max(r.FirstRight.Sub(r.TunnelFirst).Seconds(), 0), true
}

// TunnelSeconds is how long the tunnel traffic lasts in the capture.
func (r *Result) TunnelSeconds() float64 { return r.TunnelLast.Sub(r.TunnelFirst).Seconds() }

// Verdict says whether the case meets the acceptance bounds: a tunnel
// raises a high alert for the right client and domain (medium allowed
// below SmallTunnel queries) within MaxDetectSeconds when it lasts longer;
// a benign case raises no high alert. Medium alerts on benign traffic are
// bounded over the whole benchmark (see Totals).
func (r *Result) Verdict() string {
	if r.Err != nil {
		return "not run"
	}
	sev, ok := r.Severity()
	if r.Truth == TruthBenign {
		if ok && sev >= alert.SeverityHigh {
			return "FALSE POSITIVE"
		}
		return "ok"
	}
	want := alert.SeverityHigh
	if r.TunnelQueries < SmallTunnel {
		want = alert.SeverityMedium
	}
	switch {
	case !ok:
		return "MISSED"
	case sev < want:
		return "TOO LOW"
	}
	if ttd, _ := r.SecondsToDetect(); r.TunnelSeconds() > MaxDetectSeconds && ttd > MaxDetectSeconds {
		return "TOO LATE"
	}
	if len(r.Wrong) > 0 {
		return "ok, with other alerts"
	}
	return "ok"
}

// Passed reports whether the verdict is an acceptable one.
func (r *Result) Passed() bool {
	v := r.Verdict()
	return v == "ok" || v == "ok, with other alerts"
}

// Runner runs cases.
type Runner struct {
	Dirs Dirs
	// Synthesize turns a Case with root synthetic into files to scan; the
	// returned cleanup removes them.
	Synthesize func(c Case) (files []string, cleanup func(), err error)
}

// Run runs one case with every detector in its default configuration.
func (rn *Runner) Run(c Case) Result {
	res := Result{Case: c}
	if len(c.Missing) > 0 {
		res.Err = fmt.Errorf("missing: %v", c.Missing)
		return res
	}
	files := c.Files
	if c.Root == RootSynthetic {
		if rn.Synthesize == nil {
			res.Err = errors.New("no generator for synthetic entries")
			return res
		}
		f, cleanup, err := rn.Synthesize(c)
		if err != nil {
			res.Err = err
			return res
		}
		defer cleanup()
		files = f
	}
	cfg := components.DefaultConfig()
	built, err := components.Build(cfg)
	if err != nil {
		res.Err = err
		return res
	}
	tap := &truthTap{res: &res}
	for _, b := range Baselines() {
		tap.baselines = append(tap.baselines, newBaselineRun(b))
	}
	if c.Truth == TruthTunnel {
		tap.client, _ = netip.ParseAddr(c.Client)
		tap.domain = c.Domain
	}
	col := &collector{byKey: map[string]*alert.Alert{}}
	run := &pipeline.Run{
		Opener:        &pipeline.Opener{Formats: components.Formats(), Options: built.Options},
		Enrichers:     built.Enrichers,
		Detectors:     append(built.Detectors, tap),
		Sink:          col,
		ReorderWindow: cfg.Input.ReorderWindow,
		ReorderMax:    cfg.Input.ReorderMax,
	}
	var inputErr error
	run.OnError = func(err error) {
		if inputErr == nil {
			inputErr = err
		}
	}
	paths, err := pipeline.Expand(files)
	if err != nil {
		res.Err = err
		return res
	}
	if err := run.Execute(paths); err != nil {
		res.Err = err
		return res
	}
	if run.FilesFailed > 0 || run.FailedInputs > 0 {
		res.Err = fmt.Errorf("input failed: %w", inputErr)
		return res
	}
	for _, n := range run.Summary.Skipped {
		res.SkippedRecords += n
	}
	for _, br := range tap.baselines {
		right := false
		wrong := 0
		for p := range br.flagged {
			if c.Truth == TruthTunnel && p.client == tap.client && p.domain == c.Domain {
				right = true
				continue
			}
			wrong++
		}
		res.BaselineRight = append(res.BaselineRight, right)
		res.BaselineWrong = append(res.BaselineWrong, wrong)
	}
	for _, key := range col.order {
		a := col.byKey[key]
		if a.RuleID == volume.RuleID {
			if c.Truth == TruthTunnel && (a.Client == tap.client || a.Host == c.Client) {
				res.VolumeRight = true
			} else {
				res.VolumeWrong++
			}
		}
		if a.RuleID != tunnel.RuleID {
			res.OtherAlerts++
			continue
		}
		if c.Truth == TruthTunnel && a.Domain == c.Domain && (a.Client == tap.client || a.Host == c.Client) {
			res.Right = append(res.Right, a)
			if res.FirstRight.IsZero() || col.first[key].Before(res.FirstRight) {
				res.FirstRight = col.first[key]
			}
			continue
		}
		res.Wrong = append(res.Wrong, a)
	}
	return res
}

// collector keeps one alert per key (the highest severity) and the time
// of the key's first report.
type collector struct {
	byKey map[string]*alert.Alert
	first map[string]time.Time
	order []string
}

func (c *collector) Write(a *alert.Alert) error {
	if c.first == nil {
		c.first = map[string]time.Time{}
	}
	old, ok := c.byKey[a.Key]
	if !ok {
		c.order = append(c.order, a.Key)
		c.first[a.Key] = a.Time
		c.byKey[a.Key] = a
		return nil
	}
	if a.Time.Before(c.first[a.Key]) {
		c.first[a.Key] = a.Time
	}
	if a.Severity > old.Severity {
		c.byKey[a.Key] = a
	}
	return nil
}

// truthTap is a detector that raises nothing: it counts the queries of the
// run and those of the ground-truth tunnel.
type truthTap struct {
	res       *Result
	client    netip.Addr
	domain    string
	baselines []*baselineRun
}

func (t *truthTap) Name() string { return "benchmark" }

func (t *truthTap) Observe(ev *event.Event, _ detect.Emit) {
	if ev.Kind != event.KindDNS || !ev.DNS.HasQuery {
		return
	}
	t.res.Queries++
	for _, b := range t.baselines {
		b.observe(ev)
	}
	if t.domain == "" || ev.Enrich.Domain != t.domain || ev.Client.Addr().Unmap() != t.client {
		return
	}
	t.res.TunnelQueries++
	if t.res.TunnelFirst.IsZero() || ev.Time.Before(t.res.TunnelFirst) {
		t.res.TunnelFirst = ev.Time
	}
	if ev.Time.After(t.res.TunnelLast) {
		t.res.TunnelLast = ev.Time
	}
}

func (t *truthTap) Advance(time.Time, detect.Emit) {}
func (t *truthTap) Flush(detect.Emit)              {}

// removeAll is the cleanup of a temporary folder.
func removeAll(dir string) func() { return func() { os.RemoveAll(dir) } }
