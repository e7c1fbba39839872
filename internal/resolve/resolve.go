// Package resolve is dnsvigil's optional active mode: for registrable
// domains that the telemetry never showed a delegation for, it asks the
// operator's approved recursive resolvers for the domain's NS and SOA
// records and for the addresses of its name servers, so that the
// delegation and authoritative-infrastructure checks have facts to work on.
//
// Active lookups leave the sensor, so they are off unless asked for and
// fenced in: queries go only to the resolvers named in Config (IP
// addresses, never a name that would need another resolver), in order
// with failover; each Resolver looks up at most MaxLookups domains, at most
// RatePerSecond per second, and each domain once. When the rate is spent a
// lookup is refused at once with ErrRateLimited instead of waiting, so a
// scan never stalls on the network; the caller skips the domain or asks
// again later.
package resolve

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"

	"github.com/dnsvigil/dnsvigil/internal/dnsname"
)

// Errors of Lookup.
var (
	// ErrBudget says MaxLookups domains were already looked up.
	ErrBudget = errors.New("resolve: lookup budget spent")
	// ErrRateLimited says the rate allows no lookup now; ask again later.
	ErrRateLimited = errors.New("resolve: rate limited")
	// ErrNoAnswer says no configured resolver gave a usable answer.
	ErrNoAnswer = errors.New("resolve: no resolver answered")
	// ErrInvalidDomain says the domain is not a valid name.
	ErrInvalidDomain = errors.New("resolve: invalid domain")
)

// SOA is the part of an SOA record that is kept.
type SOA struct {
	MName, RName                            string
	Serial, Refresh, Retry, Expire, Minimum uint32
}

// Result is what a lookup found. Names are canonical (lowercase, no
// trailing dot, see internal/dnsname). A cached Result is handed to every
// caller that asks for its domain: its slices and map are shared and must
// not be modified.
type Result struct {
	// Domain is the domain looked up.
	Domain string
	// NS are the name servers of the NS answer, sorted and without
	// duplicates; empty for NXDOMAIN or a name that is not a zone.
	NS []string
	// NSAddrs are the sorted addresses of the first MaxNSHosts name
	// servers, per name server; a server without addresses is absent.
	NSAddrs map[string][]netip.Addr
	// SOA is the domain's SOA record; MName is empty when there was none.
	SOA SOA
	// Rcode is the response code of the NS query (dns.RcodeSuccess,
	// dns.RcodeNameError, ...).
	Rcode int
	// Resolver is the resolver that answered the NS query.
	Resolver string
	// Failed lists the later queries ("name TYPE") no resolver answered;
	// the result is partial when it is not empty.
	Failed []string
	// Err is set when the NS query got no answer; Lookup returns it too.
	Err error
}

// Stats counts what a Resolver did.
type Stats struct {
	// Lookups are domains looked up (each counts against MaxLookups).
	Lookups int64
	// Cached are Lookup calls answered from an earlier lookup.
	Cached int64
	// RateLimited and OverBudget are Lookup calls refused.
	RateLimited, OverBudget int64
	// Queries are messages sent (UDP and TCP); Truncated are UDP answers
	// retried over TCP; Failovers are queries passed to the next resolver.
	Queries, Truncated, Failovers int64
	// Failures are lookups whose NS query no resolver answered.
	Failures int64
}

// Resolver looks domains up through the approved resolvers. Its methods are
// safe for concurrent use; concurrent lookups of the same domain share one.
type Resolver struct {
	cfg     Config
	servers []string
	now     func() time.Time
	udp     *dns.Client
	tcp     *dns.Client

	mu      sync.Mutex
	bucket  bucket
	entries map[string]*entry // at most cfg.MaxLookups entries
	started int

	cached, rateLimited, overBudget, failures atomic.Int64
	queries, truncated, failovers             atomic.Int64
}

// entry is one lookup; res is written before done is closed.
type entry struct {
	done      chan struct{}
	res       Result
	abandoned bool
}

// New returns a Resolver for cfg (zero values take the defaults). now is
// the clock of the rate limit; nil means time.Now. A config without
// resolvers, or with one that is not an IP address, is refused.
func New(cfg Config, now func() time.Time) (*Resolver, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("resolve config: %w", errors.Join(errs...))
	}
	cfg = cfg.withDefaults()
	if now == nil {
		now = time.Now
	}
	r := &Resolver{
		cfg:     cfg,
		now:     now,
		udp:     &dns.Client{Net: "udp", Timeout: cfg.Timeout, UDPSize: udpSize},
		tcp:     &dns.Client{Net: "tcp", Timeout: cfg.Timeout},
		bucket:  newBucket(cfg.RatePerSecond, cfg.Burst, now()),
		entries: make(map[string]*entry),
	}
	for _, s := range cfg.Resolvers {
		ap, _ := ParseServer(s) // checked by Validate
		r.servers = append(r.servers, ap.String())
	}
	return r, nil
}

// Stats returns the counts so far.
func (r *Resolver) Stats() Stats {
	r.mu.Lock()
	lookups := int64(r.started)
	r.mu.Unlock()
	return Stats{
		Lookups: lookups, Cached: r.cached.Load(),
		RateLimited: r.rateLimited.Load(), OverBudget: r.overBudget.Load(),
		Queries: r.queries.Load(), Truncated: r.truncated.Load(), Failovers: r.failovers.Load(),
		Failures: r.failures.Load(),
	}
}

// Lookup looks up a registrable domain: its NS records (with recursion
// desired), then its SOA, then the A and AAAA records of up to MaxNSHosts
// of its name servers. A domain already looked up returns the earlier
// result, also when that lookup failed. Lookup returns ErrBudget when
// MaxLookups domains were looked up, ErrRateLimited when the rate allows no
// lookup now (without waiting), ErrInvalidDomain, the context's error, and
// Result.Err (wrapping ErrNoAnswer) when no resolver answered the NS query.
// NXDOMAIN is not an error: Rcode says it. A lookup cut short by ctx is not
// kept, but still counts against MaxLookups.
func (r *Resolver) Lookup(ctx context.Context, domain string) (Result, error) {
	name := dnsname.Canonical(domain)
	if _, ok := dns.IsDomainName(name); !ok || name == "." {
		return Result{Domain: domain}, fmt.Errorf("%w: %q", ErrInvalidDomain, domain)
	}
	for {
		e, owner, err := r.claim(ctx, name)
		if err != nil {
			return Result{Domain: name}, err
		}
		if owner {
			return r.run(ctx, name, e)
		}
		select {
		case <-e.done:
		case <-ctx.Done():
			return Result{Domain: name}, fmt.Errorf("resolve %s: %w", name, ctx.Err())
		}
		if !e.abandoned {
			r.cached.Add(1)
			return e.res, e.res.Err
		}
	}
}

// claim returns the entry of name, and whether the caller must fill it.
func (r *Resolver) claim(ctx context.Context, name string) (*entry, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, ok := r.entries[name]; ok {
		return e, false, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, false, fmt.Errorf("resolve %s: %w", name, err)
	}
	if r.started >= r.cfg.MaxLookups {
		r.overBudget.Add(1)
		return nil, false, ErrBudget
	}
	if !r.bucket.take(r.now()) {
		r.rateLimited.Add(1)
		return nil, false, ErrRateLimited
	}
	r.started++
	e := &entry{done: make(chan struct{})}
	r.entries[name] = e
	return e, true, nil
}

// run performs the lookup of e and publishes it.
func (r *Resolver) run(ctx context.Context, name string, e *entry) (Result, error) {
	res := r.lookup(ctx, name)
	if err := ctxErr(ctx); err != nil {
		r.mu.Lock()
		delete(r.entries, name)
		e.abandoned = true
		r.mu.Unlock()
		close(e.done)
		return res, fmt.Errorf("resolve %s: %w", name, err)
	}
	if res.Err != nil {
		r.failures.Add(1)
	}
	e.res = res
	close(e.done)
	return res, res.Err
}
