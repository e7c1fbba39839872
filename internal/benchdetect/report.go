package benchdetect

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/dnsvigil/dnsvigil/internal/alert"
)

// Totals sums a benchmark run.
type Totals struct {
	TunnelCases, TunnelPassed int
	BenignCases, BenignPassed int
	NotRun                    int
	BenignQueries             int64
	BenignHigh, BenignMedium  int
	// Findings: tunnel alerts naming a tunnel's client and domain, and all
	// others (on benign cases, or other keys in tunnel cases).
	RightFindings, WrongFindings int
}

// Sum computes the totals of results.
func Sum(results []Result) Totals {
	var t Totals
	for i := range results {
		r := &results[i]
		if r.Err != nil {
			t.NotRun++
			continue
		}
		t.RightFindings += len(r.Right)
		t.WrongFindings += len(r.Wrong)
		if r.Truth == TruthTunnel {
			t.TunnelCases++
			if r.Passed() {
				t.TunnelPassed++
			}
			continue
		}
		t.BenignCases++
		if r.Passed() {
			t.BenignPassed++
		}
		t.BenignQueries += r.Queries
		for _, a := range r.Wrong {
			if a.Severity >= alert.SeverityHigh {
				t.BenignHigh++
			} else if a.Severity == alert.SeverityMedium {
				t.BenignMedium++
			}
		}
	}
	return t
}

// Precision is the share of tunnel findings that name a real tunnel's
// client and domain.
func (t Totals) Precision() float64 {
	if n := t.RightFindings + t.WrongFindings; n > 0 {
		return float64(t.RightFindings) / float64(n)
	}
	return 0
}

// Recall is the share of tunnel cases detected within the bounds.
func (t Totals) Recall() float64 {
	if t.TunnelCases > 0 {
		return float64(t.TunnelPassed) / float64(t.TunnelCases)
	}
	return 0
}

// MediumPerMillion is the rate of medium tunnel alerts on benign queries.
func (t Totals) MediumPerMillion() float64 {
	if t.BenignQueries > 0 {
		return float64(t.BenignMedium) * 1e6 / float64(t.BenignQueries)
	}
	return 0
}

// Acceptable reports whether the whole run meets the bounds: every case
// that ran passed, no high alert on benign traffic, and at most one medium
// per million benign queries (one allowed below a million).
func (t Totals) Acceptable() bool {
	return t.TunnelPassed == t.TunnelCases && t.BenignPassed == t.BenignCases && t.BenignHigh == 0 &&
		float64(t.BenignMedium) <= max(1, float64(t.BenignQueries)/1e6)
}

// columns of the results table.
var columns = []string{"capture", "tool", "truth", "queries", "tunnel queries", "tunnel alerts", "other alerts", "severity", "s to detect", "tunnel s", "verdict"}

func row(r *Result) []string {
	if r.Err != nil {
		return []string{r.Name, r.Tool, string(r.Truth), "", "", "", "", "", "", "", "not run: " + r.Err.Error()}
	}
	sev := "-"
	if s, ok := r.Severity(); ok {
		sev = s.String()
	}
	tq, ttd, span := "-", "-", "-"
	if r.Truth == TruthTunnel {
		tq = strconv.FormatInt(r.TunnelQueries, 10)
		if r.TunnelQueries < SmallTunnel {
			tq += " (<20: medium ok)"
		}
		span = strconv.FormatFloat(r.TunnelSeconds(), 'f', 1, 64)
		if s, ok := r.SecondsToDetect(); ok {
			ttd = strconv.FormatFloat(s, 'f', 1, 64)
		}
	}
	right := strconv.Itoa(len(r.Right))
	if r.Truth == TruthBenign {
		right = strconv.Itoa(len(r.Wrong))
	} else if len(r.Wrong) > 0 {
		right += fmt.Sprintf(" (+%d other)", len(r.Wrong))
	}
	return []string{r.Name, r.Tool, string(r.Truth), strconv.FormatInt(r.Queries, 10), tq, right,
		strconv.FormatInt(r.OtherAlerts, 10), sev, ttd, span, r.Verdict()}
}

// WriteTable prints results as an aligned text table and the totals.
func WriteTable(w io.Writer, results []Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.ToUpper(strings.Join(columns, "\t")))
	for i := range results {
		fmt.Fprintln(tw, strings.Join(sanitize(row(&results[i])), "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if err := writeTotals(w, Sum(results), ""); err != nil {
		return err
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range comparison(results) {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// comparison sets dnsvigil's tunnel detector beside the published
// unique-subdomain rules and the seed's volume signal on the same cases:
// the tunnel cases each flags for the right client and domain, and what
// each flags on benign traffic.
func comparison(results []Result) [][]string {
	rows := [][]string{{"method", "tunnel captures flagged", "findings on benign traffic", "other findings in tunnel captures"}}
	var tunnels, benignQueries int64
	dv := [3]int{}
	bl := make([][3]int, len(Baselines()))
	var vol [3]int
	for i := range results {
		r := &results[i]
		if r.Err != nil {
			continue
		}
		if r.Truth == TruthTunnel {
			tunnels++
			if len(r.Right) > 0 {
				dv[0]++
			}
			dv[2] += len(r.Wrong)
			if r.VolumeRight {
				vol[0]++
			}
			vol[2] += r.VolumeWrong
		} else {
			benignQueries += r.Queries
			dv[1] += len(r.Wrong)
			vol[1] += r.VolumeWrong
		}
		for j := range bl {
			if j >= len(r.BaselineRight) {
				break
			}
			if r.Truth == TruthTunnel {
				if r.BaselineRight[j] {
					bl[j][0]++
				}
				bl[j][2] += r.BaselineWrong[j]
			} else {
				bl[j][1] += r.BaselineWrong[j]
			}
		}
	}
	row := func(name string, c [3]int) []string {
		return []string{name, fmt.Sprintf("%d of %d", c[0], tunnels), fmt.Sprintf("%d in %d queries", c[1], benignQueries), strconv.Itoa(c[2])}
	}
	rows = append(rows, row("dnsvigil tunnel detector (any severity)", dv))
	for j, b := range Baselines() {
		rows = append(rows, row("baseline: "+b.Name+" per client and domain", bl[j]))
	}
	rows = append(rows, row("seed Signal 2: > 200 queries per device in 5 min (volume detector)", vol))
	return rows
}

// WriteMarkdown prints results as a Markdown table and the totals.
func WriteMarkdown(w io.Writer, results []Result) error {
	fmt.Fprintf(w, "| %s |\n", strings.Join(columns, " | "))
	fmt.Fprintf(w, "|%s\n", strings.Repeat("---|", len(columns)))
	for i := range results {
		cells := sanitize(row(&results[i]))
		for j := range cells {
			cells[j] = strings.ReplaceAll(cells[j], "|", `\|`)
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
	fmt.Fprintln(w)
	if err := writeTotals(w, Sum(results), "- "); err != nil {
		return err
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "### Against the published rules")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "The same cases scored for the rule every published DNS tunnel detection shares, distinct")
	fmt.Fprintln(w, "subdomains per client and registrable domain, at the two ends of the thresholds in use, and")
	fmt.Fprintln(w, "for the seed query's Signal 2. A finding is a (client, domain) pair a rule flags; for the")
	fmt.Fprintln(w, "volume signal, a device alert.")
	fmt.Fprintln(w)
	for i, r := range comparison(results) {
		fmt.Fprintf(w, "| %s |\n", strings.Join(r, " | "))
		if i == 0 {
			fmt.Fprintf(w, "|%s\n", strings.Repeat("---|", len(r)))
		}
	}
	return nil
}

func writeTotals(w io.Writer, t Totals, bullet string) error {
	ratio := func(x float64, n int) string {
		if n == 0 {
			return "n/a"
		}
		return strconv.FormatFloat(x, 'f', 3, 64)
	}
	_, err := fmt.Fprintf(w, "%stunnel captures detected within bounds: %d of %d (recall %s)\n"+
		"%stunnel findings naming the right client and domain: %d of %d (precision %s)\n"+
		"%sbenign cases: %d, %d queries, %d high and %d medium tunnel alerts (%.2f medium per million queries)\n"+
		"%scases not run (files missing): %d\n"+
		"%sverdict: %s\n",
		bullet, t.TunnelPassed, t.TunnelCases, ratio(t.Recall(), t.TunnelCases),
		bullet, t.RightFindings, t.RightFindings+t.WrongFindings, ratio(t.Precision(), t.RightFindings+t.WrongFindings),
		bullet, t.BenignCases, t.BenignQueries, t.BenignHigh, t.BenignMedium, t.MediumPerMillion(),
		bullet, t.NotRun,
		bullet, map[bool]string{true: "within the acceptance bounds", false: "OUTSIDE the acceptance bounds"}[t.Acceptable()])
	return err
}

// sanitize keeps table cells on one line: file names and error texts may
// hold control characters.
func sanitize(cells []string) []string {
	for i, c := range cells {
		cells[i] = strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f {
				return ' '
			}
			return r
		}, c)
	}
	return cells
}
