package benchdetect

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// TestNamesEvaluate runs the per-name evaluation on the labelled sets of
// ../shared/data and checks floors measured for tunnel.NameThreshold, a
// little below the measured values. Recall stays well below 1 by design:
// one short name (iodine handshakes, dns2tcp polls, DNSExfiltrator's init
// and last chunks, tuns and dnscapy sequence names) does not show carried
// data, and names with a label starting with '_' (base64url data, 1 label
// in 64) are skipped as service names, as the detector skips them.
func TestNamesEvaluate(t *testing.T) {
	dir := filepath.Dir(testutil.SharedData(t, "netrack-learn-dns-labeled"))
	rows, err := EvaluateNames(dir)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := FormatNameTable(&buf, rows, false); err != nil {
		t.Fatal(err)
	}
	t.Logf("per-name shape classification:\n%s", buf.String())

	by := map[string]NameResult{}
	for _, r := range rows {
		by[r.Set] = r
	}
	tests := []struct {
		set               string
		minPrecision      float64 // 0: not checked
		minRecall         float64
		maxFalsePositives float64 // share of negatives; -1: not checked
	}{
		{set: "dnsexfiltrator/FileSet2", minRecall: 0.85, maxFalsePositives: -1},
		{set: "dnsexfiltrator/FileSet3", minPrecision: 0.98, minRecall: 0.85, maxFalsePositives: 0.01},
		{set: "netrack/iodine", minRecall: 0.95, maxFalsePositives: -1},
		{set: "netrack/dnscapy", minRecall: 0.93, maxFalsePositives: -1},
		{set: "netrack/dns2tcp", minRecall: 0.60, maxFalsePositives: -1},
		{set: "netrack/plain", maxFalsePositives: 0.001},
		{set: "netrack/train", minPrecision: 0.99, minRecall: 0.70, maxFalsePositives: 0.001},
		{set: "netrack/validate", minPrecision: 0.99, minRecall: 0.70, maxFalsePositives: 0.001},
		{set: "netrack/test", minPrecision: 0.93, minRecall: 0.45, maxFalsePositives: 0.03},
	}
	for _, tc := range tests {
		t.Run(tc.set, func(t *testing.T) {
			r, ok := by[tc.set]
			if !ok {
				t.Fatalf("no row for %s", tc.set)
			}
			if r.Names == 0 {
				t.Fatal("no names read")
			}
			if tc.minPrecision > 0 && !(r.Precision >= tc.minPrecision) {
				t.Errorf("precision %.4f, want >= %.2f", r.Precision, tc.minPrecision)
			}
			if tc.minRecall > 0 && !(r.Recall >= tc.minRecall) {
				t.Errorf("recall %.4f, want >= %.2f", r.Recall, tc.minRecall)
			}
			if tc.maxFalsePositives >= 0 && !(r.FalsePositiveRate <= tc.maxFalsePositives) {
				t.Errorf("false positive rate %.4f, want <= %.3f", r.FalsePositiveRate, tc.maxFalsePositives)
			}
		})
	}
}

// TestNamesParse checks the line formats and the errors on bad input.
func TestNamesParse(t *testing.T) {
	tests := []struct {
		name, pattern string
		files         map[string]string
		want          NameResult
		wantErr       string
	}{
		{
			name:    "netrack with header",
			pattern: "a/names.csv",
			files: map[string]string{"a/names.csv": "label,qname\n1,mrtdcmzngf6dgnrtdcmzngf6dgmrtdcmzngf6dg2ab.pirate.sea.\n" +
				"0,www.google.com.\n1,paaamiii.hidemyself.org.\n\n"},
			want: NameResult{Names: 3, Positives: 2, TP: 1, TN: 1, FN: 1},
		},
		{
			name:    "quoted with BOM and CRLF",
			pattern: "q/*.txt",
			files: map[string]string{
				"q/1.txt": "\xef\xbb\xbf\"1\",\"0.goqBVy2Yy6g6VvEIHFsShQlpswF6P_OAGM-e2561uaGuEx5aF4LdMOz-Ox5rKdL.Pm8FHA9uS_Hf.CapTechUtest.org\"\r\n",
				"q/2.txt": "\xef\xbb\xbf\"0\",\"stackoverflow.com\"\r\n\"0\",\"a1.cdn.example.net\"\r\n",
			},
			want: NameResult{Names: 3, Positives: 1, TP: 1, TN: 2},
		},
		{
			name:    "plain without header, name with a comma",
			pattern: "p.csv",
			files:   map[string]string{"p.csv": "0,a,b.example.com.\r\n"},
			want:    NameResult{Names: 1, TN: 1},
		},
		{
			name:    "bad label",
			pattern: "p.csv",
			files:   map[string]string{"p.csv": "1,x.example.com.\n2,y.example.com.\n"},
			wantErr: "p.csv:2: label \"2\"",
		},
		{
			name:    "bad header",
			pattern: "a/names.csv",
			files:   map[string]string{"a/names.csv": "1,x.example.com.\n"},
			wantErr: "names.csv:1: header",
		},
		{
			name:    "unquoted line in a quoted file",
			pattern: "q/*.txt",
			files:   map[string]string{"q/1.txt": "1,x.example.com\n"},
			wantErr: "1.txt:1: line",
		},
		{
			name:    "missing file",
			pattern: "none/names.csv",
			wantErr: "none",
		},
		{
			name:    "empty glob",
			pattern: "q/*.txt",
			files:   map[string]string{"q/readme": ""},
			wantErr: "no file matches",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, data := range tc.files {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			format := namesPlainCSV
			switch {
			case strings.HasSuffix(tc.pattern, "names.csv"):
				format = namesHeaderCSV
			case strings.HasSuffix(tc.pattern, ".txt"):
				format = namesQuotedCSV
			}
			got, err := namesEvaluateSet(namesSet{name: tc.name, pattern: tc.pattern, format: format}, dir, namesNewEvaluator())
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.want.Set = tc.name
			if got.TP+got.FN != got.Positives || got.Names != got.TP+got.FP+got.TN+got.FN {
				t.Errorf("inconsistent counts %+v", got)
			}
			got.Precision, got.Recall, got.FalsePositiveRate = 0, 0, 0
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestFormatNameTable(t *testing.T) {
	rows := []NameResult{
		{Set: "a", Names: 4, Positives: 2, TP: 2, TN: 2},
		{Set: "b", Names: 2, TN: 1, FP: 1},
	}
	for i := range rows {
		rows[i].finish()
	}
	var buf bytes.Buffer
	if err := FormatNameTable(&buf, rows, false); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want header and 2 rows:\n%s", len(lines), buf.String())
	}
	for i, want := range []string{"set", "a", "b"} {
		if f := strings.Fields(lines[i]); len(f) == 0 || f[0] != want {
			t.Errorf("line %d %q, want it to start with %q", i, lines[i], want)
		}
	}
	if f := strings.Fields(lines[2]); f[7] != "0.0000" || f[8] != "-" || f[9] != "0.5000" {
		t.Errorf("row b %q: want precision 0.0000, recall -, FP rate 0.5000", lines[2])
	}
	buf.Reset()
	if err := FormatNameTable(&buf, rows, true); err != nil {
		t.Fatal(err)
	}
	want := "| set | names | positives | TP | FP | TN | FN | precision | recall | FP rate |\n" +
		"|---|---|---|---|---|---|---|---|---|---|\n" +
		"| a | 4 | 2 | 2 | 0 | 2 | 0 | 1.0000 | 1.0000 | 0.0000 |\n" +
		"| b | 2 | 0 | 0 | 1 | 1 | 0 | 0.0000 | - | 0.5000 |\n"
	if d := cmp.Diff(want, buf.String()); d != "" {
		t.Errorf("markdown (-want +got):\n%s", d)
	}
}
