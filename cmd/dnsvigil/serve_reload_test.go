package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// tunnelLines returns dnsmasq log lines of n TXT queries with encoded
// labels under domain from client, starting at t.
func tunnelLines(rng *rand.Rand, domain, client string, t time.Time, n int) string {
	var b strings.Builder
	for i := range n {
		label := make([]byte, 48)
		for j := range label {
			label[j] = "abcdefghijklmnopqrstuvwxyz234567"[rng.IntN(32)]
		}
		ts := t.Add(time.Duration(i) * time.Second).Format(time.Stamp)
		fmt.Fprintf(&b, "%s dnsmasq[9]: query[TXT] %s.%d.%s from %s\n", ts, label, i, domain, client)
		fmt.Fprintf(&b, "%s dnsmasq[9]: reply %s.%d.%s is NXDOMAIN\n", ts, label, i, domain)
	}
	return b.String()
}

// TestServeReloadOnSIGHUP changes the tunnel detector's allow list while
// serve follows a log: after the reload the allowed domain raises nothing,
// another still alerts, and /healthz and /metrics report the reload.
func TestServeReloadOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "dnsmasq.log")
	out := filepath.Join(dir, "alerts.jsonl")
	listen := freeTCPAddr(t)
	base := fmt.Sprintf(`serve:
  sources:
    - name: dnsmasq
      follow:
        path: %q
        format: dnsmasq
        start_at: beginning
        poll_interval: 20ms
  outputs:
    - jsonl:
        path: %q
  listen: %q
  idle_advance: 0s
`, logPath, out, listen)
	cfg := writeConfig(t, base)
	if err := os.WriteFile(logPath, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	start := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	appendLog := func(s string) {
		f, err := os.OpenFile(logPath, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteString(s); err != nil {
			t.Fatal(err)
		}
	}
	tunnelAlerts := func() map[string]bool {
		got := map[string]bool{}
		for _, a := range readAlerts(t, out) {
			if a.Rule.ID == "DNSV-TUN-001" {
				for _, d := range []string{"one.test", "two.test", "three.test"} {
					if strings.Contains(a.Message, d) {
						got[d] = true
					}
				}
			}
		}
		return got
	}
	reload := make(chan os.Signal, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuffer
	served := make(chan error, 1)
	go func() { served <- runServe(ctx, cfg, reload, &bytes.Buffer{}, &stderr) }()

	appendLog(tunnelLines(rng, "one.test", "10.0.0.5", start, 40))
	waitFor(t, "the first tunnel alert", func() bool { return tunnelAlerts()["one.test"] })

	if err := os.WriteFile(cfg, []byte(base+`detectors:
  tunnel:
    allow:
      - domain: two.test
        reason: test zone of the reload test
`), 0o644); err != nil {
		t.Fatal(err)
	}
	reload <- syscall.SIGHUP
	waitFor(t, "the reload", func() bool { return strings.Contains(stderr.String(), "configuration reloaded") })
	appendLog(tunnelLines(rng, "two.test", "10.0.0.5", start.Add(time.Minute), 40) +
		tunnelLines(rng, "three.test", "10.0.0.5", start.Add(2*time.Minute), 40))
	waitFor(t, "the third tunnel alert", func() bool { return tunnelAlerts()["three.test"] })
	if tunnelAlerts()["two.test"] {
		t.Error("the domain allowed by the reload still alerted")
	}
	ch := &child{url: "http://" + listen}
	if m := ch.metrics(); m[`dnsvigil_reloads_total{result="ok"}`] != 1 {
		t.Errorf("reloads metric: %v", m[`dnsvigil_reloads_total{result="ok"}`])
	}
	resp, err := http.Get("http://" + listen + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz: %s", resp.Status)
	}

	// A broken file is refused and the running configuration kept.
	if err := os.WriteFile(cfg, []byte(base+"detectors:\n  tunnel:\n    no_such_key: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	reload <- syscall.SIGHUP
	waitFor(t, "the refused reload", func() bool {
		return strings.Contains(stderr.String(), "configuration not valid, keeping the running one")
	})
	cancel()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
}
