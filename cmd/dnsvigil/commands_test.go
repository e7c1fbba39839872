package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
