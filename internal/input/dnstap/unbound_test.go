package dnstap

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnsvigil/dnsvigil/internal/event"
)

// unboundBinary returns the path of an unbound built with dnstap. Without
// one the test is skipped, except under CI=true, where it fails.
func unboundBinary(t *testing.T) string {
	t.Helper()
	missing := func(why string) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s (CI=true requires it: apt-get install -y unbound)", why)
		}
		t.Skipf("skipping: %s (apt-get install -y unbound)", why)
	}
	path, err := exec.LookPath("unbound")
	if err != nil {
		path = "/usr/sbin/unbound"
		if _, err := os.Stat(path); err != nil {
			missing("unbound is not installed")
		}
	}
	out, err := exec.Command(path, "-V").CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--enable-dnstap")) {
		missing(fmt.Sprintf("%s -V does not show --enable-dnstap (%v)", path, err))
	}
	return path
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

// unboundConf is a resolver on 127.0.0.1 that answers a local test zone
// itself (no recursion, no network) and logs client queries and responses
// to a dnstap socket over bidirectional Frame Streams.
const unboundConf = `server:
    verbosity: 1
    num-threads: 1
    interface: 127.0.0.1
    port: %[2]d
    do-ip4: yes
    do-ip6: no
    do-udp: yes
    do-tcp: no
    access-control: 127.0.0.0/8 allow
    chroot: ""
    username: ""
    directory: "%[1]s"
    pidfile: "%[1]s/unbound.pid"
    use-syslog: no
    logfile: "%[1]s/unbound.log"
    do-not-query-localhost: no
    module-config: "iterator"
    local-zone: "dnsvigil.test." static
    local-data: "www.dnsvigil.test. 300 IN A 192.0.2.10"
    local-data: "mail.dnsvigil.test. 300 IN A 192.0.2.25"
    local-data: "note.dnsvigil.test. 300 IN TXT \"beacon=1\""
remote-control:
    control-enable: no
dnstap:
    dnstap-enable: yes
    dnstap-socket-path: "%[3]s"
    dnstap-bidirectional: %[4]s
    dnstap-send-identity: yes
    dnstap-identity: "test-resolver"
    dnstap-log-client-query-messages: yes
    dnstap-log-client-response-messages: yes
`

// TestUnbound runs Debian's unbound against the Listener, with Frame
// Streams bidirectional (READY/ACCEPT, the default) and unidirectional:
// queries for a local zone must arrive as CLIENT_QUERY and CLIENT_RESPONSE
// events with the right names, addresses and rcodes, and unbound's shutdown
// (STOP, answered with FINISH when bidirectional) must close the connection
// cleanly.
func TestUnbound(t *testing.T) {
	bin := unboundBinary(t)
	for _, bidi := range []string{"yes", "no"} {
		t.Run("bidirectional "+bidi, func(t *testing.T) { runUnbound(t, bin, bidi) })
	}
}

func runUnbound(t *testing.T, bin, bidi string) {
	dir := t.TempDir()
	cfg := DefaultConfig()
	cfg.Socket = filepath.Join(dir, "dnstap.sock")
	r := start(t, cfg)

	port := freeUDPPort(t)
	conf := filepath.Join(dir, "unbound.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, unboundConf, dir, port, cfg.Socket, bidi), 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "-d", "-c", conf)
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			t.Errorf("unbound did not stop on SIGTERM")
		}
	}
	defer func() {
		stop()
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "unbound.log"))
			t.Logf("unbound output:\n%s%s", stderr.String(), log)
		}
	}()

	server := fmt.Sprintf("127.0.0.1:%d", port)
	tests := []struct {
		name  string
		qtype uint16
		rcode int
	}{
		{"www.dnsvigil.test", dns.TypeA, dns.RcodeSuccess},
		{"mail.dnsvigil.test", dns.TypeA, dns.RcodeSuccess},
		{"note.dnsvigil.test", dns.TypeTXT, dns.RcodeSuccess},
		{"absent.dnsvigil.test", dns.TypeA, dns.RcodeNameError},
	}
	waitAnswer(t, server, exited)
	for _, tc := range tests {
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(tc.name), tc.qtype)
		in, err := dns.Exchange(m, server)
		if err != nil || in.Rcode != tc.rcode {
			t.Fatalf("%s: answer %v, %v; want rcode %d", tc.name, in, err, tc.rcode)
		}
	}

	seen := func(s *sink, name string, rcode uint16, resp bool) bool {
		for i := range s.copies {
			ev := &s.copies[i]
			if ev.DNS.QName == name && ev.DNS.HasResponse == resp && (!resp || ev.DNS.RCode == rcode) {
				return true
			}
		}
		return false
	}
	r.sink.waitFor(t, "a CLIENT_QUERY and CLIENT_RESPONSE per name", func(s *sink) bool {
		for _, tc := range tests {
			if !seen(s, tc.name, uint16(tc.rcode), false) || !seen(s, tc.name, uint16(tc.rcode), true) {
				return false
			}
		}
		return true
	})
	r.sink.mu.Lock()
	t.Logf("%d events from %v", len(r.sink.copies), func() []string {
		var names []string
		for n := range r.sink.events {
			names = append(names, n)
		}
		return names
	}())
	for i := range r.sink.copies {
		checkUnboundEvent(t, &r.sink.copies[i], port)
	}
	r.sink.mu.Unlock()
	if q, a := count(r.l, "client queries"), count(r.l, "client responses"); q < 4 || a < 4 {
		t.Errorf("client queries %d, client responses %d; want at least 4 each", q, a)
	}

	stop()
	r.sink.waitFor(t, "unbound's connection to close", func(s *sink) bool { return s.closed == 1 })
	if n := count(r.l, "protocol violations") + count(r.l, "bad frames"); n != 0 || len(r.sink.errs) != 0 {
		t.Errorf("protocol violations and bad frames: %d; errors %v", n, r.sink.errs)
	}
}

// waitAnswer waits until unbound answers on server.
func waitAnswer(t *testing.T, server string, exited <-chan error) {
	t.Helper()
	c := &dns.Client{Timeout: 200 * time.Millisecond}
	m := new(dns.Msg)
	m.SetQuestion("www.dnsvigil.test.", dns.TypeA)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		select {
		case err := <-exited:
			t.Fatalf("unbound exited: %v", err)
		default:
		}
		if _, _, err := c.Exchange(m, server); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("unbound did not answer within 30s")
}

// checkUnboundEvent checks one event of unbound's client logging: the
// client on 127.0.0.1 asking the resolver's port over UDP, no identity on
// CLIENT_* events, and a lowercase name of the test zone.
func checkUnboundEvent(t *testing.T, ev *event.Event, port int) {
	t.Helper()
	lo := netip.MustParseAddr("127.0.0.1")
	switch {
	case ev.Kind != event.KindDNS || ev.Transport != event.TransportUDP:
		t.Errorf("event %+v: want a DNS event over UDP", ev)
	case ev.Client.Addr() != lo || ev.Client.Port() == 0:
		t.Errorf("client = %v, want 127.0.0.1 and its port", ev.Client)
	case ev.Server != netip.AddrPortFrom(lo, uint16(port)):
		t.Errorf("server = %v, want 127.0.0.1:%d", ev.Server, port)
	case ev.Host.Name != "":
		t.Errorf("host = %q on a CLIENT_* event, want none", ev.Host.Name)
	case !strings.HasSuffix(ev.DNS.QName, ".dnsvigil.test"):
		t.Errorf("qname = %q", ev.DNS.QName)
	case ev.Time.IsZero():
		t.Errorf("no time")
	}
}
