package benchdetect

// Per-name evaluation of the tunnel detector's label-shape features on the
// labelled query-name lists of the shared corpus: netrack/learn
// (dns2tcp, dnscapy, iodine, tuns and plain browsing names) and the
// DNSExfiltrator covert-channel test data (FileSet2: exfiltration names
// only; FileSet3: half exfiltration, half Umbrella top-1M names).

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/dnsvigil/dnsvigil/internal/detect/tunnel"
	"github.com/dnsvigil/dnsvigil/internal/dnsname"
)

// NameResult is the per-name confusion matrix of tunnel.NameShape.Carried
// on one labelled set. Label 1 (tunnel or exfiltration) is the positive
// class.
type NameResult struct {
	Set               string
	Names             int // labelled names read
	Positives         int // names labelled 1
	TP, FP, TN, FN    int
	Precision         float64 // TP/(TP+FP); NaN when no name was flagged
	Recall            float64 // TP/(TP+FN); NaN when the set has no positive
	FalsePositiveRate float64 // FP/(FP+TN); NaN when the set has no negative
}

// namesSet is one labelled set: its row name, its files (a glob for the
// DNSExfiltrator folders) and its format.
type namesSet struct {
	name, pattern string
	format        namesFormat
}

type namesFormat int

const (
	namesPlainCSV  namesFormat = iota // label,qname (no quoting)
	namesHeaderCSV                    // the same after a "label,qname" header
	namesQuotedCSV                    // "label","name", UTF-8 BOM first
)

// namesSets lists the labelled sets under the shared data folder.
func namesSets() []namesSet {
	const nr, dx = "netrack-learn-dns-labeled", "dnsexfiltrator-covertchannel-testdata"
	return []namesSet{
		{"netrack/dns2tcp", nr + "/dns2tcp/names.csv", namesHeaderCSV},
		{"netrack/dnscapy", nr + "/dnscapy/names.csv", namesHeaderCSV},
		{"netrack/iodine", nr + "/iodine/names.csv", namesHeaderCSV},
		{"netrack/plain", nr + "/plain/names.csv", namesHeaderCSV},
		{"netrack/train", nr + "/train.csv", namesPlainCSV},
		{"netrack/test", nr + "/test.csv", namesPlainCSV},
		{"netrack/validate", nr + "/validate.csv", namesPlainCSV},
		{"dnsexfiltrator/FileSet2", dx + "/FileSet2_PositiveTestFiles/*.txt", namesQuotedCSV},
		{"dnsexfiltrator/FileSet3", dx + "/FileSet3_MixedTestFiles/*.csv", namesQuotedCSV},
	}
}

// EvaluateNames classifies every name of the labelled sets under dataDir
// (the shared data folder) with tunnel.NameScorer and returns one row per
// set, in a fixed order. Names are put in canonical form
// (dnsname.Canonical) and split at their registrable domain with the ICANN
// public suffix rules, as the pipeline does. A missing file or folder, or a
// malformed line, is an error naming it.
func EvaluateNames(dataDir string) ([]NameResult, error) {
	e := namesNewEvaluator()
	var rows []NameResult
	for _, set := range namesSets() {
		r, err := namesEvaluateSet(set, dataDir, e)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// namesEvaluateSet reads the files of one set under dataDir.
func namesEvaluateSet(set namesSet, dataDir string, e *namesEvaluator) (NameResult, error) {
	r := NameResult{Set: set.name}
	files, err := namesFiles(filepath.Join(dataDir, set.pattern))
	if err != nil {
		return r, fmt.Errorf("evaluate names %s: %w", set.name, err)
	}
	for _, f := range files {
		if err := e.file(f, set.format, &r); err != nil {
			return r, fmt.Errorf("evaluate names %s: %w", set.name, err)
		}
	}
	r.finish()
	return r, nil
}

// namesFiles returns the files a set's pattern names, sorted.
func namesFiles(pattern string) ([]string, error) {
	files, err := filepath.Glob(pattern)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		if _, err := os.Stat(filepath.Dir(pattern)); err != nil {
			return nil, err
		}
		if !strings.ContainsAny(filepath.Base(pattern), "*?[") {
			_, err := os.Stat(pattern)
			return nil, err // names the missing file
		}
		return nil, fmt.Errorf("no file matches %s", pattern)
	}
	sort.Strings(files)
	return files, nil
}

func namesNewEvaluator() *namesEvaluator {
	return &namesEvaluator{psl: dnsname.NewPSL(dnsname.PSLOptions{}), scorer: tunnel.NewNameScorer()}
}

type namesEvaluator struct {
	psl    *dnsname.PSL
	scorer *tunnel.NameScorer
	buf    []byte
}

// file reads one labelled file into r.
func (e *namesEvaluator) file(path string, format namesFormat, r *NameResult) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := bytes.TrimRight(sc.Bytes(), "\r")
		if line == 1 {
			text = bytes.TrimPrefix(text, []byte("\xef\xbb\xbf"))
			if format == namesHeaderCSV {
				if string(text) != "label,qname" {
					return fmt.Errorf("%s:1: header %q, want \"label,qname\"", path, text)
				}
				continue
			}
		}
		if len(text) == 0 {
			continue
		}
		label, name, err := namesSplit(text, format == namesQuotedCSV)
		if err != nil {
			return fmt.Errorf("%s:%d: %w", path, line, err)
		}
		e.classify(label, name, r)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// namesSplit splits a line into its 0/1 label and its name, which keeps
// any byte it holds (names are read up to the end of the line).
func namesSplit(text []byte, quoted bool) (bool, []byte, error) {
	if quoted {
		if len(text) < 2 || text[0] != '"' || text[len(text)-1] != '"' {
			return false, nil, fmt.Errorf("line %q is not \"label\",\"name\"", namesClip(text))
		}
		text = text[1 : len(text)-1]
		l, n, ok := bytes.Cut(text, []byte(`","`))
		if !ok {
			return false, nil, fmt.Errorf("line %q is not \"label\",\"name\"", namesClip(text))
		}
		label, err := namesLabel(l)
		return label, n, err
	}
	l, n, ok := bytes.Cut(text, []byte(","))
	if !ok {
		return false, nil, fmt.Errorf("line %q is not label,qname", namesClip(text))
	}
	label, err := namesLabel(l)
	return label, n, err
}

func namesLabel(l []byte) (bool, error) {
	switch string(l) {
	case "0":
		return false, nil
	case "1":
		return true, nil
	}
	return false, fmt.Errorf("label %q is not 0 or 1", namesClip(l))
}

func namesClip(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "..."
	}
	return string(b)
}

// classify scores one labelled name into r.
func (e *namesEvaluator) classify(positive bool, raw []byte, r *NameResult) {
	e.buf = dnsname.AppendPresentation(e.buf[:0], string(raw))
	name := string(e.buf)
	flagged := e.scorer.Shape(name, e.psl.Domain(name)).Carried()
	r.Names++
	switch {
	case positive && flagged:
		r.Positives++
		r.TP++
	case positive:
		r.Positives++
		r.FN++
	case flagged:
		r.FP++
	default:
		r.TN++
	}
}

// finish computes the rates from the counts.
func (r *NameResult) finish() {
	r.Precision = namesRatio(r.TP, r.TP+r.FP)
	r.Recall = namesRatio(r.TP, r.TP+r.FN)
	r.FalsePositiveRate = namesRatio(r.FP, r.FP+r.TN)
}

func namesRatio(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

// FormatNameTable prints one row per labelled set, as an aligned text
// table or, with markdown, a Markdown table. There is no total row: the
// netrack train, test and validate sets reuse the names of its per-tool
// files, so a sum would count names twice.
func FormatNameTable(w io.Writer, rows []NameResult, markdown bool) error {
	header := []string{"set", "names", "positives", "TP", "FP", "TN", "FN", "precision", "recall", "FP rate"}
	cells := func(r NameResult) []string {
		return []string{r.Set, strconv.Itoa(r.Names), strconv.Itoa(r.Positives), strconv.Itoa(r.TP), strconv.Itoa(r.FP),
			strconv.Itoa(r.TN), strconv.Itoa(r.FN), namesRate(r.Precision), namesRate(r.Recall), namesRate(r.FalsePositiveRate)}
	}
	if markdown {
		fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(header, " | "), strings.Repeat("---|", len(header)))
		for _, r := range rows {
			fmt.Fprintf(w, "| %s |\n", strings.Join(cells(r), " | "))
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, strings.Join(header, "\t")+"\t")
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(cells(r), "\t")+"\t")
	}
	return tw.Flush()
}

func namesRate(x float64) string {
	if math.IsNaN(x) {
		return "-"
	}
	return strconv.FormatFloat(x, 'f', 4, 64)
}
