package delegation

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/dnsvigil/dnsvigil/internal/alert"
)

// ConfigPath is where this detector's Config sits in the configuration
// file; Validate prefixes every problem with it.
const ConfigPath = "detectors.delegation"

// Config configures the detector. Start from DefaultConfig.
type Config struct {
	// Watched are the organisation's own zones. Nothing is watched by
	// default, and the detector then reads no records.
	Watched []Watched `yaml:"watched"`
	// MaxVariants bounds the distinct changed values (NS sets, address
	// sets, SOA names) remembered per zone; later ones are counted only.
	// Default 32.
	MaxVariants int `yaml:"max_variants"`
	// MaxClients bounds the clients listed per change. Default 10.
	MaxClients int `yaml:"max_clients"`
	// Severity per kind of change.
	Severity SeverityConfig `yaml:"severity"`
}

// Watched is one zone and, optionally, its expected delegation. Without
// expectations the first NS set, NS addresses and SOA names seen in the
// input are the baseline.
type Watched struct {
	// Zone is the delegated zone, such as example.com.
	Zone string `yaml:"zone"`
	// ExpectedNS are the name servers the zone should be delegated to.
	ExpectedNS []string `yaml:"expected_ns"`
	// ExpectedSOAMName and ExpectedSOARName are the SOA's primary server
	// and responsible mailbox (in name form, hostmaster.example.com).
	ExpectedSOAMName string `yaml:"expected_soa_mname"`
	ExpectedSOARName string `yaml:"expected_soa_rname"`
}

// SeverityConfig sets the severity per kind of change.
type SeverityConfig struct {
	NS        string `yaml:"ns"`
	Addresses string `yaml:"addresses"`
	SOA       string `yaml:"soa"`
}

// ExampleConfig is the documented default configuration (example.yaml).
//
//go:embed example.yaml
var ExampleConfig string

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		MaxVariants: 32,
		MaxClients:  10,
		Severity:    SeverityConfig{NS: "high", Addresses: "high", SOA: "medium"},
	}
}

// Limits enforced by Validate.
const (
	maxWatched  = 10_000
	maxVariants = 1_000
	maxClients  = 1_000
	maxExpected = 64
)

// Validate reports every problem in c, one error each, with its key path.
func (c Config) Validate() []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s.%s: %s", ConfigPath, key, fmt.Sprintf(format, args...)))
	}
	if len(c.Watched) > maxWatched {
		bad("watched", "at most %d zones, got %d", maxWatched, len(c.Watched))
	}
	seen := map[string]bool{}
	for i, w := range c.Watched {
		at := fmt.Sprintf("watched[%d]", i)
		if msg := checkName(w.Zone); msg != "" {
			bad(at+".zone", "%s, got %q", msg, w.Zone)
		} else if seen[w.Zone] {
			bad(at+".zone", "%q is listed twice", w.Zone)
		}
		seen[w.Zone] = true
		if len(w.ExpectedNS) > maxExpected {
			bad(at+".expected_ns", "at most %d name servers", maxExpected)
		}
		for j, ns := range w.ExpectedNS {
			if msg := checkName(ns); msg != "" {
				bad(fmt.Sprintf("%s.expected_ns[%d]", at, j), "%s, got %q", msg, ns)
			}
		}
		for key, v := range map[string]string{"expected_soa_mname": w.ExpectedSOAMName, "expected_soa_rname": w.ExpectedSOARName} {
			if v == "" {
				continue
			}
			if msg := checkName(v); msg != "" {
				bad(at+"."+key, "%s, got %q", msg, v)
			}
		}
	}
	if c.MaxVariants < 1 || c.MaxVariants > maxVariants {
		bad("max_variants", "must be between 1 and %d, got %d", maxVariants, c.MaxVariants)
	}
	if c.MaxClients < 1 || c.MaxClients > maxClients {
		bad("max_clients", "must be between 1 and %d, got %d", maxClients, c.MaxClients)
	}
	for key, v := range map[string]string{"ns": c.Severity.NS, "addresses": c.Severity.Addresses, "soa": c.Severity.SOA} {
		if _, ok := alert.ParseSeverity(v); !ok {
			bad("severity."+key, "must be info, low, medium, high or critical, got %q", v)
		}
	}
	return errs
}

// checkName returns why s is not a canonical domain name, or "".
func checkName(s string) string {
	switch {
	case s == "" || strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") || strings.Contains(s, ".."):
		return "must be a name such as example.com, without leading or trailing dots"
	case s != strings.ToLower(s) || strings.ContainsAny(s, " *\t"):
		return "must be lowercase, without wildcards or spaces"
	}
	return ""
}
