// Package rdap looks up domain registration facts over RDAP (RFC 9083): when a registrable
// domain was registered, last changed and expires, its registrar, status codes and the name
// servers the registry holds for it.
//
// Alerts about freshly registered or soon-to-expire domains are far more actionable than the
// same alert about a decade-old domain, and the registered name servers show whether resolution
// agrees with the registry. RDAP is a remote, rate-limited service, so this package is an
// alert-time enricher: detectors never call it per event. Each Lookup is synchronous and bounded
// by a timeout, answers from a per-domain disk cache when it can, spends a token from a local
// rate limiter otherwise, and fails fast with ErrRateLimited instead of waiting, so a scan never
// stalls on RDAP. The authoritative server for a TLD is found through the IANA bootstrap
// registry (RFC 9224); a private RDAP server can be configured instead.
//
// The wall clock is read only through the injected now function.
package rdap

import (
	"errors"
	"fmt"
	"net/url"
	"time"
)

const configPath = "enrich.rdap"

// DefaultBootstrapURL is the base URL of the IANA RDAP bootstrap files; dns.json is fetched
// from it.
const DefaultBootstrapURL = "https://data.iana.org/rdap/"

const (
	maxTTL           = 365 * 24 * time.Hour
	maxTimeout       = 5 * time.Minute
	maxRatePerMinute = 6000
	maxResponseLimit = 64 << 20
	bootstrapTTL     = 24 * time.Hour
)

// Sentinel errors returned (wrapped with the domain) by Lookup.
var (
	// ErrDisabled means the client was built from a Config with Enabled false.
	ErrDisabled = errors.New("rdap lookups are disabled")
	// ErrInvalidDomain means the name is not a lowercase-able LDH domain name with at least
	// two labels; such names are never sent to a server nor used as cache file names.
	ErrInvalidDomain = errors.New("invalid domain name")
	// ErrNoService means the bootstrap registry lists no RDAP server for the domain's TLD.
	ErrNoService = errors.New("no rdap service for this tld")
	// ErrNotFound means the RDAP server answered 404: the domain is not registered.
	// It is cached for Config.NegativeTTL.
	ErrNotFound = errors.New("domain not found in rdap")
	// ErrRateLimited means the local token bucket is empty or the server answered 429.
	// Lookup returns it at once rather than waiting; retry on a later alert.
	ErrRateLimited = errors.New("rdap rate limit reached")
)

// Config configures a Client.
type Config struct {
	// Enabled turns lookups on; when false every Lookup returns ErrDisabled.
	Enabled bool `yaml:"enabled"`
	// CacheDir holds one JSON file per looked-up domain and the bootstrap file.
	// Empty disables the disk cache (every lookup goes to the network).
	CacheDir string `yaml:"cache_dir"`
	// CacheTTL is how long a successful answer is reused.
	CacheTTL time.Duration `yaml:"cache_ttl"`
	// NegativeTTL is how long a "not found" answer is reused.
	NegativeTTL time.Duration `yaml:"negative_ttl"`
	// Timeout bounds one Lookup, bootstrap included.
	Timeout time.Duration `yaml:"timeout"`
	// RatePerMinute is the number of network lookups allowed per minute; it is also the burst.
	RatePerMinute int `yaml:"rate_per_minute"`
	// BootstrapURL is the base URL holding the bootstrap file dns.json.
	BootstrapURL string `yaml:"bootstrap_url"`
	// ServerURL, when set, is the RDAP base URL used for every domain, skipping bootstrap.
	ServerURL string `yaml:"server_url"`
	// MaxResponseBytes caps every HTTP response body read.
	MaxResponseBytes int64 `yaml:"max_response_bytes"`
}

// DefaultConfig returns the defaults: disabled, 7-day cache, 1-day negative cache, 10 s
// timeout, 30 lookups a minute, IANA bootstrap, 4 MiB response cap.
func DefaultConfig() Config {
	return Config{
		CacheTTL:         7 * 24 * time.Hour,
		NegativeTTL:      24 * time.Hour,
		Timeout:          10 * time.Second,
		RatePerMinute:    30,
		BootstrapURL:     DefaultBootstrapURL,
		MaxResponseBytes: 4 << 20,
	}
}

// Validate reports every problem in c, one error each, worded as "enrich.rdap.key: message".
func (c Config) Validate() []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s.%s: %s", configPath, key, fmt.Sprintf(format, args...)))
	}
	if c.CacheTTL <= 0 || c.CacheTTL > maxTTL {
		bad("cache_ttl", "must be positive and at most %v, got %v", maxTTL, c.CacheTTL)
	}
	if c.NegativeTTL <= 0 || c.NegativeTTL > maxTTL {
		bad("negative_ttl", "must be positive and at most %v, got %v", maxTTL, c.NegativeTTL)
	}
	if c.Timeout <= 0 || c.Timeout > maxTimeout {
		bad("timeout", "must be positive and at most %v, got %v", maxTimeout, c.Timeout)
	}
	if c.RatePerMinute <= 0 || c.RatePerMinute > maxRatePerMinute {
		bad("rate_per_minute", "must be between 1 and %d, got %d", maxRatePerMinute, c.RatePerMinute)
	}
	if c.MaxResponseBytes <= 0 || c.MaxResponseBytes > maxResponseLimit {
		bad("max_response_bytes", "must be between 1 and %d, got %d", maxResponseLimit, c.MaxResponseBytes)
	}
	if err := checkBaseURL(c.BootstrapURL); err != nil && c.ServerURL == "" {
		bad("bootstrap_url", "%v", err)
	}
	if c.ServerURL != "" {
		if err := checkBaseURL(c.ServerURL); err != nil {
			bad("server_url", "%v", err)
		}
	}
	return errs
}

func checkBaseURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("not a url: %w", err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("must be an absolute http or https url, got %q", s)
	}
	return nil
}

// Info holds the registration facts of one domain. Zero times mean the registry did not say.
type Info struct {
	Domain      string    `json:"domain"`
	Registered  time.Time `json:"registered,omitzero"`
	LastChanged time.Time `json:"last_changed,omitzero"`
	Expires     time.Time `json:"expires,omitzero"`
	Registrar   string    `json:"registrar,omitempty"`
	Status      []string  `json:"status,omitempty"`
	NameServers []string  `json:"name_servers,omitempty"`
	// Source is the RDAP URL that answered.
	Source string `json:"source"`
	// Fetched is when the answer was fetched (from the injected clock), also for cache hits.
	Fetched time.Time `json:"fetched"`
}

// AgeAt returns how long the domain had been registered at t, and false when the registration
// date is unknown. The age is negative when t precedes the registration, which happens when a
// domain was dropped and registered again after the activity being judged.
func (i Info) AgeAt(t time.Time) (time.Duration, bool) {
	if i.Registered.IsZero() {
		return 0, false
	}
	return t.Sub(i.Registered), true
}
