package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// TestScanStore fills a store with two scans of the NS-hijack lab capture:
// the rows stay, the first-seen time stays, and store stats reads them.
// A corrupt store file is refused with its name and left as it was.
func TestScanStore(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "pdns.db")
	lab := filepath.Join(testutil.RepoRoot(), "testdata", "lab", "ns-change")
	stats := func() map[string]any {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run([]string{"store", "stats", "--format", "json", db}, nil, &out, &errb); code != exitOK {
			t.Fatalf("store stats: exit %d: %s", code, errb.String())
		}
		var m map[string]any
		if err := json.Unmarshal(out.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	scan := func() {
		t.Helper()
		var errb bytes.Buffer
		code := run([]string{"scan", "--quiet", "--store", db, "--format", "json", "-o", filepath.Join(dir, "alerts.jsonl"),
			filepath.Join(lab, "inet.pcap.gz"), filepath.Join(lab, "lan.pcap.gz")}, nil, &bytes.Buffer{}, &errb)
		if code == exitError {
			t.Fatalf("scan --store: exit %d: %s", code, errb.String())
		}
	}
	scan()
	first := stats()
	scan()
	second := stats()
	if first["rrsets"].(float64) < 100 || first["rrsets"] != second["rrsets"] || first["first_seen"] != second["first_seen"] {
		t.Errorf("after two scans: %v, then %v", first, second)
	}

	// A later scan loads the delegation history the earlier ones left.
	var errb bytes.Buffer
	if code := run([]string{"scan", "--store", db, "-o", filepath.Join(dir, "again.txt"), filepath.Join(lab, "lan.pcap.gz")}, nil, &bytes.Buffer{}, &errb); code == exitError || !strings.Contains(errb.String(), "delegation history of") {
		t.Errorf("third scan: exit %d: %s", code, errb.String())
	}
	errb.Reset()
	if code := run([]string{"scan", "--store", filepath.Join(lab, "lan.pcap.gz"), filepath.Join(lab, "lan.pcap.gz")}, nil, &bytes.Buffer{}, &errb); code != exitError || !strings.Contains(errb.String(), "is also an input") {
		t.Errorf("--store naming an input: exit %d: %s", code, errb.String())
	}

	bad := filepath.Join(dir, "bad.db")
	junk := bytes.Repeat([]byte("not a database\n"), 100)
	if err := os.WriteFile(bad, junk, 0o644); err != nil {
		t.Fatal(err)
	}
	errb.Reset()
	if code := run([]string{"scan", "--store", bad, filepath.Join(lab, "lan.pcap.gz")}, nil, &bytes.Buffer{}, &errb); code != exitError || !strings.Contains(errb.String(), bad) {
		t.Errorf("corrupt store: exit %d: %s", code, errb.String())
	}
	if got, _ := os.ReadFile(bad); !bytes.Equal(got, junk) {
		t.Error("the corrupt store file was changed")
	}
	var out bytes.Buffer
	if code := run([]string{"store", "prune", "--keep", "1m", db}, nil, &out, &errb); code != exitOK || !strings.Contains(out.String(), "deleted") {
		t.Errorf("store prune: exit %d: %s %s", code, out.String(), errb.String())
	}
}
