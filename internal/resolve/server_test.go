package resolve

import (
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// testServer is a DNS server on 127.0.0.1 (UDP and TCP on one port) that
// counts the queries it gets.
type testServer struct {
	addr string
	mu   sync.Mutex
	seen []string // "udp name TYPE"
}

func (s *testServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.seen)
}

func (s *testServer) queries() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...)
}

// startServer serves h on a random loopback port until the test ends.
func startServer(t *testing.T, h dns.Handler) *testServer {
	t.Helper()
	var pc net.PacketConn
	var l net.Listener
	for try := 0; l == nil; try++ {
		var err error
		pc, err = net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		l, err = net.Listen("tcp", pc.LocalAddr().String())
		if err != nil {
			pc.Close()
			if try == 10 {
				t.Fatal(err)
			}
		}
	}
	s := &testServer{addr: pc.LocalAddr().String()}
	counting := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		q := r.Question[0]
		s.mu.Lock()
		s.seen = append(s.seen, w.LocalAddr().Network()+" "+q.Name+" "+dns.TypeToString[q.Qtype])
		s.mu.Unlock()
		h.ServeDNS(w, r)
	})
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: counting}, {Listener: l, Handler: counting}} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go func() { _ = srv.ActivateAndServe() }()
		<-started
		t.Cleanup(func() { _ = srv.Shutdown() })
	}
	return s
}

// silentServer returns a loopback UDP address that never answers.
func silentServer(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc.LocalAddr().String()
}

// zone answers from a fixed record set, like a recursive resolver would.
type zone struct {
	rrs      map[string][]dns.RR // "name. TYPE" in lowercase
	nx       map[string]bool
	truncUDP map[string]bool // NS answers truncated over UDP
}

func newZone(t *testing.T, records ...string) *zone {
	t.Helper()
	z := &zone{rrs: map[string][]dns.RR{}, nx: map[string]bool{"nx.test.": true}, truncUDP: map[string]bool{"big.test.": true}}
	for _, s := range records {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		k := strings.ToLower(rr.Header().Name) + " " + dns.TypeToString[rr.Header().Rrtype]
		z.rrs[k] = append(z.rrs[k], rr)
	}
	return z
}

func (z *zone) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(r)
	m.RecursionAvailable = true
	q := r.Question[0]
	name := strings.ToLower(q.Name)
	switch {
	case z.nx[name]:
		m.Rcode = dns.RcodeNameError
	case z.truncUDP[name] && q.Qtype == dns.TypeNS && w.LocalAddr().Network() == "udp":
		m.Truncated = true
	default:
		m.Answer = append(m.Answer, z.rrs[name+" CNAME"]...)
		for _, c := range z.rrs[name+" CNAME"] {
			m.Answer = append(m.Answer, z.rrs[strings.ToLower(c.(*dns.CNAME).Target)+" "+dns.TypeToString[q.Qtype]]...)
		}
		m.Answer = append(m.Answer, z.rrs[name+" "+dns.TypeToString[q.Qtype]]...)
	}
	_ = w.WriteMsg(m)
}

// rcodeOnly answers every query with one response code.
type rcodeOnly int

func (c rcodeOnly) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg)
	m.SetRcode(r, int(c))
	_ = w.WriteMsg(m)
}

// testRecords is the zone set of the tests.
var testRecords = []string{
	"example.test. 300 IN NS NS1.Example.TEST.",
	"example.test. 300 IN NS ns2.example.test.",
	"example.test. 300 IN SOA ns1.example.test. hostmaster.example.test. 2024010101 7200 3600 1209600 300",
	"ns1.example.test. 300 IN A 192.0.2.1",
	"ns2.example.test. 300 IN A 192.0.2.2",
	"ns2.example.test. 300 IN AAAA 2001:db8::2",
	"big.test. 300 IN NS ns.big.test.",
	"big.test. 300 IN SOA ns.big.test. admin.big.test. 7 1 2 3 4",
	"ns.big.test. 300 IN A 198.51.100.7",
	"alias.test. 300 IN NS ns.alias.test.",
	"ns.alias.test. 300 IN CNAME host.provider.test.",
	"host.provider.test. 300 IN A 203.0.113.9",
	"a.test. 300 IN NS ns.a.test.",
	"b.test. 300 IN NS ns.b.test.",
	"c.test. 300 IN NS ns.c.test.",
}
