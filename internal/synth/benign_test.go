package synth

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/detect/tunnel"
	"github.com/dnsvigil/dnsvigil/internal/dnsname"
	"github.com/dnsvigil/dnsvigil/internal/enrich"
	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/input/zeek"
	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// readList parses a top-sites list from ../shared/data.
func readList(t *testing.T, rel string) []string {
	t.Helper()
	f, err := os.Open(testutil.SharedData(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	domains, err := Tranco(f)
	if err != nil {
		t.Fatal(err)
	}
	return domains
}

// runResult is what one stream gave through decoder, enricher and
// detector.
type runResult struct {
	events, recordErrors int
	alerts               []*alert.Alert
}

// runTunnel writes b's stream through a pipe into the Zeek decoder, the
// name enricher and the tunnel detector, as the pipeline does.
func runTunnel(t *testing.T, b Browsing) runResult {
	t.Helper()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := b.WriteZeek(pw)
		pw.CloseWithError(err)
		done <- err
	}()
	defer func() {
		pr.Close()
		if err := <-done; err != nil && !errors.Is(err, io.ErrClosedPipe) {
			t.Errorf("WriteZeek: %v", err)
		}
	}()
	dec := zeek.New(pr, input.Options{Name: "synthetic-dns.log"})
	names := enrich.NewNames(dnsname.NewPSL(dnsname.PSLOptions{}))
	det, err := tunnel.New(tunnel.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var res runResult
	emit := func(a *alert.Alert) { res.alerts = append(res.alerts, a) }
	var ev event.Event
	for {
		ev.Reset()
		err := dec.Next(&ev)
		if errors.Is(err, io.EOF) {
			break
		}
		if input.IsRecordError(err) {
			if res.recordErrors < 5 {
				t.Errorf("record error: %v", err)
			}
			res.recordErrors++
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		res.events++
		names.Enrich(&ev)
		det.Observe(&ev, emit)
	}
	det.Flush(emit)
	for _, c := range det.Counts() {
		t.Logf("tunnel: %s: %d", c.Name, c.Value)
	}
	return res
}

// describe renders an alert with all its evidence.
func describe(a *alert.Alert) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s %s key=%s client=%s domain=%s qname=%s time=%s\n  %s\n",
		a.Severity, a.RuleID, a.Key, a.Client, a.Domain, a.QName, a.Time.Format(time.RFC3339), a.Summary)
	for _, f := range a.Evidence {
		fmt.Fprintf(&sb, "  %s = %v\n", f.Name, f.Value)
	}
	return sb.String()
}

// TestTopSitesNoTunnelAlert holds the tunnel detector to its benign budget
// on synthetic browsing of the popular web: no high or critical alert, and
// at most one medium alert per million queries.
func TestTopSitesNoTunnelAlert(t *testing.T) {
	tests := []struct {
		name    string
		list    string
		queries int
		span    time.Duration
		seed    uint64
	}{
		{name: "tranco top 10k, 1M queries, 2h", list: "lists/tranco-top-10k/tranco_top10k_2023-11.csv", queries: 1_000_000, span: 2 * time.Hour, seed: 1},
		{name: "umbrella top 50k, 200k queries, 1h", list: "lists/umbrella-top-50k/umbrella-top-1m-first50k.csv", queries: 200_000, span: time.Hour, seed: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if testing.Short() && tc.queries > 200_000 {
				t.Skip("long stream skipped in -short mode")
			}
			b := Browsing{
				Domains: readList(t, tc.list),
				Queries: tc.queries,
				Span:    tc.span,
				Seed:    tc.seed,
				PSL:     dnsname.NewPSL(dnsname.PSLOptions{}),
			}
			res := runTunnel(t, b)
			if res.events != tc.queries || res.recordErrors != 0 {
				t.Errorf("decoded %d events with %d record errors, want %d and 0", res.events, res.recordErrors, tc.queries)
			}
			medium, high := 0, 0
			for _, a := range res.alerts {
				t.Logf("alert:\n%s", describe(a))
				switch {
				case a.Severity >= alert.SeverityHigh:
					high++
				case a.Severity == alert.SeverityMedium:
					medium++
				}
			}
			if high > 0 {
				t.Errorf("%d high or critical tunnel alerts on benign browsing, want none", high)
			}
			if budget := max(tc.queries/1_000_000, 1); medium > budget {
				t.Errorf("%d medium tunnel alerts over %d queries, want at most %d", medium, tc.queries, budget)
			}
		})
	}
}
