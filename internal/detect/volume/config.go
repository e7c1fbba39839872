package volume

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Config is the detectors.volume section of dnsvigil.yaml.
type Config struct {
	// Window is the width of the tumbling event-time bins queries are
	// counted in (KQL bin(Timestamp, 5m)). Default 5m.
	Window time.Duration `yaml:"window"`
	// Threshold: a key alerts when its guaranteed query count in one bin is
	// greater than Threshold (KQL QueryCount > 200). Default 200.
	Threshold int64 `yaml:"threshold"`
	// PerProcess counts each process image (basename of Process.Image) of a
	// device apart when the telemetry names it. Default true.
	PerProcess bool `yaml:"per_process"`
	// MaxKeys caps the device/process keys tracked per bin. Past it the
	// heavy-hitter counter replaces the smallest key; a flood of N queries
	// can then hide at most N/MaxKeys queries of any key. Default 200000.
	MaxKeys int `yaml:"max_keys"`
	// TopDomains is how many of a key's most queried registrable domains the
	// alert lists (0 lists none). Default 5.
	TopDomains int `yaml:"top_domains"`
	// SampleNames is how many distinct query names the alert quotes.
	// Default 3.
	SampleNames int `yaml:"sample_names"`
	// CountResponseOnly counts a DNS event without the query (HasQuery
	// false) as one query: decoders pair a query with its response, so a
	// response seen alone is the only record of its query. Turn it off for an
	// input that logs queries and responses as separate unpaired events.
	// Default true.
	CountResponseOnly bool `yaml:"count_response_only"`
	// CountConnections also counts connection events to port 53 (the seed
	// query's DeviceNetworkEvents with RemotePort == 53), for telemetry that
	// records DNS traffic only as connections. Leave it off when an input
	// gives both connections and queries for the same traffic (Zeek conn.log
	// with dns.log), or each query would count twice. Default false.
	CountConnections bool `yaml:"count_connections"`
	// ExcludeClients are client networks never counted: recursive
	// resolvers, mail servers, NAT gateways that legitimately send many
	// queries. Matched against the event's client address.
	ExcludeClients []ClientExclusion `yaml:"exclude_clients"`
	// ExcludeProcesses are process image basenames never counted
	// (case-insensitive), such as a local caching resolver.
	ExcludeProcesses []ProcessExclusion `yaml:"exclude_processes"`
}

// ClientExclusion is one excluded client network and why.
type ClientExclusion struct {
	// CIDR is the network, such as 10.0.0.53/32 or 2001:db8::/64.
	CIDR   netip.Prefix `yaml:"cidr"`
	Reason string       `yaml:"reason"`
}

// ProcessExclusion is one excluded process image basename and why.
type ProcessExclusion struct {
	// Name is the image's file name without its directory, such as
	// dnscache.exe or unbound.
	Name   string `yaml:"name"`
	Reason string `yaml:"reason"`
}

// Limits enforced by Validate.
const (
	maxWindow      = 24 * time.Hour
	maxThreshold   = 1_000_000_000_000
	maxKeysLimit   = 10_000_000
	maxTopDomains  = 50
	maxSampleNames = 20
	maxExclusions  = 1000
	configPath     = "detectors.volume"
)

// DefaultConfig returns the documented defaults: the seed query's 5-minute
// bins and threshold 200, per process, 200000 keys per bin.
func DefaultConfig() Config {
	return Config{
		Window:            5 * time.Minute,
		Threshold:         200,
		PerProcess:        true,
		MaxKeys:           200_000,
		TopDomains:        5,
		SampleNames:       3,
		CountResponseOnly: true,
	}
}

// Validate reports every problem in c, one error each, worded as
// "detectors.volume.<key>: <problem>" so the configuration loader can point
// at the line.
func (c Config) Validate() []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s.%s: %s", configPath, key, fmt.Sprintf(format, args...)))
	}
	if c.Window <= 0 || c.Window > maxWindow {
		bad("window", "must be positive and at most %v, got %v", maxWindow, c.Window)
	}
	if c.Threshold <= 0 || c.Threshold > maxThreshold {
		bad("threshold", "must be positive and at most %d, got %d", maxThreshold, c.Threshold)
	}
	if c.MaxKeys <= 0 || c.MaxKeys > maxKeysLimit {
		bad("max_keys", "must be between 1 and %d, got %d", maxKeysLimit, c.MaxKeys)
	}
	if c.TopDomains < 0 || c.TopDomains > maxTopDomains {
		bad("top_domains", "must be between 0 and %d, got %d", maxTopDomains, c.TopDomains)
	}
	if c.SampleNames < 0 || c.SampleNames > maxSampleNames {
		bad("sample_names", "must be between 0 and %d, got %d", maxSampleNames, c.SampleNames)
	}
	if len(c.ExcludeClients) > maxExclusions {
		bad("exclude_clients", "must list at most %d networks, got %d", maxExclusions, len(c.ExcludeClients))
	}
	for i, x := range c.ExcludeClients {
		if !x.CIDR.IsValid() {
			bad(fmt.Sprintf("exclude_clients[%d].cidr", i), "must be a network such as 10.0.0.53/32")
		}
		if strings.TrimSpace(x.Reason) == "" {
			bad(fmt.Sprintf("exclude_clients[%d].reason", i), "must say why the network is excluded")
		}
	}
	if len(c.ExcludeProcesses) > maxExclusions {
		bad("exclude_processes", "must list at most %d names, got %d", maxExclusions, len(c.ExcludeProcesses))
	}
	for i, x := range c.ExcludeProcesses {
		if x.Name == "" || strings.ContainsAny(x.Name, `/\`) {
			bad(fmt.Sprintf("exclude_processes[%d].name", i), "must be an image file name without a directory, got %q", x.Name)
		}
		if strings.TrimSpace(x.Reason) == "" {
			bad(fmt.Sprintf("exclude_processes[%d].reason", i), "must say why the process is excluded")
		}
	}
	return errs
}
