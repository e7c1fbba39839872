package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/components"
	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

func TestCheckAndConfigDefault(t *testing.T) {
	var def bytes.Buffer
	if code := run([]string{"config", "default"}, nil, &def, &bytes.Buffer{}); code != exitOK {
		t.Fatalf("config default exit %d", code)
	}
	if !bytes.Equal(def.Bytes(), components.DefaultYAML()) {
		t.Error("config default does not print the documented default")
	}
	good := writeConfig(t, def.String())
	bad := writeConfig(t, "detectors:\n  resolver:\n    approved:\n      - {cidr: 10.0.0.0/33}\n  volume:\n    threshold: 0\n")
	tests := []struct {
		name string
		file string
		code int
		want []string
	}{
		{"default is valid", good, exitOK, []string{": ok"}},
		{"every problem with its line", bad, exitError, []string{"dnsvigil.yaml:4: detectors.resolver.approved[0].cidr", "dnsvigil.yaml:6: detectors.volume.threshold"}},
		{"missing file", filepath.Join(t.TempDir(), "none.yaml"), exitError, []string{"none.yaml"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run([]string{"check", tc.file}, nil, &out, &errb)
			if code != tc.code {
				t.Errorf("exit %d, want %d", code, tc.code)
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String()+errb.String(), w) {
					t.Errorf("output lacks %q:\n%s%s", w, out.String(), errb.String())
				}
			}
		})
	}
}

// Standard input is read for "-", with its format sniffed like a file's, and
// --output writes the alerts to a file; --progress always draws on stderr
// without disturbing the alerts.
func TestScanStdinOutputProgress(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), "testdata/lab/bypass/lan.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	outFile := filepath.Join(t.TempDir(), "alerts.jsonl")
	var out, errb bytes.Buffer
	code := run([]string{"scan", "--format", "json", "--output", outFile, "--progress", "always", "-"}, bytes.NewReader(data), &out, &errb)
	if code != exitAlerts {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitAlerts, errb.String())
	}
	if out.Len() != 0 {
		t.Errorf("alerts went to stdout despite --output: %q", out.String())
	}
	written, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(written, []byte(`"id":"DNSV-RES-001"`)); n != 8 {
		t.Errorf("%d resolver alerts in %s, want 8", n, outFile)
	}
	if !strings.Contains(errb.String(), "input - (pcap)") {
		t.Errorf("summary does not name standard input:\n%s", errb.String())
	}
}

func TestScanGuards(t *testing.T) {
	lab := filepath.Join(testutil.RepoRoot(), "testdata/lab/bypass/lan.pcap")
	data, err := os.ReadFile(lab)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	input := filepath.Join(dir, "in.pcap")
	if err := os.WriteFile(input, data, 0o644); err != nil {
		t.Fatal(err)
	}
	previous := filepath.Join(dir, "previous.jsonl")
	if err := os.WriteFile(previous, []byte("kept\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"stdin twice", []string{"-", "-"}, exitError, `standard input ("-") can be named only once`},
		{"output is an input", []string{"--output", input, input}, exitError, "is also an input"},
		{"bad progress word", []string{"--progress", "off", input}, exitError, "--progress must be"},
		{"bad color word", []string{"--color", "purple", input}, exitError, "--color must be"},
		{"failed run keeps the previous output", []string{"--output", previous, filepath.Join(dir, "missing.pcap")}, exitError, "missing.pcap"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(append([]string{"scan"}, tc.args...), bytes.NewReader(data), &out, &errb)
			if code != tc.code {
				t.Errorf("exit %d, want %d", code, tc.code)
			}
			if !strings.Contains(errb.String(), tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, errb.String())
			}
		})
	}
	if got, _ := os.ReadFile(input); !bytes.Equal(got, data) {
		t.Error("the input was overwritten")
	}
	if got, _ := os.ReadFile(previous); string(got) != "kept\n" {
		t.Errorf("the previous output was replaced: %q", got)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*.tmp")); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

// A file named twice (directly and through its folder) is read once, and the
// summary counts the alerts written, after re-reports of a finding merged.
func TestScanDuplicatesAndWrittenCounts(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), "testdata/lab/bypass/lan.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "lan.pcap")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(file, filepath.Join(sub, "same.pcap")); err != nil {
		t.Skipf("hard links not available: %v", err)
	}
	cfg := writeConfig(t, "detectors:\n  resolver:\n    first_report: 1s\n")
	res := scan(t, "--config", cfg, file, dir)
	if n := len(res.alerts); n != 10 {
		t.Errorf("%d alerts written, want 10 (8 resolver, 2 volume)", n)
	}
	if !strings.Contains(res.stderr, ", 10 alerts") {
		t.Errorf("summary does not report the 10 alerts written:\n%s", res.stderr)
	}
	if !strings.Contains(res.stderr, "re-reports merged into their finding") {
		t.Errorf("summary does not count merged re-reports:\n%s", res.stderr)
	}
	if n := strings.Count(res.stderr, " (pcap): "); n != 1 {
		t.Errorf("%d inputs read, want the one file once:\n%s", n, res.stderr)
	}
}

// --incidents groups the alerts of each host: on the bypass capture, one
// incident for each workstation, in the table and as JSON lines.
func TestScanIncidents(t *testing.T) {
	lab := filepath.Join(testutil.RepoRoot(), "testdata/lab/bypass/lan.pcap")
	var js, errb bytes.Buffer
	if code := run([]string{"scan", "--incidents", "--format", "json", lab}, nil, &js, &errb); code != exitAlerts {
		t.Fatalf("exit %d; stderr:\n%s", code, errb.String())
	}
	hosts := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(js.String()), "\n") {
		var inc struct {
			Source struct {
				IP string `json:"ip"`
			} `json:"source"`
			Dnsvigil struct {
				Incident struct {
					Alerts int `json:"alerts"`
				} `json:"incident"`
			} `json:"dnsvigil"`
		}
		if err := json.Unmarshal([]byte(line), &inc); err != nil {
			t.Fatalf("bad JSON line %q: %v", line, err)
		}
		hosts[inc.Source.IP] = inc.Dnsvigil.Incident.Alerts
	}
	if d := cmp.Diff(map[string]int{"10.20.0.23": 8, "10.20.0.10": 2}, hosts); d != "" {
		t.Errorf("incidents (host: alerts), -want +got:\n%s", d)
	}
	var tab bytes.Buffer
	if code := run([]string{"scan", "--incidents", lab}, nil, &tab, &bytes.Buffer{}); code != exitAlerts {
		t.Fatalf("table: exit %d", code)
	}
	if n := strings.Count(tab.String(), "\nINC-"); n != 2 {
		t.Errorf("%d incident rows in the table, want 2:\n%s", n, tab.String())
	}
}

// TestScanDirectToAuthoritative scans the bypass lab capture: the
// compromised workstation's queries straight to the adversary's name
// servers are reported with the queries that asked for no recursion and
// the zone the server is authoritative for (learned from the glue of an
// earlier referral in the same capture).
func TestScanDirectToAuthoritative(t *testing.T) {
	lab := filepath.Join(testutil.RepoRoot(), "testdata/lab/bypass/lan.pcap")
	var out, errb bytes.Buffer
	if code := run([]string{"scan", "--format", "json", lab}, nil, &out, &errb); code != exitAlerts {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var line string
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.Contains(l, `"DNSV-RES-001"`) && strings.Contains(l, `"203.0.113.53"`) {
			line = l
		}
	}
	for _, want := range []string{`"queries_without_recursion":9`, `"server_authoritative_for":["evil-c2.test"]`, "bypassing the resolvers"} {
		if !strings.Contains(line, want) {
			t.Errorf("alert for 203.0.113.53 lacks %s: %s", want, line)
		}
	}
}
