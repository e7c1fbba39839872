package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/testutil"
	"github.com/google/go-cmp/cmp"
)

// latestByKey reads JSON alert lines and keeps the last line of each
// dnsvigil.key, as a consumer of a live feed would.
func latestByKey(t *testing.T, data []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var doc struct {
			DNSVigil struct {
				Key string `json:"key"`
			} `json:"dnsvigil"`
		}
		if err := json.Unmarshal(sc.Bytes(), &doc); err != nil {
			t.Fatalf("bad JSON line %q: %v", sc.Text(), err)
		}
		out[doc.DNSVigil.Key] = sc.Text()
	}
	return out
}

// serveFiles runs serve in-process over files read once, with extra
// configuration text, and returns the JSON lines it wrote.
func serveFiles(t *testing.T, extra string, paths ...string) []byte {
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, "alerts.jsonl")
	quoted := make([]string, len(paths))
	for i, p := range paths {
		quoted[i] = fmt.Sprintf("%q", p)
	}
	cfg := writeConfig(t, fmt.Sprintf(`%s
serve:
  sources:
    - file:
        paths: [%s]
  outputs:
    - jsonl:
        path: %q
  listen: ""
  idle_advance: 0s
`, extra, strings.Join(quoted, ", "), out))
	var stdout, stderr bytes.Buffer
	if err := runServe(context.Background(), cfg, nil, &stdout, &stderr); err != nil {
		t.Fatalf("serve: %v\n%s", err, stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestServeMatchesScan replays lab captures through serve's live engine and
// through scan: every finding's final report is the same, byte for byte.
func TestServeMatchesScan(t *testing.T) {
	root := testutil.RepoRoot()
	approve := "detectors:\n  resolver:\n    approved:\n      - cidr: 10.20.1.53\n      - cidr: 10.20.1.5\n    treat_private_as_approved: false\n"
	for _, c := range []struct {
		name, file, config string
	}{
		{"bypass", "testdata/lab/bypass/lan.pcap", approve},
		{"iodine", "testdata/lab/iodine/lan.pcap.gz", ""},
		{"corp-dnstap", "testdata/lab/corp/resolver.dnstap", ""},
		{"ns-change", "testdata/lab/ns-change/lan.pcap.gz", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(root, c.file)
			args := []string{path}
			if c.config != "" {
				args = append([]string{"--config", writeConfig(t, c.config)}, args...)
			}
			res := scan(t, args...)
			if res.code == exitError {
				t.Fatalf("scan failed: %s", res.stderr)
			}
			want := latestByKey(t, []byte(res.stdout))
			got := latestByKey(t, serveFiles(t, c.config, path))
			if len(want) == 0 {
				t.Fatal("scan raised no alert; the comparison would prove nothing")
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("serve and scan disagree (-scan +serve):\n%s", d)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for the daemon's log and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeStalledWebhookDropsAndReports points a webhook output at a
// server that never answers: ingestion goes on, the webhook's bounded
// queue drops, and the drops reach the other output as DNSV-OPS-001.
func TestServeStalledWebhookDropsAndReports(t *testing.T) {
	release := make(chan struct{})
	stalled := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer stalled.Close()
	defer close(release)
	root := testutil.RepoRoot()
	dir := t.TempDir()
	out := filepath.Join(dir, "alerts.jsonl")
	cfg := writeConfig(t, fmt.Sprintf(`detectors:
  resolver:
    treat_private_as_approved: false
serve:
  sources:
    - file:
        paths: [%q, %q]
  outputs:
    - jsonl:
        path: %q
    - name: soar
      queue: 2
      webhook:
        url: %q
        timeout: 30s
  listen: ""
  idle_advance: 0s
  drain_timeout: 500ms
`, filepath.Join(root, "testdata/lab/bypass/lan.pcap"), filepath.Join(root, "testdata/lab/iodine/lan.pcap.gz"), out, stalled.URL))
	var stderr syncBuffer
	done := make(chan error, 1)
	go func() { done <- runServe(context.Background(), cfg, nil, &bytes.Buffer{}, &stderr) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v\n%s", err, stderr.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("serve blocked behind a stalled webhook\n%s", stderr.String())
	}
	var drops, others int
	for _, line := range strings.Split(strings.TrimSpace(string(mustRead(t, out))), "\n") {
		var doc struct {
			Rule struct {
				ID string `json:"id"`
			} `json:"rule"`
			DNSVigil struct {
				Evidence map[string]any `json:"evidence"`
			} `json:"dnsvigil"`
		}
		if err := json.Unmarshal([]byte(line), &doc); err != nil {
			t.Fatalf("bad line %q: %v", line, err)
		}
		if doc.Rule.ID == "DNSV-OPS-001" {
			drops++
			if doc.DNSVigil.Evidence["sink"] != "soar" || doc.DNSVigil.Evidence["dropped_total"].(float64) < 1 {
				t.Errorf("drop alert evidence %v", doc.DNSVigil.Evidence)
			}
			continue
		}
		others++
	}
	if drops == 0 || others < 5 {
		t.Errorf("%d drop alerts and %d others in the jsonl output, want at least 1 and 5\n%s", drops, others, stderr.String())
	}
	if !strings.Contains(stderr.String(), "alerts dropped") {
		t.Errorf("the drops were not logged:\n%s", stderr.String())
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
