package authns

import (
	_ "embed"
	"fmt"
	"strings"
	"time"
)

// ConfigPath is where this detector's Config sits in the configuration
// file; Validate prefixes every problem with it.
const ConfigPath = "detectors.authns"

// Config configures the detector. Start from DefaultConfig.
type Config struct {
	// Enabled turns the detector on. It reads DNS records (answers,
	// authority, glue), so a scan decodes them. Default true.
	Enabled bool `yaml:"enabled"`
	// MediumScore and HighScore are the score thresholds (0..100).
	// Defaults 50 and 70.
	MediumScore float64 `yaml:"medium_score"`
	HighScore   float64 `yaml:"high_score"`
	// LowNSTTL: an NS record TTL below it counts as very low. Default 5m.
	LowNSTTL time.Duration `yaml:"low_ns_ttl"`
	// NewNSAge: name servers first seen within it of a query are new,
	// when the store's history (scan --store) reaches back that far.
	// Default 168h (7 days).
	NewNSAge time.Duration `yaml:"new_ns_age"`
	// MaxDomains and MaxNameServers cap the zones and name servers
	// tracked; the least recently seen are forgotten (counted). Defaults
	// 100000 each.
	MaxDomains     int `yaml:"max_domains"`
	MaxNameServers int `yaml:"max_name_servers"`
	// UseBuiltinProviders applies the built-in catalogue of managed DNS
	// providers (providers.tsv), whose name servers lower a zone's score.
	// Default true.
	UseBuiltinProviders bool `yaml:"use_builtin_providers"`
	// Providers adds managed DNS providers: a registrable domain of their
	// name servers (or a first-label prefix with *), a name and a
	// reference.
	Providers []Provider `yaml:"providers"`
	// Exclusions are zones never reported (a name and everything below
	// it), each with a reason: CDNs, marketing platforms, developer test
	// domains, planned migrations.
	Exclusions []Exclusion `yaml:"exclusions"`
}

// Exclusion is one excluded zone and why.
type Exclusion struct {
	Domain string `yaml:"domain"`
	Reason string `yaml:"reason"`
}

// ExampleConfig is the documented default configuration (example.yaml).
//
//go:embed example.yaml
var ExampleConfig string

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		Enabled:             true,
		MediumScore:         50,
		HighScore:           70,
		LowNSTTL:            5 * time.Minute,
		NewNSAge:            7 * 24 * time.Hour,
		MaxDomains:          100_000,
		MaxNameServers:      100_000,
		UseBuiltinProviders: true,
	}
}

// Validate reports every problem in c, one error each, with its key path.
func (c Config) Validate() []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s.%s: %s", ConfigPath, key, fmt.Sprintf(format, args...)))
	}
	if c.MediumScore <= 0 || c.MediumScore > 100 {
		bad("medium_score", "must be above 0 and at most 100, got %v", c.MediumScore)
	}
	if c.HighScore < c.MediumScore || c.HighScore > 100 {
		bad("high_score", "must be between medium_score (%v) and 100, got %v", c.MediumScore, c.HighScore)
	}
	if c.LowNSTTL < 0 || c.LowNSTTL > 7*24*time.Hour {
		bad("low_ns_ttl", "must be between 0 and 168h, got %v", c.LowNSTTL)
	}
	if c.NewNSAge <= 0 || c.NewNSAge > 365*24*time.Hour {
		bad("new_ns_age", "must be positive and at most 8760h, got %v", c.NewNSAge)
	}
	if c.MaxDomains < 1 || c.MaxDomains > 10_000_000 {
		bad("max_domains", "must be between 1 and 10000000, got %d", c.MaxDomains)
	}
	if c.MaxNameServers < 1 || c.MaxNameServers > 10_000_000 {
		bad("max_name_servers", "must be between 1 and 10000000, got %d", c.MaxNameServers)
	}
	for i, p := range c.Providers {
		if msg := checkPattern(p.Pattern); msg != "" {
			bad(fmt.Sprintf("providers[%d].pattern", i), "%s, got %q", msg, p.Pattern)
		}
		if strings.TrimSpace(p.Name) == "" {
			bad(fmt.Sprintf("providers[%d].name", i), "must name the provider")
		}
	}
	for i, e := range c.Exclusions {
		if e.Domain == "" || e.Domain != strings.ToLower(e.Domain) || strings.HasPrefix(e.Domain, ".") || strings.HasSuffix(e.Domain, ".") || !strings.Contains(e.Domain, ".") {
			bad(fmt.Sprintf("exclusions[%d].domain", i), "must be a lowercase name of at least two labels such as example.com, got %q", e.Domain)
		}
		if strings.TrimSpace(e.Reason) == "" {
			bad(fmt.Sprintf("exclusions[%d].reason", i), "must say why the zone is excluded")
		}
	}
	return errs
}
