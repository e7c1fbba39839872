package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// bindConf is BIND authoritative for one zone on 127.0.0.1, logging every
// query to a file.
const bindConf = `options {
    directory "%[1]s";
    pid-file "%[1]s/named.pid";
    session-keyfile "%[1]s/session.key";
    managed-keys-directory "%[1]s";
    listen-on port %[2]d { 127.0.0.1; };
    listen-on-v6 { none; };
    recursion no;
    notify no;
    allow-transfer { none; };
    dnssec-validation no;
    querylog yes;
};
controls { };
logging {
    channel q { file "%[1]s/queries.log"; print-time yes; print-category yes; severity info; };
    channel g { file "%[1]s/named.log"; print-time yes; severity info; };
    category queries { q; };
    category default { g; };
};
zone "corp.test" { type primary; file "corp.test.zone"; };
`

const corpZone = `$TTL 300
@   IN SOA ns1.corp.test. hostmaster.corp.test. 1 3600 600 86400 300
@   IN NS  ns1.corp.test.
ns1 IN A   127.0.0.1
www IN A   192.0.2.10
mail IN A  192.0.2.25
`

// TestServeFollowsBINDQueryLog starts BIND on loopback with query logging
// and serve following its log: every query sent is one event.
func TestServeFollowsBINDQueryLog(t *testing.T) {
	named := testutil.Program(t, "named", "bind9")
	dir := t.TempDir()
	port := freeUDPPort(t)
	if err := os.WriteFile(filepath.Join(dir, "named.conf"), fmt.Appendf(nil, bindConf, dir, port), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "corp.test.zone"), []byte(corpZone), 0o644); err != nil {
		t.Fatal(err)
	}
	listen := freeTCPAddr(t)
	cfg := writeConfig(t, fmt.Sprintf(`serve:
  sources:
    - name: bind
      follow:
        path: %q
        format: bind-querylog
        start_at: beginning
        poll_interval: 20ms
  outputs:
    - jsonl:
        path: %q
  listen: %q
`, filepath.Join(dir, "queries.log"), filepath.Join(dir, "alerts.jsonl"), listen))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuffer
	served := make(chan error, 1)
	go func() { served <- runServe(ctx, cfg, nil, &bytes.Buffer{}, &stderr) }()

	cmd := exec.Command(named, "-f", "-4", "-n", "1", "-c", filepath.Join(dir, "named.conf"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("named:\n%s\nserve:\n%s", out.String(), stderr.String())
		}
	}()
	server := fmt.Sprintf("127.0.0.1:%d", port)
	c := &dns.Client{Timeout: 2 * time.Second}
	// named needs a moment to load the zone; the probes it answers are
	// logged too and counted.
	sent := 0
	waitFor(t, "named to answer", func() bool {
		m := new(dns.Msg)
		m.SetQuestion("www.corp.test.", dns.TypeA)
		r, _, err := (&dns.Client{Timeout: 200 * time.Millisecond}).Exchange(m, server)
		if err == nil {
			sent++
		}
		return err == nil && r.Rcode == dns.RcodeSuccess
	})
	names := []string{"www.corp.test.", "mail.corp.test.", "absent.corp.test.", "ns1.corp.test."}
	for i := range 200 {
		m := new(dns.Msg)
		m.SetQuestion(names[i%len(names)], []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeTXT}[i%3])
		if _, _, err := c.Exchange(m, server); err != nil {
			t.Fatalf("query %d: %v", i, err)
		}
		sent++
	}
	ch := &child{url: "http://" + listen}
	var got float64
	waitFor(t, "every query to be followed", func() bool {
		m := ch.metrics()
		got = m[`dnsvigil_source_events_total{source="bind"}`]
		return got >= float64(sent)
	})
	time.Sleep(200 * time.Millisecond)
	m := ch.metrics()
	if got = m[`dnsvigil_source_events_total{source="bind"}`]; got != float64(sent) {
		t.Errorf("serve followed %v queries, BIND answered %d", got, sent)
	}
	if e := m[`dnsvigil_decode_errors_total{source="bind"}`]; e != 0 {
		t.Errorf("%v decode errors", e)
	}
	cancel()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
}
