package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// TestScanRDAP runs the NS-hijack lab captures with RDAP enrichment
// against a local RDAP server (never the Internet): the authns finding for
// corp-victim.test gets the registration date and registrar, and, since the
// domain was registered ten days before, its severity is raised.
func TestScanRDAP(t *testing.T) {
	asked := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked++
		name := strings.TrimPrefix(r.URL.Path, "/domain/")
		w.Header().Set("Content-Type", "application/rdap+json")
		fmt.Fprintf(w, `{"objectClassName":"domain","ldhName":%q,"rdapConformance":["rdap_level_0"],
			"events":[{"eventAction":"registration","eventDate":"2026-11-18T04:00:00Z"}],
			"entities":[{"objectClassName":"entity","roles":["registrar"],"vcardArray":["vcard",[["version",{},"text","4.0"],["fn",{},"text","Lab Registrar"]]]}],
			"status":["active"]}`, name)
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "dnsvigil.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("enrich:\n  rdap:\n    enabled: true\n    cache_dir: %s\n    server_url: %s\n", filepath.Join(dir, "cache"), srv.URL)), 0o644); err != nil {
		t.Fatal(err)
	}
	lab := filepath.Join(testutil.RepoRoot(), "testdata", "lab", "ns-change")
	var out, errb bytes.Buffer
	code := run([]string{"scan", "--config", cfg, "--format", "json", filepath.Join(lab, "inet.pcap.gz"), filepath.Join(lab, "lan.pcap.gz")}, nil, &out, &errb)
	if code != exitAlerts {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	found := false
	sc := bufio.NewScanner(&out)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(sc.Text(), `"DNSV-AUTH-001"`) || !strings.Contains(sc.Text(), `"corp-victim.test"`) {
			continue
		}
		found = true
		for _, want := range []string{`"registrar":"Lab Registrar"`, `"domain_age_days":10`, `"young_domain":true`, `"severity":"high"`} {
			if !strings.Contains(sc.Text(), want) {
				t.Errorf("authns alert lacks %s: %s", want, sc.Text())
			}
		}
	}
	if !found {
		t.Fatalf("no authns alert for corp-victim.test:\n%s", out.String())
	}
	if asked == 0 {
		t.Error("the local RDAP server was not asked")
	}
}
