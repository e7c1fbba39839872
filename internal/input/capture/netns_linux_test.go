//go:build linux

package capture

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/afpacket"
	"github.com/miekg/dns"

	"github.com/dnsvigil/dnsvigil/internal/input"
)

// helperEnv names the address the helper DNS server listens on when this
// test binary is run again inside a network namespace.
const helperEnv = "DNSVIGIL_NETNS_DNS"

// TestNetnsDNSHelper is not a test: run by TestLiveNetns inside a network
// namespace, it serves DNS on UDP and TCP at $DNSVIGIL_NETNS_DNS until its
// standard input closes.
func TestNetnsDNSHelper(t *testing.T) {
	addr := os.Getenv(helperEnv)
	if addr == "" {
		t.Skip("helper process for TestLiveNetns")
	}
	h := dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		m.Answer = append(m.Answer, &dns.A{
			Hdr: dns.RR_Header{Name: q.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60},
			A:   net.IPv4(192, 0, 2, 1),
		})
		_ = w.WriteMsg(m)
	})
	pc, err := net.ListenPacket("udp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*dns.Server{{PacketConn: pc, Handler: h}, {Listener: ln, Handler: h}} {
		go func() { _ = s.ActivateAndServe() }()
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// TestLiveNetns captures on the host end of a veth pair whose other end is
// in a network namespace running a DNS server: an Ethernet interface with
// real addresses, where the host's own queries leave as outgoing frames
// (which the capture keeps, unlike on loopback) and the answers come in.
func TestLiveNetns(t *testing.T) {
	needCapture(t)
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("skipping: the ip command (iproute2) is not installed")
	}
	id := os.Getpid() % 10000
	ns, host, peer := fmt.Sprintf("dnsvigil%d", id), fmt.Sprintf("dvh%d", id), fmt.Sprintf("dvn%d", id)
	hostIP, nsIP := "198.18.77.1", "198.18.77.2"
	ip := func(args ...string) error {
		out, err := exec.Command("ip", args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := ip("netns", "add", ns); err != nil {
		t.Skipf("skipping: cannot create a network namespace: %v", err)
	}
	t.Cleanup(func() { _ = ip("netns", "del", ns) }) // removes the veth pair too
	for _, args := range [][]string{
		{"link", "add", host, "type", "veth", "peer", "name", peer},
		{"link", "set", peer, "netns", ns},
		{"addr", "add", hostIP + "/30", "dev", host},
		{"link", "set", host, "up"},
		{"-n", ns, "addr", "add", nsIP + "/30", "dev", peer},
		{"-n", ns, "link", "set", peer, "up"},
		{"-n", ns, "link", "set", "lo", "up"},
	} {
		if err := ip(args...); err != nil {
			t.Fatal(err)
		}
	}
	server := netip.MustParseAddrPort(nsIP + ":5300")
	helper := exec.Command("ip", "netns", "exec", ns, os.Args[0], "-test.run=^TestNetnsDNSHelper$")
	helper.Env = append(os.Environ(), helperEnv+"="+server.String())
	stdin, err := helper.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		_ = helper.Wait()
	})
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); strings.TrimSpace(line) != "ready" {
		t.Fatalf("helper DNS server did not start: %q", line)
	}

	cfg := loConfig(server.Port())
	cfg.Interface = host
	src, out := startConfigured(t, cfg, input.Options{})
	want := exchanges(t, server, "netns", 5)
	evs := out.waitFor(t, "10 paired exchanges", pairedAll(want))
	for _, ev := range evs {
		if _, ok := want[ev.DNS.QName]; ok && (ev.Client.Addr().String() != hostIP || ev.Server != server) {
			t.Errorf("%s: client %v server %v", ev.DNS.QName, ev.Client, ev.Server)
		}
	}
	counts := countMap(src.Counts())
	if counts["repeated queries"] != 0 || counts["unanswered queries"] != 0 || counts["responses without query"] != 0 {
		t.Errorf("counts: %v", counts)
	}
}

// TestLiveInterfaceDown checks that taking the interface down ends Run
// with an error that says so.
func TestLiveInterfaceDown(t *testing.T) {
	needCapture(t)
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("skipping: the ip command (iproute2) is not installed")
	}
	id := os.Getpid() % 10000
	a, b := fmt.Sprintf("dvd%d", id), fmt.Sprintf("dve%d", id)
	if out, err := exec.Command("ip", "link", "add", a, "type", "veth", "peer", "name", b).CombinedOutput(); err != nil {
		t.Skipf("skipping: cannot create a veth pair: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", a).Run() })
	if out, err := exec.Command("ip", "link", "set", a, "up").CombinedOutput(); err != nil {
		t.Fatalf("ip link set up: %v: %s", err, out)
	}
	cfg := loConfig(53)
	cfg.Interface = a
	src, err := New(cfg, input.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ready, done := make(chan struct{}), make(chan error, 1)
	src.opened = func() { close(ready) }
	go func() { done <- src.Run(context.Background(), newFakeOut()) }()
	<-ready
	if out, err := exec.Command("ip", "link", "set", a, "down").CombinedOutput(); err != nil {
		t.Fatalf("ip link set down: %v: %s", err, out)
	}
	select {
	case err := <-done:
		if !errors.Is(err, afpacket.ErrPoll) || !strings.Contains(err.Error(), "interface down or removed") {
			t.Errorf("Run = %v, want the socket error", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run goes on after the interface went down")
	}
}
