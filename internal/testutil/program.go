package testutil

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Program returns the path of an installed program (looked up in PATH and
// /usr/sbin). Without it the test is skipped with the Debian package to
// install, except when CI is "true", where it fails: .ci/run installs it.
func Program(t testing.TB, name, debianPackage string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if p := filepath.Join("/usr/sbin", name); fileExists(p) {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed (CI=true requires it: apt-get install -y %s)", name, debianPackage)
	}
	t.Skipf("skipping: %s is not installed (apt-get install -y %s)", name, debianPackage)
	return ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
