package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// startZoneServer answers on loopback for any zone: NS ns1/ns2.<zone>,
// their addresses, and an SOA. It counts the queries.
func startZoneServer(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var asked atomic.Int64
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		asked.Add(1)
		m := new(dns.Msg)
		m.SetReply(r)
		q := r.Question[0]
		hdr := func(t uint16) dns.RR_Header {
			return dns.RR_Header{Name: q.Name, Rrtype: t, Class: dns.ClassINET, Ttl: 300}
		}
		switch q.Qtype {
		case dns.TypeNS:
			for _, h := range []string{"ns1.", "ns2."} {
				m.Answer = append(m.Answer, &dns.NS{Hdr: hdr(dns.TypeNS), Ns: h + q.Name})
			}
		case dns.TypeSOA:
			m.Answer = append(m.Answer, &dns.SOA{Hdr: hdr(dns.TypeSOA), Ns: "ns1." + q.Name, Mbox: "hostmaster." + q.Name, Serial: 1, Refresh: 1, Retry: 1, Expire: 1, Minttl: 1})
		case dns.TypeA:
			m.Answer = append(m.Answer, &dns.A{Hdr: hdr(dns.TypeA), A: net.IPv4(192, 0, 2, 53)})
		}
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String(), &asked
}

// TestScanResolve scans the corp lab capture, whose client link shows no
// name servers, with --resolve against a resolver on loopback and the MISP
// fixture that lists ns1.evil-c2.test: the adversary zone the compromised
// workstation asked for is looked up, and scored for that workstation.
func TestScanResolve(t *testing.T) {
	addr, asked := startZoneServer(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "dnsvigil.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("resolve:\n  resolvers: [%q]\n  rate_per_second: 1000\n  burst: 1000\n", addr)), 0o644); err != nil {
		t.Fatal(err)
	}
	misp := filepath.Join(testutil.RepoRoot(), "internal", "intel", "testdata", "event.json")
	lab := filepath.Join(testutil.RepoRoot(), "testdata", "lab", "corp", "lan.pcap")
	var out, errb bytes.Buffer
	code := run([]string{"scan", "--config", cfg, "--resolve", "--intel", misp, "--format", "json", lab}, nil, &out, &errb)
	if code != exitAlerts {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if asked.Load() == 0 || !strings.Contains(errb.String(), "active lookups:") {
		t.Fatalf("no active lookup (server asked %d times): %s", asked.Load(), errb.String())
	}
	var line string
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.Contains(l, `"DNSV-AUTH-001"`) && strings.Contains(l, `"evil-c2.test"`) {
			line = l
		}
	}
	for _, want := range []string{`"ip":"10.20.0.23"`, "contribution_intel", `"ns1.evil-c2.test"`} {
		if !strings.Contains(line, want) {
			t.Errorf("authns alert for evil-c2.test lacks %s: %q", want, line)
		}
	}
	errb.Reset()
	if code := run([]string{"scan", "--resolve", lab}, nil, &bytes.Buffer{}, &errb); code != exitError || !strings.Contains(errb.String(), "no resolver to ask") {
		t.Errorf("--resolve without resolvers: exit %d: %s", code, errb.String())
	}
}
