package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// TestBenchDetectWithoutSharedData runs the benchmark as a newcomer would
// without ../shared/data: the cases shipped in the repository run, every
// other case is listed as not run with the path it needs, and the command
// says why.
func TestBenchDetectWithoutSharedData(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-data")
	var out, errb bytes.Buffer
	code := run([]string{"bench-detect", "--data", missing, "--repo", testutil.RepoRoot()}, nil, &out, &errb)
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	for _, want := range []string{"lab corp", "lab bypass", "not run: missing: [" + missing, "cases not run (files missing)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(errb.String(), "shared data folder "+missing+" not found") {
		t.Errorf("stderr does not say the data folder is missing:\n%s", errb.String())
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "lab ") && !strings.HasSuffix(strings.TrimSpace(line), " ok") {
			t.Errorf("repository case not within bounds: %s", line)
		}
	}
	for _, want := range []string{"tunnel captures detected within bounds: 2 of 2", "verdict: within the acceptance bounds"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestBenchDetectUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"bench-detect", "--format", "xml"}, nil, &out, &errb); code != exitError {
		t.Errorf("--format xml: exit %d, want %d", code, exitError)
	}
	if code := run([]string{"bench-detect", "--manifest", filepath.Join(t.TempDir(), "absent.yaml")}, nil, &out, &errb); code != exitError {
		t.Errorf("absent manifest: exit %d, want %d", code, exitError)
	}
}
