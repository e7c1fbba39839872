package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// unboundServeConf is a resolver on 127.0.0.1 answering two local zones
// itself (no recursion, no network) and sending client queries and
// responses to dnsvigil's dnstap socket.
const unboundServeConf = `server:
    verbosity: 1
    num-threads: 1
    interface: 127.0.0.1
    port: %[2]d
    do-ip6: no
    do-tcp: no
    access-control: 127.0.0.0/8 allow
    chroot: ""
    username: ""
    directory: "%[1]s"
    pidfile: "%[1]s/unbound.pid"
    use-syslog: no
    logfile: "%[1]s/unbound.log"
    module-config: "iterator"
    local-zone: "corp.test." static
    local-data: "www.corp.test. 300 IN A 192.0.2.10"
    local-data: "mail.corp.test. 300 IN A 192.0.2.25"
    local-data: "wiki.corp.test. 300 IN A 192.0.2.26"
    local-zone: "evil-c2.test." static
remote-control:
    control-enable: no
dnstap:
    dnstap-enable: yes
    dnstap-socket-path: "%[3]s"
    dnstap-bidirectional: yes
    dnstap-log-client-query-messages: yes
    dnstap-log-client-response-messages: yes
`

// servedAlert is the part of a JSON alert line this test reads.
type servedAlert struct {
	Timestamp string `json:"@timestamp"`
	Message   string `json:"message"`
	Rule      struct {
		ID string `json:"id"`
	} `json:"rule"`
}

// TestServeUnboundTunnelAlertWithinTwoSeconds runs Debian's Unbound with
// dnstap into `dnsvigil serve`: benign names raise nothing, and a burst of
// tunnel-like queries raises the tunnel alert in the JSON output within two
// seconds of the query that crosses the threshold.
func TestServeUnboundTunnelAlertWithinTwoSeconds(t *testing.T) {
	bin := testutil.Program(t, "unbound", "unbound")
	dir := t.TempDir()
	sock := filepath.Join(dir, "dnstap.sock")
	out := filepath.Join(dir, "alerts.jsonl")
	cfg := writeConfig(t, fmt.Sprintf(`serve:
  sources:
    - name: unbound
      dnstap:
        socket: %q
  outputs:
    - jsonl:
        path: %q
  listen: ""
`, sock, out))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuffer
	served := make(chan error, 1)
	go func() { served <- runServe(ctx, cfg, nil, &bytes.Buffer{}, &stderr) }()
	waitFor(t, "the dnstap socket", func() bool { _, err := os.Stat(sock); return err == nil })

	port := freeUDPPort(t)
	conf := filepath.Join(dir, "unbound.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, unboundServeConf, dir, port, sock), 0o600); err != nil {
		t.Fatal(err)
	}
	unbound := exec.Command(bin, "-d", "-c", conf)
	var ubOut bytes.Buffer
	unbound.Stdout, unbound.Stderr = &ubOut, &ubOut
	if err := unbound.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = unbound.Process.Signal(syscall.SIGTERM)
		_ = unbound.Wait()
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "unbound.log"))
			t.Logf("unbound:\n%s%s\nserve:\n%s", ubOut.String(), log, stderr.String())
		}
	}()
	server := fmt.Sprintf("127.0.0.1:%d", port)
	c := &dns.Client{Timeout: 2 * time.Second}
	ask := func(name string, qtype uint16) {
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(name), qtype)
		if _, _, err := c.Exchange(m, server); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	waitFor(t, "unbound to answer", func() bool {
		m := new(dns.Msg)
		m.SetQuestion("www.corp.test.", dns.TypeA)
		_, _, err := (&dns.Client{Timeout: 200 * time.Millisecond}).Exchange(m, server)
		return err == nil
	})

	// Benign names: nothing may fire.
	for i := range 60 {
		ask([]string{"www.corp.test", "mail.corp.test", "wiki.corp.test"}[i%3], dns.TypeA)
	}
	time.Sleep(500 * time.Millisecond)
	if alerts := readAlerts(t, out); len(alerts) != 0 {
		t.Fatalf("benign names raised alerts: %+v", alerts)
	}

	// The tunnel: long encoded labels asked as TXT, as iodine and dnscat2
	// do, until the alert shows (at most 150 queries: below the volume
	// detector's 200 per five minutes).
	rng := rand.New(rand.NewPCG(1, 2))
	enc := base32.StdEncoding.WithPadding(base32.NoPadding)
	var seen time.Time
	var alert servedAlert
	for i := 0; i < 150 && seen.IsZero(); i++ {
		payload := make([]byte, 35)
		for j := range payload {
			payload[j] = byte(rng.Uint32())
		}
		label := strings.ToLower(enc.EncodeToString(payload))
		ask(fmt.Sprintf("%s.%d.evil-c2.test", label, i), dns.TypeTXT)
		for _, a := range readAlerts(t, out) {
			if a.Rule.ID == "DNSV-TUN-001" {
				seen, alert = time.Now(), a
			}
		}
	}
	for deadline := time.Now().Add(5 * time.Second); seen.IsZero() && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, a := range readAlerts(t, out) {
			if a.Rule.ID == "DNSV-TUN-001" {
				seen, alert = time.Now(), a
			}
		}
	}
	if seen.IsZero() {
		t.Fatalf("no tunnel alert; alerts: %+v", readAlerts(t, out))
	}
	fired, err := time.Parse(time.RFC3339Nano, alert.Timestamp)
	if err != nil {
		t.Fatalf("alert time %q: %v", alert.Timestamp, err)
	}
	latency := seen.Sub(fired)
	t.Logf("tunnel alert %q: the crossing query at %s, in the output %v later", alert.Message, fired.Format(time.RFC3339Nano), latency)
	if latency > 2*time.Second {
		t.Errorf("tunnel alert reached the output %v after the crossing query, want at most 2s", latency)
	}

	cancel()
	if err := <-served; err != nil {
		t.Fatalf("serve: %v", err)
	}
	for _, a := range readAlerts(t, out) {
		if a.Rule.ID != "DNSV-TUN-001" || strings.Contains(a.Message, "corp.test") {
			t.Errorf("unexpected alert %s: %s", a.Rule.ID, a.Message)
		}
	}
}

// readAlerts reads the JSON alert lines written so far.
func readAlerts(t *testing.T, path string) []servedAlert {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []servedAlert
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var a servedAlert
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			continue // a line being written
		}
		out = append(out, a)
	}
	return out
}

// waitFor polls cond until it holds or 30 seconds pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// freeUDPPort returns a UDP port on 127.0.0.1 that was free a moment ago.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}
