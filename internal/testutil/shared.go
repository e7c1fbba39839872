// Package testutil holds helpers shared by tests: locating the shared real-data
// corpus beside the checkout.
package testutil

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// SharedDir returns the absolute path of ../shared/data relative to the
// repository root, and whether it exists.
func SharedDir() (string, bool) {
	if d := os.Getenv("DNSVIGIL_SHARED_DATA"); d != "" {
		_, err := os.Stat(d)
		return d, err == nil
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	d, _ := filepath.Abs(filepath.Join(root, "..", "shared", "data"))
	_, err := os.Stat(d)
	return d, err == nil
}

// SharedData returns the path of rel under the shared data folder. When the
// folder is absent the test is skipped with a clear message, except when the
// environment variable CI is "true", where a missing folder or file fails the
// test: CI must run the real-data tests.
func SharedData(t testing.TB, rel string) string {
	t.Helper()
	dir, ok := SharedDir()
	if !ok {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared data folder %s is missing (CI=true requires it)", dir)
		}
		t.Skipf("skipping: shared data folder %s not found (it sits beside the checkout as ../shared/data)", dir)
	}
	p := filepath.Join(dir, rel)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("shared data file missing: %v", err)
	}
	return p
}

// RepoRoot returns the repository root.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	d, _ := filepath.Abs(filepath.Join(filepath.Dir(file), "..", ".."))
	return d
}

// PeakRSS returns the process's peak resident set size (VmHWM from
// /proc/self/status) as text such as "230412 kB", or "unknown" where /proc is
// not available. Flood tests log it; no test asserts on it.
func PeakRSS() string {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
