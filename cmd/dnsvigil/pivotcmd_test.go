package main

import (
	"bytes"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// TestPivotLab fills a store from the NS-hijack lab capture and pivots
// from the adversary zone: its name servers, the hijacked zone they also
// serve, their addresses and the clients.
func TestPivotLab(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "pdns.db")
	lab := filepath.Join(testutil.RepoRoot(), "testdata", "lab", "ns-change")
	var errb bytes.Buffer
	if code := run([]string{"scan", "--quiet", "--store", db, "-o", filepath.Join(dir, "a.txt"), filepath.Join(lab, "inet.pcap.gz"), filepath.Join(lab, "lan.pcap.gz")}, nil, &bytes.Buffer{}, &errb); code == exitError {
		t.Fatalf("scan: %s", errb.String())
	}
	var out bytes.Buffer
	if code := run([]string{"pivot", "--store", db, "evil-c2.test"}, nil, &out, &errb); code != exitOK {
		t.Fatalf("pivot: exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"NS ns1.evil-c2.test", "also serves corp-victim.test", "address 203.0.113.53", "queried by 10.20.0.23"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("pivot tree lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if code := run([]string{"pivot", "--store", db, "--format", "dot", "--until", "2026-11-28T04:13:00Z", "203.0.113.53"}, nil, &out, &errb); code != exitOK || !strings.HasPrefix(out.String(), "digraph") {
		t.Errorf("pivot --format dot: exit %d: %s %s", code, out.String(), errb.String())
	}
	if code := run([]string{"pivot", "--store", db, "--format", "xml", "x.test"}, nil, &bytes.Buffer{}, &bytes.Buffer{}); code != exitError {
		t.Errorf("--format xml: exit %d", code)
	}
}

// TestPivotResolve looks up a zone the store lacks through a resolver on
// loopback (the only server the test lets it ask), then pivots.
func TestPivotResolve(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	asked := 0
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		asked++
		m := new(dns.Msg)
		m.SetReply(r)
		q := r.Question[0]
		switch q.Qtype {
		case dns.TypeNS:
			for _, h := range []string{"ns1.fresh-zone.test.", "ns2.fresh-zone.test."} {
				m.Answer = append(m.Answer, &dns.NS{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: 300}, Ns: h})
			}
		case dns.TypeSOA:
			m.Answer = append(m.Answer, &dns.SOA{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 300},
				Ns: "ns1.fresh-zone.test.", Mbox: "hostmaster.fresh-zone.test.", Serial: 1, Refresh: 1, Retry: 1, Expire: 1, Minttl: 1})
		case dns.TypeA:
			m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 300}, A: net.IPv4(192, 0, 2, 53)})
		}
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	defer srv.Shutdown()

	db := filepath.Join(t.TempDir(), "pdns.db")
	lab := filepath.Join(testutil.RepoRoot(), "testdata", "lab", "ns-change", "lan.pcap.gz")
	var errb bytes.Buffer
	if code := run([]string{"scan", "--quiet", "--store", db, "-o", filepath.Join(t.TempDir(), "a.txt"), lab}, nil, &bytes.Buffer{}, &errb); code == exitError {
		t.Fatalf("scan: %s", errb.String())
	}
	var out bytes.Buffer
	code := run([]string{"pivot", "--store", db, "--resolve", "--resolver", pc.LocalAddr().String(), "www.fresh-zone.test"}, nil, &out, &errb)
	if code != exitOK || !strings.Contains(out.String(), "NS ns1.fresh-zone.test") || !strings.Contains(out.String(), "192.0.2.53") {
		t.Fatalf("pivot --resolve: exit %d:\n%s\n%s", code, out.String(), errb.String())
	}
	if asked == 0 {
		t.Error("the loopback resolver was not asked")
	}
	if code := run([]string{"pivot", "--store", db, "--resolve", "other-zone.test"}, nil, &bytes.Buffer{}, &errb); code != exitError || !strings.Contains(errb.String(), "no approved resolver") {
		t.Errorf("--resolve without an approved resolver: exit %d: %s", code, errb.String())
	}
}
