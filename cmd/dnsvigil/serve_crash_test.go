package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/input/querylog"
	"github.com/google/go-cmp/cmp"
)

// TestMain lets the crash test run this test binary as the dnsvigil
// command, in a child process it can kill -9.
func TestMain(m *testing.M) {
	if os.Getenv("DNSVIGIL_TEST_RUN_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// dnsmasqLog builds a deterministic dnsmasq query log of n exchanges over
// about half an hour: browsing from several clients, a tunnel from one
// client, a query burst from another.
func dnsmasqLog(n int) []string {
	rng := rand.New(rand.NewPCG(7, 11))
	start := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	benign := []string{"www.example.com", "mail.example.org", "cdn.example.net", "intranet.corp.test", "news.example.com"}
	var lines []string
	for i := range n {
		t := start.Add(time.Duration(i) * 350 * time.Millisecond).Format(time.Stamp)
		var name, client, qtype string
		switch {
		case i%7 == 3:
			label := make([]byte, 48)
			for j := range label {
				label[j] = "abcdefghijklmnopqrstuvwxyz234567"[rng.IntN(32)]
			}
			name, client, qtype = fmt.Sprintf("%s.%d.t.evil-c2.test", label, i), "10.0.0.66", "TXT"
		case i%3 == 0:
			name, client, qtype = benign[rng.IntN(len(benign))], "10.0.0.77", "A"
		default:
			name, client, qtype = benign[rng.IntN(len(benign))], fmt.Sprintf("10.0.0.%d", 10+rng.IntN(20)), "A"
		}
		lines = append(lines,
			fmt.Sprintf("%s dnsmasq[812]: query[%s] %s from %s", t, qtype, name, client),
			fmt.Sprintf("%s dnsmasq[812]: forwarded %s to 10.0.0.1", t, name))
		if qtype == "TXT" {
			lines = append(lines, fmt.Sprintf("%s dnsmasq[812]: reply %s is NXDOMAIN", t, name))
		} else {
			lines = append(lines, fmt.Sprintf("%s dnsmasq[812]: reply %s is 192.0.2.%d", t, name, 1+rng.IntN(200)))
		}
	}
	// A last exchange a minute later: its time moves the decoder past the
	// pairing timeout of every earlier query, so they all come out while
	// the log is followed; it stays pending itself and is never counted.
	t := start.Add(time.Duration(n)*350*time.Millisecond + time.Minute).Format(time.Stamp)
	return append(lines,
		fmt.Sprintf("%s dnsmasq[812]: query[A] www.example.com from 10.0.0.10", t),
		fmt.Sprintf("%s dnsmasq[812]: reply www.example.com is 192.0.2.1", t))
}

// child is one dnsvigil serve process.
type child struct {
	cmd    *exec.Cmd
	out    *syncBuffer
	exited chan error
	url    string
}

func startChild(t *testing.T, cfg, listen string) *child {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	c := &child{out: &syncBuffer{}, exited: make(chan error, 1), url: "http://" + listen}
	c.cmd = exec.Command(exe, "serve", "--config", cfg)
	c.cmd.Env = append(os.Environ(), "DNSVIGIL_TEST_RUN_MAIN=1")
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.exited <- c.cmd.Wait() }()
	t.Cleanup(func() {
		_ = c.cmd.Process.Kill()
		<-c.exited
		if t.Failed() {
			t.Logf("serve output:\n%s", c.out.String())
		}
		c.exited <- nil
	})
	return c
}

// metrics scrapes the child's /metrics, or returns nil while it is not up.
func (c *child) metrics() map[string]float64 {
	resp, err := http.Get(c.url + "/metrics")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "dnsvigil_") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err == nil {
			out[line[:i]] = v
		}
	}
	return out
}

// finalCounts returns the "serve stopped" log record of a stopped child:
// events, alerts and every detector's counters.
func (c *child) finalCounts(t *testing.T) map[string]any {
	t.Helper()
	for _, line := range strings.Split(c.out.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == "serve stopped" {
			delete(rec, "time")
			return rec
		}
	}
	t.Fatalf("no final counters in the log")
	return nil
}

func (c *child) kill(t *testing.T) {
	t.Helper()
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.exited
	c.exited <- nil
}

func (c *child) stop(t *testing.T) {
	t.Helper()
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-c.exited:
		c.exited <- nil
		if err != nil {
			t.Fatalf("serve exited with %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
}

// waitEvents waits until the child has processed want events.
func (c *child) waitEvents(t *testing.T, want float64) map[string]float64 {
	t.Helper()
	var last map[string]float64
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if last = c.metrics(); last != nil && last["dnsvigil_events_total"] >= want {
			return last
		}
	}
	t.Fatalf("timed out waiting for %v events; last scrape: %v", want, last["dnsvigil_events_total"])
	return nil
}

// countEvents decodes the log with the dnsmasq decoder: the events serve
// must process.
func countEvents(t *testing.T, data []byte) float64 {
	t.Helper()
	d := querylog.New(bytes.NewReader(data), input.DefaultOptions(), querylog.Config{Year: 2026})
	var ev event.Event
	n := 0
	for {
		err := d.Next(&ev)
		if err == io.EOF {
			break
		}
		if err == nil {
			n++
		}
	}
	return float64(n)
}

func freeTCPAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func crashConfig(t *testing.T, dir string) (cfg, log, alerts, listen string) {
	log, alerts, listen = filepath.Join(dir, "dnsmasq.log"), filepath.Join(dir, "alerts.jsonl"), freeTCPAddr(t)
	cfg = filepath.Join(dir, "dnsvigil.yaml")
	text := fmt.Sprintf(`serve:
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
  checkpoint: %q
  checkpoint_interval: 50ms
  idle_advance: 0s
  log_format: json
`, log, alerts, listen, filepath.Join(dir, "serve.checkpoint"))
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg, log, alerts, listen
}

// distinctLines returns the distinct alert lines of a JSON lines file.
func distinctLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if l := sc.Text(); !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return out
}

// TestServeKill9ReplayMatchesUninterruptedRun follows a dnsmasq log that
// grows while serve is killed with SIGKILL twice and restarted: the alerts
// and the final detector counts equal those of a run that was never
// interrupted.
func TestServeKill9ReplayMatchesUninterruptedRun(t *testing.T) {
	lines := dnsmasqLog(6000)
	data := []byte(strings.Join(lines, "\n") + "\n")
	want := countEvents(t, data)

	// The uninterrupted run, over the whole log.
	dirA := t.TempDir()
	cfgA, logA, alertsA, listenA := crashConfig(t, dirA)
	if err := os.WriteFile(logA, data, 0o644); err != nil {
		t.Fatal(err)
	}
	a := startChild(t, cfgA, listenA)
	a.waitEvents(t, want-1)
	a.stop(t)
	countsA := a.finalCounts(t)
	wantAlerts := distinctLines(t, alertsA)
	if len(wantAlerts) < 3 {
		t.Fatalf("the uninterrupted run raised %d alerts; the comparison would prove little", len(wantAlerts))
	}

	// The interrupted run: the log grows in three parts; serve is killed
	// in the middle of the first two.
	dirB := t.TempDir()
	cfgB, logB, alertsB, listenB := crashConfig(t, dirB)
	f, err := os.OpenFile(logB, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	parts := [][]string{lines[:6000], lines[6000:12000], lines[12000:]}
	written := 0
	for i, part := range parts {
		if _, err := f.WriteString(strings.Join(part, "\n") + "\n"); err != nil {
			t.Fatal(err)
		}
		written += len(part)
		b := startChild(t, cfgB, listenB)
		if i < len(parts)-1 {
			// Kill once part of what is written has been processed and
			// a checkpoint has been taken.
			half := countEvents(t, []byte(strings.Join(lines[:written-len(part)/2], "\n")+"\n"))
			b.waitEvents(t, half)
			waitFor(t, "a checkpoint holding the log's position", func() bool {
				ck, _ := os.ReadFile(filepath.Join(dirB, "serve.checkpoint"))
				return bytes.Contains(ck, []byte(`"positions":{"dnsmasq":`))
			})
			b.kill(t)
			ck, _ := os.ReadFile(filepath.Join(dirB, "serve.checkpoint"))
			var st struct {
				Positions map[string]json.RawMessage `json:"positions"`
			}
			if err := json.Unmarshal(ck, &st); err != nil || len(st.Positions["dnsmasq"]) == 0 {
				t.Fatalf("killed after part %d: the checkpoint holds no position for the followed log (%v): %.300s", i+1, err, ck)
			}
			continue
		}
		m := b.waitEvents(t, want-1)
		if m["dnsvigil_alerts_suppressed_total"] == 0 {
			t.Error("the restarted run replayed no alert delivered before the kill: the test did not exercise the ledger")
		}
		b.stop(t)
		countsB := b.finalCounts(t)
		if d := cmp.Diff(countsA, countsB); d != "" {
			t.Errorf("detector counts differ (-uninterrupted +interrupted):\n%s", d)
		}
	}
	if d := cmp.Diff(wantAlerts, distinctLines(t, alertsB)); d != "" {
		t.Errorf("alerts differ (-uninterrupted +interrupted):\n%s", d)
	}
}
