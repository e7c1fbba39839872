package webhook

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/dnsvigil/dnsvigil/internal/config"
)

// Defaults.
const (
	DefaultTimeout       = 10 * time.Second
	DefaultFlushInterval = time.Second
	DefaultRetries       = 5
	DefaultBackoffMin    = 500 * time.Millisecond
	DefaultBackoffMax    = 30 * time.Second
	DefaultMaxRetryAfter = 5 * time.Minute
)

// Limits.
const (
	// MaxBatchSize bounds batch_size: a batch is held in memory.
	MaxBatchSize = 10_000
	maxRetries   = 100
)

// Config sets a webhook output. Zero values mean the defaults, except for
// BatchSize (zero: no batching) and Retries (zero: none; DefaultConfig sets
// DefaultRetries).
type Config struct {
	// URL is where alerts are POSTed, http or https.
	URL string `yaml:"url"`
	// Headers are added to every request (Authorization, a tenant id).
	// Their values are secrets as far as dnsvigil is concerned: no error or
	// log shows them. Content-Type defaults to application/json.
	Headers map[string]string `yaml:"headers"`
	// Timeout bounds one request, the response included.
	Timeout time.Duration `yaml:"timeout"`
	// BatchSize 0 POSTs each alert as one JSON object. A positive BatchSize
	// POSTs JSON arrays of up to that many alerts, sent when full or
	// FlushInterval after their first alert, whichever comes first.
	BatchSize     int           `yaml:"batch_size"`
	FlushInterval time.Duration `yaml:"flush_interval"`
	// Retries is how many more times a request is sent after a network
	// error, a 5xx or a 429; other statuses are not retried. The wait
	// between tries doubles from BackoffMin up to BackoffMax, of which a
	// random half is waited (jitter); a Retry-After header replaces it, up
	// to MaxRetryAfter.
	Retries       int           `yaml:"retries"`
	BackoffMin    time.Duration `yaml:"backoff_min"`
	BackoffMax    time.Duration `yaml:"backoff_max"`
	MaxRetryAfter time.Duration `yaml:"max_retry_after"`
}

// DefaultConfig returns the defaults. It has no URL.
func DefaultConfig() Config {
	return Config{
		Timeout: DefaultTimeout, FlushInterval: DefaultFlushInterval, Retries: DefaultRetries,
		BackoffMin: DefaultBackoffMin, BackoffMax: DefaultBackoffMax, MaxRetryAfter: DefaultMaxRetryAfter,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	for _, t := range []struct{ v, def *time.Duration }{
		{&c.Timeout, &d.Timeout}, {&c.FlushInterval, &d.FlushInterval}, {&c.BackoffMin, &d.BackoffMin},
		{&c.BackoffMax, &d.BackoffMax}, {&c.MaxRetryAfter, &d.MaxRetryAfter},
	} {
		if *t.v == 0 {
			*t.v = *t.def
		}
	}
	return c
}

// forbidden are headers the request itself sets.
var forbidden = map[string]bool{"Content-Length": true, "Transfer-Encoding": true, "Host": true, "Connection": true}

// Validate reports every problem in c as a config.Problem whose path is
// relative to the webhook section ("url"). Header values are never quoted.
func (c Config) Validate() []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, config.Problemf(key, format, args...))
	}
	if u, err := url.Parse(c.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("url", "must be an http or https URL with a host")
	}
	names := make([]string, 0, len(c.Headers))
	for name := range c.Headers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		key := "headers." + name
		switch {
		case !httpguts.ValidHeaderFieldName(name):
			bad("headers", "%q is not a valid header name", name)
		case forbidden[http.CanonicalHeaderKey(name)]:
			bad(key, "is set by the request itself")
		case !httpguts.ValidHeaderFieldValue(c.Headers[name]):
			bad(key, "value holds a character a header cannot (a control character or newline)")
		}
	}
	d := c.withDefaults()
	if c.BatchSize < 0 || c.BatchSize > MaxBatchSize {
		bad("batch_size", "must be between 0 (no batching) and %d, got %d", MaxBatchSize, c.BatchSize)
	}
	if c.Retries < 0 || c.Retries > maxRetries {
		bad("retries", "must be between 0 and %d, got %d", maxRetries, c.Retries)
	}
	for _, t := range []struct {
		key string
		v   time.Duration
	}{{"timeout", c.Timeout}, {"flush_interval", c.FlushInterval}, {"backoff_min", c.BackoffMin},
		{"backoff_max", c.BackoffMax}, {"max_retry_after", c.MaxRetryAfter}} {
		if t.v < 0 {
			bad(t.key, "must not be negative, got %v", t.v)
		}
	}
	if d.BackoffMin > d.BackoffMax {
		bad("backoff_min", "must not be above backoff_max (%v), got %v", d.BackoffMax, d.BackoffMin)
	}
	return errs
}

// redacted returns u for messages, without a password.
func redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	return fmt.Sprint(u.Redacted())
}
