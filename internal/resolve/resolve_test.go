package resolve

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/miekg/dns"
)

// fakeClock is a settable clock for the rate limit.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)} }

func mustNew(t *testing.T, cfg Config, now func() time.Time) *Resolver {
	t.Helper()
	r, err := New(cfg, now)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func addrs(s ...string) []netip.Addr {
	var out []netip.Addr
	for _, a := range s {
		out = append(out, netip.MustParseAddr(a))
	}
	return out
}

var cmpResult = cmp.Options{
	cmpopts.IgnoreFields(Result{}, "Resolver", "Err"),
	cmpopts.EquateEmpty(),
	cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
}

func TestLookup(t *testing.T) {
	srv := startServer(t, newZone(t, testRecords...))
	tests := []struct {
		name, domain string
		want         Result
		wantQueries  []string
	}{
		{
			name: "zone with two name servers", domain: "Example.TEST.",
			want: Result{
				Domain: "example.test", NS: []string{"ns1.example.test", "ns2.example.test"},
				NSAddrs: map[string][]netip.Addr{
					"ns1.example.test": addrs("192.0.2.1"),
					"ns2.example.test": addrs("192.0.2.2", "2001:db8::2"),
				},
				SOA: SOA{MName: "ns1.example.test", RName: "hostmaster.example.test", Serial: 2024010101,
					Refresh: 7200, Retry: 3600, Expire: 1209600, Minimum: 300},
			},
			wantQueries: []string{
				"udp example.test. NS", "udp example.test. SOA",
				"udp ns1.example.test. A", "udp ns1.example.test. AAAA",
				"udp ns2.example.test. A", "udp ns2.example.test. AAAA",
			},
		},
		{
			name: "truncated over UDP, retried over TCP", domain: "big.test",
			want: Result{
				Domain: "big.test", NS: []string{"ns.big.test"},
				NSAddrs: map[string][]netip.Addr{"ns.big.test": addrs("198.51.100.7")},
				SOA:     SOA{MName: "ns.big.test", RName: "admin.big.test", Serial: 7, Refresh: 1, Retry: 2, Expire: 3, Minimum: 4},
			},
			wantQueries: []string{
				"udp big.test. NS", "tcp big.test. NS", "udp big.test. SOA",
				"udp ns.big.test. A", "udp ns.big.test. AAAA",
			},
		},
		{
			name: "name server behind a CNAME", domain: "alias.test",
			want: Result{
				Domain: "alias.test", NS: []string{"ns.alias.test"},
				NSAddrs: map[string][]netip.Addr{"ns.alias.test": addrs("203.0.113.9")},
			},
			wantQueries: []string{
				"udp alias.test. NS", "udp alias.test. SOA",
				"udp ns.alias.test. A", "udp ns.alias.test. AAAA",
			},
		},
		{
			name: "NXDOMAIN is a result, not an error", domain: "nx.test",
			want:        Result{Domain: "nx.test", Rcode: dns.RcodeNameError},
			wantQueries: []string{"udp nx.test. NS"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := mustNew(t, Config{Resolvers: []string{srv.addr}}, newClock().now)
			before := len(srv.queries())
			got, err := r.Lookup(context.Background(), tc.domain)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmpResult); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			if got.Resolver != srv.addr {
				t.Errorf("resolver = %q, want %q", got.Resolver, srv.addr)
			}
			if diff := cmp.Diff(tc.wantQueries, srv.queries()[before:]); diff != "" {
				t.Errorf("queries at the server (-want +got):\n%s", diff)
			}
			if st := r.Stats(); st.Queries != int64(len(tc.wantQueries)) {
				t.Errorf("queries sent = %d, the server got %d", st.Queries, len(tc.wantQueries))
			}
		})
	}
}

func TestFailover(t *testing.T) {
	good := startServer(t, newZone(t, testRecords...))
	tests := []struct {
		name  string
		first func(t *testing.T) (addr string, count func() int)
	}{
		{"SERVFAIL", func(t *testing.T) (string, func() int) {
			s := startServer(t, rcodeOnly(dns.RcodeServerFailure))
			return s.addr, s.count
		}},
		{"REFUSED", func(t *testing.T) (string, func() int) {
			s := startServer(t, rcodeOnly(dns.RcodeRefused))
			return s.addr, s.count
		}},
		{"timeout", func(t *testing.T) (string, func() int) { return silentServer(t), nil }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			first, count := tc.first(t)
			before := good.count()
			r := mustNew(t, Config{Resolvers: []string{first, good.addr}, Timeout: 200 * time.Millisecond}, newClock().now)
			got, err := r.Lookup(context.Background(), "a.test")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"ns.a.test"}, got.NS); diff != "" {
				t.Errorf("NS (-want +got):\n%s", diff)
			}
			if got.Resolver != good.addr {
				t.Errorf("resolver = %q, want the second %q", got.Resolver, good.addr)
			}
			st := r.Stats()
			// Every question went to the first resolver, then to the second.
			asked := int64(good.count() - before)
			if st.Failovers != asked || st.Queries != 2*asked {
				t.Errorf("stats %+v: want %d failovers and %d queries", st, asked, 2*asked)
			}
			if count != nil && int64(count()) != asked {
				t.Errorf("first resolver got %d queries, want %d", count(), asked)
			}
		})
	}
}

func TestNoResolverAnswers(t *testing.T) {
	tests := []struct {
		name    string
		servers func(t *testing.T) []string
		rcode   int
	}{
		{"timeout", func(t *testing.T) []string { return []string{silentServer(t)} }, 0},
		{"all SERVFAIL", func(t *testing.T) []string {
			return []string{startServer(t, rcodeOnly(dns.RcodeServerFailure)).addr, startServer(t, rcodeOnly(dns.RcodeServerFailure)).addr}
		}, dns.RcodeServerFailure},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := mustNew(t, Config{Resolvers: tc.servers(t), Timeout: 200 * time.Millisecond}, newClock().now)
			got, err := r.Lookup(context.Background(), "example.test")
			if !errors.Is(err, ErrNoAnswer) || !errors.Is(got.Err, ErrNoAnswer) {
				t.Fatalf("err = %v, result err = %v, want ErrNoAnswer", err, got.Err)
			}
			if got.Rcode != tc.rcode || len(got.NS) != 0 {
				t.Errorf("result = %+v", got)
			}
			// The failure is kept: asking again sends nothing.
			q := r.Stats().Queries
			if _, err := r.Lookup(context.Background(), "example.test"); !errors.Is(err, ErrNoAnswer) {
				t.Errorf("second lookup err = %v", err)
			}
			if st := r.Stats(); st.Queries != q || st.Failures != 1 || st.Cached != 1 {
				t.Errorf("stats after the second lookup: %+v", st)
			}
		})
	}
}

func TestDedup(t *testing.T) {
	srv := startServer(t, newZone(t, testRecords...))
	r := mustNew(t, Config{Resolvers: []string{srv.addr}, RatePerSecond: 1, Burst: 1}, newClock().now)
	first, err := r.Lookup(context.Background(), "example.test")
	if err != nil {
		t.Fatal(err)
	}
	n := srv.count()
	var wg sync.WaitGroup
	results := make([]Result, 8)
	errs := make([]error, 8)
	for i := range results {
		wg.Go(func() { results[i], errs[i] = r.Lookup(context.Background(), "EXAMPLE.test.") })
	}
	wg.Wait()
	for i := range results {
		if errs[i] != nil {
			t.Fatalf("lookup %d: %v (a cached domain is neither rate limited nor over budget)", i, errs[i])
		}
		if diff := cmp.Diff(first, results[i], cmpResult); diff != "" {
			t.Errorf("lookup %d (-first +again):\n%s", i, diff)
		}
	}
	if srv.count() != n {
		t.Errorf("server got %d more queries, want none", srv.count()-n)
	}
	if st := r.Stats(); st.Lookups != 1 || st.Cached != 8 {
		t.Errorf("stats = %+v, want 1 lookup and 8 cached", st)
	}
}

func TestConcurrentLookupsShareOne(t *testing.T) {
	srv := startServer(t, newZone(t, testRecords...))
	r := mustNew(t, Config{Resolvers: []string{srv.addr}}, newClock().now)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := r.Lookup(context.Background(), "big.test"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := srv.count(); got != 5 {
		t.Errorf("server got %d queries, want the 5 of one lookup: %q", got, srv.queries())
	}
}

func TestBudget(t *testing.T) {
	srv := startServer(t, newZone(t, testRecords...))
	r := mustNew(t, Config{Resolvers: []string{srv.addr}, MaxLookups: 2}, newClock().now)
	steps := []struct {
		domain  string
		wantErr error
	}{
		{"a.test", nil},
		{"b.test", nil},
		{"c.test", ErrBudget},
		{"a.test", nil}, // cached
		{"nx.test", ErrBudget},
	}
	for i, s := range steps {
		if _, err := r.Lookup(context.Background(), s.domain); !errors.Is(err, s.wantErr) {
			t.Errorf("step %d %s: err = %v, want %v", i, s.domain, err, s.wantErr)
		}
	}
	if st := r.Stats(); st.Lookups != 2 || st.OverBudget != 2 || st.Cached != 1 {
		t.Errorf("stats = %+v", st)
	}
	for _, q := range srv.queries() {
		if q == "udp c.test. NS" || q == "udp nx.test. NS" {
			t.Errorf("query over budget reached the server: %s", q)
		}
	}
}

func TestRateLimit(t *testing.T) {
	srv := startServer(t, newZone(t, testRecords...))
	clock := newClock()
	r := mustNew(t, Config{Resolvers: []string{srv.addr}, RatePerSecond: 2, Burst: 2}, clock.now)
	steps := []struct {
		advance time.Duration
		domain  string
		wantErr error
	}{
		{0, "a.test", nil},
		{0, "b.test", nil},
		{0, "c.test", ErrRateLimited},
		{0, "a.test", nil}, // cached: no token needed
		{400 * time.Millisecond, "c.test", ErrRateLimited},
		{100 * time.Millisecond, "c.test", nil},
		{0, "nx.test", ErrRateLimited},
		{-time.Hour, "nx.test", ErrRateLimited}, // a clock going back adds nothing
		{time.Hour + 2*time.Second, "nx.test", nil},
		{0, "example.test", nil}, // bucket holds at most Burst
		{0, "big.test", ErrRateLimited},
	}
	for i, s := range steps {
		clock.advance(s.advance)
		if _, err := r.Lookup(context.Background(), s.domain); !errors.Is(err, s.wantErr) {
			t.Errorf("step %d %s: err = %v, want %v", i, s.domain, err, s.wantErr)
		}
	}
	if st := r.Stats(); st.Lookups != 5 || st.RateLimited != 5 {
		t.Errorf("stats = %+v", st)
	}
}

func TestLookupRefused(t *testing.T) {
	srv := startServer(t, newZone(t, testRecords...))
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name, domain string
		ctx          context.Context
		wantErr      error
	}{
		{"empty domain", "", context.Background(), ErrInvalidDomain},
		{"root", ".", context.Background(), ErrInvalidDomain},
		{"empty label", "a..test", context.Background(), ErrInvalidDomain},
		{"canceled context", "example.test", canceled, context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := mustNew(t, Config{Resolvers: []string{srv.addr}}, newClock().now)
			before := srv.count()
			if _, err := r.Lookup(tc.ctx, tc.domain); !errors.Is(err, tc.wantErr) {
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			}
			if srv.count() != before {
				t.Errorf("server got %d queries, want none", srv.count()-before)
			}
		})
	}
}

func TestCanceledLookupIsNotKept(t *testing.T) {
	silent := silentServer(t)
	r := mustNew(t, Config{Resolvers: []string{silent}, Timeout: 5 * time.Second}, newClock().now)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := r.Lookup(ctx, "example.test"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's deadline", err)
	}
	srv := startServer(t, newZone(t, testRecords...))
	r.servers = []string{srv.addr}
	got, err := r.Lookup(context.Background(), "example.test")
	if err != nil || len(got.NS) != 2 {
		t.Errorf("lookup after a canceled one = %+v, %v; want a fresh lookup", got, err)
	}
}
