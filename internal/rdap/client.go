package rdap

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/openrdap/rdap/bootstrap"
)

// Counts are the running totals of a Client, for metrics and the scan summary.
type Counts struct {
	CacheHits        uint64 // answered from the disk cache, negative answers included
	Fetches          uint64 // network lookups attempted
	NotFound         uint64 // 404 answers from the network
	RateLimited      uint64 // lookups refused by the local bucket or a 429
	Errors           uint64 // network lookups that failed otherwise
	CacheWriteErrors uint64 // answers that could not be stored
}

// Client looks up registration facts. It is safe for concurrent use; lookups that need the
// bootstrap registry take turns on it, the RDAP queries themselves run in parallel.
type Client struct {
	cfg    Config
	hc     *http.Client
	now    func() time.Time
	cache  diskCache
	server *url.URL // fixed RDAP server, or nil to bootstrap

	bootMu sync.Mutex
	boot   *bootstrap.Client

	mu     sync.Mutex
	bucket bucket
	counts Counts
}

// New validates cfg and returns a Client that sends its requests through hc (nil means a new
// default client) and reads the time only from now (nil means time.Now). The HTTP client is
// copied and its transport wrapped to cap response sizes; hc itself is not modified.
func New(cfg Config, hc *http.Client, now func() time.Time) (*Client, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if hc == nil {
		hc = &http.Client{}
	}
	if now == nil {
		now = time.Now
	}
	limited := *hc
	limited.Transport = limitTransport{base: hc.Transport, max: cfg.MaxResponseBytes}
	c := &Client{
		cfg:    cfg,
		hc:     &limited,
		now:    now,
		cache:  diskCache{dir: cfg.CacheDir},
		bucket: newBucket(cfg.RatePerMinute, now()),
	}
	if cfg.ServerURL != "" {
		u, err := url.Parse(withSlash(cfg.ServerURL))
		if err != nil {
			return nil, fmt.Errorf("%s.server_url: %w", configPath, err)
		}
		c.server = u
	}
	base, err := url.Parse(withSlash(cfg.BootstrapURL))
	if err != nil && c.server == nil {
		return nil, fmt.Errorf("%s.bootstrap_url: %w", configPath, err)
	}
	c.boot = &bootstrap.Client{
		HTTP:    c.hc,
		BaseURL: base,
		Cache:   newRegistryCache(cfg.CacheDir, bootstrapTTL, now),
	}
	return c, nil
}

func withSlash(s string) string {
	if s != "" && s[len(s)-1] != '/' {
		return s + "/"
	}
	return s
}

// Lookup returns the registration facts of domain, a registrable domain such as
// "example.com" (callers reduce query names with the public suffix list first). A fresh cache
// entry answers without network; otherwise one token is taken from the rate limiter (none
// left: ErrRateLimited at once) and the registry is queried within Config.Timeout. Errors name
// the domain and wrap ErrInvalidDomain, ErrNoService, ErrNotFound, ErrRateLimited,
// ErrDisabled, context.DeadlineExceeded or the transport or decoding failure.
func (c *Client) Lookup(ctx context.Context, domain string) (Info, error) {
	info, err := c.lookup(ctx, domain)
	if err != nil {
		return Info{}, fmt.Errorf("rdap lookup %q: %w", domain, err)
	}
	return info, nil
}

func (c *Client) lookup(ctx context.Context, domain string) (Info, error) {
	if !c.cfg.Enabled {
		return Info{}, ErrDisabled
	}
	name, err := normalize(domain)
	if err != nil {
		return Info{}, err
	}
	now := c.now()
	if info, ok, err := c.cache.get(name, now, c.cfg.CacheTTL, c.cfg.NegativeTTL); ok {
		c.count(func(n *Counts) { n.CacheHits++ })
		return info, err
	}
	if !c.take(now) {
		return Info{}, ErrRateLimited
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	info, err := c.fetch(ctx, name)
	switch {
	case err == nil:
		info.Fetched = now
		c.store(entry{Domain: name, Fetched: now, Info: &info})
	case errors.Is(err, ErrNotFound):
		c.count(func(n *Counts) { n.NotFound++ })
		c.store(entry{Domain: name, Fetched: now, NotFound: true})
	case errors.Is(err, ErrRateLimited):
		c.count(func(n *Counts) { n.RateLimited++ })
	default:
		c.count(func(n *Counts) { n.Errors++ })
	}
	return info, err
}

func (c *Client) take(now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.bucket.take(now) {
		c.counts.RateLimited++
		return false
	}
	c.counts.Fetches++
	return true
}

func (c *Client) store(e entry) {
	if err := c.cache.put(e); err != nil {
		c.count(func(n *Counts) { n.CacheWriteErrors++ })
	}
}

func (c *Client) count(f func(*Counts)) {
	c.mu.Lock()
	f(&c.counts)
	c.mu.Unlock()
}

// Counts returns the running totals.
func (c *Client) Counts() Counts {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts
}
