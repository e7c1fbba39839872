package resolver

import (
	_ "embed"
	"fmt"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/netset"
)

// ConfigPath is where this detector's Config sits in the dnsvigil
// configuration file; Validate prefixes every problem with it.
const ConfigPath = "detectors.resolver"

// Catalogue policies for well-known public resolvers.
const (
	// PolicyAlert reports DNS to a known public resolver, at
	// Severity.KnownPublic (low by default).
	PolicyAlert = "alert"
	// PolicyAllow treats known public resolvers as approved, as the seed
	// query did.
	PolicyAllow = "allow"
)

// Config configures the detector. The zero value is not useful; start from
// DefaultConfig. The yaml tags are the keys under detectors.resolver.
type Config struct {
	// Approved lists the resolvers hosts are meant to use: addresses or
	// CIDRs, each with an optional name shown in the docs and counters.
	// Default: none.
	Approved []Approved `yaml:"approved"`
	// TreatPrivateAsApproved makes DNS to special-purpose destinations
	// (RFC 1918, loopback, link-local, CGNAT, ULA, multicast, ...) never
	// alert. The documentation ranges count as external. Default: true.
	TreatPrivateAsApproved bool `yaml:"treat_private_as_approved"`
	// SkipApprovedClients ignores DNS sent by an approved resolver itself:
	// a recursive resolver talks to the world's authoritative servers.
	// Default: true.
	SkipApprovedClients bool `yaml:"skip_approved_clients"`
	// ResolverProcesses are DNS server programs whose own DNS is recursion
	// for their clients, not a bypass: a domain controller's DNS service
	// asking the root and TLD servers. An entry with a path separator is
	// matched against the whole image path, any other against its file
	// name; both without regard to case. Only telemetry that names the
	// process (Sysmon, Defender) can match. Default: the Windows DNS Server
	// service by its full path, named, unbound, kresd and pdns_recursor.
	ResolverProcesses []string `yaml:"resolver_processes"`
	// Catalogue sets how the shipped catalogue of public resolvers is used.
	Catalogue CatalogueConfig `yaml:"catalogue"`
	// Severity sets the severity per kind of destination.
	Severity SeverityConfig `yaml:"severity"`
	// Exclusions suppress known-good traffic; each needs a reason.
	// Default: none.
	Exclusions []Exclusion `yaml:"exclusions"`
	// Ports says which connections and DNS events count as DNS.
	Ports Ports `yaml:"ports"`
	// MaxPairs caps the (host, resolver) pairs held at once. When full, the
	// least recently seen pair is evicted (counted) and its alert is
	// emitted first if it had unreported activity. Default: 100000.
	MaxPairs int `yaml:"max_pairs"`
	// MaxEvictionAlerts caps the alerts emitted for pairs evicted before
	// their first alert. Past it, such pairs are gathered into one overflow
	// alert (pairs, queries, top hosts), so a spray of DNS to many servers
	// cannot flood the output, nor hide among its own alerts. Default: 1000.
	MaxEvictionAlerts int `yaml:"max_eviction_alerts"`
	// Samples is how many distinct query names and process images an alert
	// carries. Default: 5.
	Samples int `yaml:"samples"`
	// FirstReport is how long, in event time, a new pair is aggregated
	// before its first alert; 0 alerts on the first event. Default: 10m.
	FirstReport time.Duration `yaml:"first_report"`
	// ReportInterval is how often, in event time, an updated alert is
	// emitted for a pair that is still active; a pair idle for a whole
	// interval after its last alert is forgotten. Default: 24h.
	ReportInterval time.Duration `yaml:"report_interval"`
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
	// Policy for well-known public resolvers and DoH endpoints (tier
	// known): "alert" (default) reports them at Severity.KnownPublic, so
	// a host bypassing the corporate resolver for 8.8.8.8 is seen;
	// "allow" treats them as approved. Open resolvers from crawl lists
	// always alert, at Severity.OpenResolver.
	Policy string `yaml:"policy"`
}

// SeverityConfig maps destinations to alert severities (info, low, medium,
// high, critical).
type SeverityConfig struct {
	// KnownPublic is for a named provider's public resolver. Default: low.
	KnownPublic string `yaml:"known_public"`
	// OpenResolver is for an open resolver listed by a crawl. Default:
	// medium.
	OpenResolver string `yaml:"open_resolver"`
	// Unknown is for a destination no list knows. Default: high.
	Unknown string `yaml:"unknown"`
}

// Exclusion suppresses matching events. Every field set must match (AND);
// at least one of CIDR, ClientCIDR, ServerCIDR and Process must be set.
type Exclusion struct {
	// CIDR matches when the client OR the server is inside it (a host or
	// subnet excluded in both roles).
	CIDR string `yaml:"cidr"`
	// ClientCIDR matches the host that sent the DNS.
	ClientCIDR string `yaml:"client_cidr"`
	// ServerCIDR matches the resolver that was asked.
	ServerCIDR string `yaml:"server_cidr"`
	// Process matches the process image: a base name ("nmap.exe") is
	// compared with the image's base name, a path with the whole image,
	// both case-insensitively.
	Process string `yaml:"process"`
	// User matches the account that ran the process: "DOMAIN\name" is
	// compared whole, a bare "name" with the part after the backslash, both
	// case-insensitively. Only telemetry that names the account can match.
	User string `yaml:"user"`
	// Reason says why the traffic is acceptable. Required.
	Reason string `yaml:"reason"`
	// Expires is an optional RFC 3339 date ("2026-12-31", valid through
	// that day, UTC) or date-time; from then on, in event time, the
	// exclusion is ignored and matches are counted.
	Expires string `yaml:"expires"`
}

// Ports lists the destination ports that make an event DNS.
type Ports struct {
	// DNS ports for plain DNS over UDP/TCP. Default: [53].
	DNS []uint16 `yaml:"dns"`
	// DoT ports: a TCP connection to one is DNS over TLS, UDP DNS over
	// QUIC. Default: [853].
	DoT []uint16 `yaml:"dot"`
	// DoH ports: a connection to one counts as DNS over HTTPS only when
	// the destination is a catalogue DoH endpoint. Empty turns the
	// inference off. Default: [443].
	DoH []uint16 `yaml:"doh"`
}

// ExampleConfig is the YAML under detectors.resolver with every key at its
// default and the known false positives as commented examples; it decodes
// to DefaultConfig.
//
//go:embed example.yaml
var ExampleConfig string

// DefaultConfig returns the documented defaults.
func DefaultConfig() Config {
	return Config{
		TreatPrivateAsApproved: true,
		SkipApprovedClients:    true,
		ResolverProcesses:      []string{`C:\Windows\System32\dns.exe`, "named", "unbound", "kresd", "pdns_recursor"},
		Catalogue:              CatalogueConfig{Policy: PolicyAlert},
		Severity:               SeverityConfig{KnownPublic: "low", OpenResolver: "medium", Unknown: "high"},
		Ports:                  Ports{DNS: []uint16{53}, DoT: []uint16{853}, DoH: []uint16{443}},
		MaxPairs:               100_000,
		MaxEvictionAlerts:      1000,
		Samples:                5,
		FirstReport:            10 * time.Minute,
		ReportInterval:         24 * time.Hour,
	}
}

// Limits that Validate enforces.
const (
	maxMaxPairs = 10_000_000
	maxSamples  = 100
)

// FieldError is one configuration problem at a YAML path
// ("detectors.resolver.approved[2].cidr").
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
	for _, s := range []struct{ key, val string }{
		{"known_public", c.Severity.KnownPublic},
		{"open_resolver", c.Severity.OpenResolver},
		{"unknown", c.Severity.Unknown},
	} {
		if _, ok := alert.ParseSeverity(s.val); !ok {
			bad("severity."+s.key, "unknown severity %q (want info, low, medium, high or critical)", s.val)
		}
	}
	for i, x := range c.Exclusions {
		for _, m := range x.validate() {
			bad(fmt.Sprintf("exclusions[%d]%s", i, m.Path), "%s", m.Msg)
		}
	}
	for _, p := range []struct {
		key   string
		ports []uint16
	}{{"dns", c.Ports.DNS}, {"dot", c.Ports.DoT}, {"doh", c.Ports.DoH}} {
		for i, port := range p.ports {
			if port == 0 {
				bad(fmt.Sprintf("ports.%s[%d]", p.key, i), "port 0 is not a port")
			}
		}
	}
	if c.MaxPairs < 1 || c.MaxPairs > maxMaxPairs {
		bad("max_pairs", "must be between 1 and %d, not %d", maxMaxPairs, c.MaxPairs)
	}
	if c.MaxEvictionAlerts < 0 || c.MaxEvictionAlerts > maxMaxPairs {
		bad("max_eviction_alerts", "must be between 0 and %d, not %d", maxMaxPairs, c.MaxEvictionAlerts)
	}
	if c.Samples < 0 || c.Samples > maxSamples {
		bad("samples", "must be between 0 and %d, not %d", maxSamples, c.Samples)
	}
	if c.FirstReport < 0 {
		bad("first_report", "must not be negative, not %s", c.FirstReport)
	}
	if c.ReportInterval <= 0 {
		bad("report_interval", "must be positive, not %s", c.ReportInterval)
	}
	return errs
}

// validate returns the problems of one exclusion with paths relative to it
// (".reason").
func (x Exclusion) validate() []FieldError {
	var errs []FieldError
	for _, f := range []struct{ key, val string }{{"cidr", x.CIDR}, {"client_cidr", x.ClientCIDR}, {"server_cidr", x.ServerCIDR}} {
		if f.val == "" {
			continue
		}
		if _, err := netset.ParsePrefix(f.val); err != nil {
			errs = append(errs, FieldError{"." + f.key, err.Error()})
		}
	}
	if x.CIDR == "" && x.ClientCIDR == "" && x.ServerCIDR == "" && x.Process == "" && x.User == "" {
		errs = append(errs, FieldError{"", "needs at least one of cidr, client_cidr, server_cidr, process, user"})
	}
	if x.Reason == "" {
		errs = append(errs, FieldError{".reason", "is required: say why this traffic is acceptable"})
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
