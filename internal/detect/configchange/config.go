package configchange

import (
	_ "embed"
	"fmt"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/netset"
)

// ConfigPath is where this detector's Config sits in the dnsvigil
// configuration file; Validate prefixes every problem with it.
const ConfigPath = "detectors.configchange"

// Catalogue policies for well-known public resolvers.
const (
	// PolicyAlert reports a change to a known public resolver at
	// Severity.KnownPublic (low by default).
	PolicyAlert = "alert"
	// PolicyAllow treats known public resolvers as approved, as the seed
	// query's KnownPublicDNS list did.
	PolicyAllow = "allow"
)

// Config configures the detector. Start from DefaultConfig. The yaml tags are
// the keys under detectors.configchange.
type Config struct {
	// Approved lists the resolvers hosts may be configured with: addresses
	// or CIDRs, each with an optional name. Default: none.
	Approved []Approved `yaml:"approved"`
	// TreatPrivateAsApproved makes a change to a special-purpose address
	// (RFC 1918, loopback, link-local, CGNAT, ULA, ...) silent: home
	// routers, guest Wi-Fi DHCP and local stub resolvers. The documentation
	// ranges count as external. Default: true.
	TreatPrivateAsApproved bool `yaml:"treat_private_as_approved"`
	// Catalogue sets how the public-resolver catalogue is used.
	Catalogue CatalogueConfig `yaml:"catalogue"`
	// Severity sets the severity per kind of finding.
	Severity SeverityConfig `yaml:"severity"`
	// ReportResets emits an alert (at Severity.Reset) for a command line
	// that puts an interface back to DHCP-assigned resolvers. Default: true.
	ReportResets bool `yaml:"report_resets"`
	// Exclusions suppress known-good changes; each needs a reason.
	// Default: none.
	Exclusions []Exclusion `yaml:"exclusions"`
	// Correlation sets how a change is followed to the DNS that uses it.
	Correlation CorrelationConfig `yaml:"correlation"`
}

// Approved is one approved resolver.
type Approved struct {
	// CIDR is an IP address or a CIDR, IPv4 or IPv6.
	CIDR string `yaml:"cidr"`
	// Name is optional ("corp-dns-1").
	Name string `yaml:"name"`
}

// CatalogueConfig sets the catalogue policy.
type CatalogueConfig struct {
	// Policy for well-known public resolvers (catalogue tier known):
	// "alert" (default) or "allow". Open resolvers from crawl lists always
	// alert, at Severity.OpenResolver.
	Policy string `yaml:"policy"`
}

// SeverityConfig maps findings to alert severities (info, low, medium,
// high, critical).
type SeverityConfig struct {
	// Unknown is for a change to an address no catalogue lists. Default:
	// medium.
	Unknown string `yaml:"unknown"`
	// OpenResolver is for a change to an open resolver from a crawl list.
	// Default: medium.
	OpenResolver string `yaml:"open_resolver"`
	// KnownPublic is for a change to a named provider's public resolver
	// under catalogue policy alert. Default: low.
	KnownPublic string `yaml:"known_public"`
	// Setting is for a change without a server address: a DoH policy, a
	// global suffix list, a resolv.conf overwritten from a file. Default:
	// low.
	Setting string `yaml:"setting"`
	// Reset is for a command line that resets resolvers to DHCP. Default:
	// info.
	Reset string `yaml:"reset"`
	// FollowedByTraffic is for DNS sent to an unapproved resolver after a
	// change set it (rule DNSV-CFG-003). Default: high.
	FollowedByTraffic string `yaml:"followed_by_traffic"`
}

// Exclusion suppresses matching changes. Every field set must match (AND);
// at least one of Process, User, Host and Server must be set.
type Exclusion struct {
	// Process matches the process image: a base name ("vpnagent.exe") is
	// compared with the image's base name, a path with the whole image,
	// case-insensitively.
	Process string `yaml:"process"`
	// User matches the account (DOMAIN\user or user), case-insensitively.
	User string `yaml:"user"`
	// Host matches the host name, case-insensitively.
	Host string `yaml:"host"`
	// Server is an address or CIDR that matches the resolver being set.
	Server string `yaml:"server"`
	// Reason says why the change is acceptable. Required.
	Reason string `yaml:"reason"`
	// Expires is an optional RFC 3339 date ("2026-12-31", valid through
	// that day, UTC) or date-time; from then on, in event time, the
	// exclusion is ignored and matches are counted and shown as evidence.
	Expires string `yaml:"expires"`
}

// CorrelationConfig sets how changes are remembered to correlate them with
// later DNS traffic.
type CorrelationConfig struct {
	// Window is how long, in event time after a change, DNS to the new
	// server counts as following it. Default: 24h.
	Window time.Duration `yaml:"window"`
	// MaxTracked caps the (host, server) changes remembered at once; the
	// least recently touched is evicted (counted). Default: 100000.
	MaxTracked int `yaml:"max_tracked"`
	// DNSPorts are the destination ports of a connection event that count
	// as DNS to the server. Default: [53, 853].
	DNSPorts []uint16 `yaml:"dns_ports"`
}

// ExampleConfig is the YAML under detectors.configchange with every key at
// its default and the known false positives as commented examples; it
// decodes to DefaultConfig.
//
//go:embed example.yaml
var ExampleConfig string

// DefaultConfig returns the documented defaults.
func DefaultConfig() Config {
	return Config{
		TreatPrivateAsApproved: true,
		Catalogue:              CatalogueConfig{Policy: PolicyAlert},
		Severity: SeverityConfig{
			Unknown:           "medium",
			OpenResolver:      "medium",
			KnownPublic:       "low",
			Setting:           "low",
			Reset:             "info",
			FollowedByTraffic: "high",
		},
		ReportResets: true,
		Correlation: CorrelationConfig{
			Window:     24 * time.Hour,
			MaxTracked: 100_000,
			DNSPorts:   []uint16{53, 853},
		},
	}
}

// maxMaxTracked bounds Correlation.MaxTracked.
const maxMaxTracked = 10_000_000

// FieldError is one configuration problem at a YAML path
// ("detectors.configchange.approved[2].cidr").
type FieldError struct {
	Path string
	Msg  string
}

func (e *FieldError) Error() string { return e.Path + ": " + e.Msg }

// Validate returns every problem in c, each a *FieldError naming its YAML
// path; nil when c is valid.
func (c Config) Validate() []error {
	var errs []error
	bad := func(path, format string, args ...any) {
		errs = append(errs, &FieldError{Path: ConfigPath + "." + path, Msg: fmt.Sprintf(format, args...)})
	}
	for i, a := range c.Approved {
		if _, err := netset.ParsePrefix(a.CIDR); err != nil {
			bad(fmt.Sprintf("approved[%d].cidr", i), "%v", err)
		}
	}
	if c.Catalogue.Policy != PolicyAlert && c.Catalogue.Policy != PolicyAllow {
		bad("catalogue.policy", "must be %q or %q, not %q", PolicyAlert, PolicyAllow, c.Catalogue.Policy)
	}
	for _, s := range c.Severity.fields() {
		if _, ok := alert.ParseSeverity(s.val); !ok {
			bad("severity."+s.key, "unknown severity %q (want info, low, medium, high or critical)", s.val)
		}
	}
	for i, x := range c.Exclusions {
		for _, m := range x.validate() {
			bad(fmt.Sprintf("exclusions[%d]%s", i, m.Path), "%s", m.Msg)
		}
	}
	if c.Correlation.Window <= 0 {
		bad("correlation.window", "must be positive, not %s", c.Correlation.Window)
	}
	if c.Correlation.MaxTracked < 1 || c.Correlation.MaxTracked > maxMaxTracked {
		bad("correlation.max_tracked", "must be between 1 and %d, not %d", maxMaxTracked, c.Correlation.MaxTracked)
	}
	for i, p := range c.Correlation.DNSPorts {
		if p == 0 {
			bad(fmt.Sprintf("correlation.dns_ports[%d]", i), "port 0 is not a port")
		}
	}
	return errs
}

// fields lists the severity keys with their values.
func (s SeverityConfig) fields() []struct{ key, val string } {
	return []struct{ key, val string }{
		{"unknown", s.Unknown},
		{"open_resolver", s.OpenResolver},
		{"known_public", s.KnownPublic},
		{"setting", s.Setting},
		{"reset", s.Reset},
		{"followed_by_traffic", s.FollowedByTraffic},
	}
}

// validate returns the problems of one exclusion with paths relative to it.
func (x Exclusion) validate() []FieldError {
	var errs []FieldError
	if x.Server != "" {
		if _, err := netset.ParsePrefix(x.Server); err != nil {
			errs = append(errs, FieldError{".server", err.Error()})
		}
	}
	if x.Process == "" && x.User == "" && x.Host == "" && x.Server == "" {
		errs = append(errs, FieldError{"", "needs at least one of process, user, host, server"})
	}
	if x.Reason == "" {
		errs = append(errs, FieldError{".reason", "is required: say why this change is acceptable"})
	}
	if x.Expires != "" {
		if _, err := parseExpiry(x.Expires); err != nil {
			errs = append(errs, FieldError{".expires", err.Error()})
		}
	}
	return errs
}

// parseExpiry parses an RFC 3339 date or date-time. A date means the end of
// that day in UTC: the exclusion still applies on that date.
func parseExpiry(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.AddDate(0, 0, 1), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("invalid date %q (want RFC 3339, such as 2026-12-31 or 2026-12-31T18:00:00Z)", s)
	}
	return t, nil
}
