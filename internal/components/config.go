package components

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/config"
	"github.com/dnsvigil/dnsvigil/internal/detect/authns"
	"github.com/dnsvigil/dnsvigil/internal/detect/configchange"
	"github.com/dnsvigil/dnsvigil/internal/detect/delegation"
	"github.com/dnsvigil/dnsvigil/internal/detect/intelmatch"
	"github.com/dnsvigil/dnsvigil/internal/detect/resolver"
	"github.com/dnsvigil/dnsvigil/internal/detect/tunnel"
	"github.com/dnsvigil/dnsvigil/internal/detect/volume"
	"github.com/dnsvigil/dnsvigil/internal/incident"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/netset"
	"github.com/dnsvigil/dnsvigil/internal/rdap"
	"github.com/dnsvigil/dnsvigil/internal/resolve"
)

// Config is the root of dnsvigil.yaml.
type Config struct {
	Input     InputConfig     `yaml:"input"`
	Names     NamesConfig     `yaml:"names"`
	Intel     IntelConfig     `yaml:"intel"`
	Enrich    EnrichConfig    `yaml:"enrich"`
	Resolve   resolve.Config  `yaml:"resolve"`
	Detectors DetectorsConfig `yaml:"detectors"`
	Incidents incident.Config `yaml:"incidents"`
	Serve     ServeConfig     `yaml:"serve"`
}

// EnrichConfig holds enrichments that ask the network, on findings only.
type EnrichConfig struct {
	// RDAP adds the registration date and registrar of an alert's domain.
	// Off by default.
	RDAP rdap.Config `yaml:"rdap"`
}

// IntelConfig lists the threat intelligence files: STIX 2.1 bundles, MISP
// JSON exports and plain lists (one domain, IP or CIDR a line), recognised
// from their content. Relative paths are taken from the working directory.
type IntelConfig struct {
	Files []string `yaml:"files"`
}

// InputConfig holds the decoder settings shared by every input.
type InputConfig struct {
	DNSPorts      []uint16      `yaml:"dns_ports"`
	PairTimeout   time.Duration `yaml:"pair_timeout"`
	MaxPending    int           `yaml:"max_pending"`
	MaxTCPStreams int           `yaml:"max_tcp_streams"`
	MaxLineBytes  int           `yaml:"max_line_bytes"`
	ReorderWindow time.Duration `yaml:"reorder_window"`
	ReorderMax    int           `yaml:"reorder_max"`
}

// NamesConfig controls name enrichment.
type NamesConfig struct {
	// PrivateSuffixes makes the registrable domain honour the private section
	// of the public suffix list (dyndns and hosting suffixes such as
	// blogspot.com). Off by default, so that every dynamic-DNS customer name
	// does not look like its own registrable domain.
	PrivateSuffixes bool `yaml:"private_suffixes"`
}

// DetectorsConfig holds one section per detector.
type DetectorsConfig struct {
	Resolver     resolver.Config     `yaml:"resolver"`
	Volume       volume.Config       `yaml:"volume"`
	ConfigChange configchange.Config `yaml:"configchange"`
	Tunnel       tunnel.Config       `yaml:"tunnel"`
	Delegation   delegation.Config   `yaml:"delegation"`
	Intel        intelmatch.Config   `yaml:"intel"`
	AuthNS       authns.Config       `yaml:"authns"`
}

// maxReorder caps input.reorder_max: the buffer's slot table is allocated
// up front.
const maxReorder = 1 << 20

// DefaultConfig returns the configuration used when no file is given.
func DefaultConfig() Config {
	o := input.DefaultOptions()
	return Config{
		Input: InputConfig{
			DNSPorts:      o.DNSPorts,
			PairTimeout:   o.PairTimeout,
			MaxPending:    o.MaxPending,
			MaxTCPStreams: o.MaxTCPStreams,
			MaxLineBytes:  o.MaxLineBytes,
			ReorderWindow: 30 * time.Second,
			ReorderMax:    8192,
		},
		Detectors: DetectorsConfig{
			Resolver:     resolver.DefaultConfig(),
			Volume:       volume.DefaultConfig(),
			ConfigChange: configchange.DefaultConfig(),
			Tunnel:       tunnel.DefaultConfig(),
			Delegation:   delegation.DefaultConfig(),
			Intel:        intelmatch.DefaultConfig(),
			AuthNS:       authns.DefaultConfig(),
		},
		Enrich:    EnrichConfig{RDAP: rdap.DefaultConfig()},
		Resolve:   resolve.DefaultConfig(),
		Incidents: incident.DefaultConfig(),
		Serve:     DefaultServeConfig(),
	}
}

// InputOptions converts the input section to decoder options.
func (c Config) InputOptions() input.Options {
	return input.Options{
		DNSPorts:      c.Input.DNSPorts,
		PairTimeout:   c.Input.PairTimeout,
		MaxPending:    c.Input.MaxPending,
		MaxTCPStreams: c.Input.MaxTCPStreams,
		MaxLineBytes:  c.Input.MaxLineBytes,
	}
}

// Validate reports every problem in c, each with its key path.
func (c Config) Validate() []error {
	var errs []error
	in := c.Input
	if len(in.DNSPorts) == 0 {
		errs = append(errs, config.Problemf("input.dns_ports", "must name at least one port"))
	}
	for i, p := range in.DNSPorts {
		if p == 0 {
			errs = append(errs, config.Problemf(fmt.Sprintf("input.dns_ports[%d]", i), "port 0 is not valid"))
		}
	}
	positive := []struct {
		path string
		ok   bool
	}{
		{"input.pair_timeout", in.PairTimeout > 0},
		{"input.max_pending", in.MaxPending > 0},
		{"input.max_tcp_streams", in.MaxTCPStreams > 0},
		{"input.max_line_bytes", in.MaxLineBytes >= 1024},
		{"input.reorder_window", in.ReorderWindow >= 0},
		{"input.reorder_max", in.ReorderMax > 0 && in.ReorderMax <= maxReorder},
	}
	for _, p := range positive {
		if !p.ok {
			errs = append(errs, config.Problemf(p.path, "must be positive (max_line_bytes at least 1024, reorder_window 0 or more, reorder_max at most 1048576)"))
		}
	}
	errs = append(errs, c.Detectors.Resolver.Validate()...)
	errs = append(errs, prefixed("detectors.volume", c.Detectors.Volume.Validate())...)
	errs = append(errs, c.Detectors.ConfigChange.Validate()...)
	errs = append(errs, c.Detectors.Tunnel.Validate()...)
	errs = append(errs, c.Detectors.Delegation.Validate()...)
	errs = append(errs, c.Detectors.Intel.Validate()...)
	errs = append(errs, c.Detectors.AuthNS.Validate()...)
	for i, f := range c.Intel.Files {
		if f == "" {
			errs = append(errs, config.Problemf(fmt.Sprintf("intel.files[%d]", i), "must name a file"))
		}
	}
	errs = append(errs, c.Enrich.RDAP.Validate()...)
	if len(c.Resolve.Resolvers) > 0 {
		errs = append(errs, c.Resolve.Validate()...)
	}
	errs = append(errs, c.Incidents.Validate()...)
	errs = append(errs, c.Serve.Validate()...)
	return errs
}

// Approve adds approved resolvers (IPs or CIDRs) to the resolver detector,
// as the scan command's --approve flag does.
func (c *Config) Approve(entries []string) error {
	for _, e := range entries {
		if _, err := netset.ParsePrefix(e); err != nil {
			return err
		}
		c.Detectors.Resolver.Approved = append(c.Detectors.Resolver.Approved, resolver.Approved{CIDR: e, Name: "--approve"})
	}
	return nil
}

// prefixed adds a section prefix to problems whose path is relative.
func prefixed(section string, errs []error) []error {
	out := make([]error, 0, len(errs))
	for _, err := range errs {
		var p config.Problem
		if errors.As(err, &p) {
			if p.Path == "" {
				p.Path = section
			} else {
				p.Path = section + "." + p.Path
			}
			out = append(out, p)
			continue
		}
		out = append(out, err)
	}
	return out
}

// LoadConfig reads and validates a configuration file; an empty path gives
// the defaults. Errors name the file and line.
func LoadConfig(path string) (Config, error) {
	cfg := DefaultConfig()
	if path == "" {
		return cfg, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("config: %w", err)
	}
	return ParseConfig(path, data)
}

// ParseConfig decodes and validates configuration text named file.
func ParseConfig(file string, data []byte) (Config, error) {
	cfg := DefaultConfig()
	doc, err := config.Decode(file, data, &cfg)
	if err != nil {
		return cfg, err
	}
	if err := fillServeDefaults(doc, &cfg.Serve); err != nil {
		return cfg, err
	}
	return cfg, doc.Locate(cfg.Validate())
}

// ResolveConfig returns the active-lookup settings with the resolvers to
// ask: those listed under resolve.resolvers, then every approved resolver
// of detectors.resolver.approved that is a single address. Nothing else is
// ever asked.
func (c Config) ResolveConfig() resolve.Config {
	rc := c.Resolve
	rc.Resolvers = slices.Clone(rc.Resolvers)
	for _, a := range c.Detectors.Resolver.Approved {
		p, err := netip.ParsePrefix(a.CIDR)
		if err != nil {
			addr, aerr := netip.ParseAddr(a.CIDR)
			if aerr != nil {
				continue
			}
			p = netip.PrefixFrom(addr, addr.BitLen())
		}
		if p.IsSingleIP() {
			rc.Resolvers = append(rc.Resolvers, p.Addr().String())
		}
	}
	return rc
}
