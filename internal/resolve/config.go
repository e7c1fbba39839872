package resolve

import (
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// Config says which resolvers the active mode may query and how much.
type Config struct {
	// Resolvers are the approved recursive resolvers, as IP addresses with an
	// optional port: "10.0.0.53", "10.0.0.53:53", "2001:db8::53" or
	// "[2001:db8::53]:53". Only these are ever queried, in this order; the
	// next is tried when one times out, fails or answers SERVFAIL or REFUSED.
	// Host names are refused: resolving them would need a resolver that is
	// not on the list.
	Resolvers []string `yaml:"resolvers"`
	// RatePerSecond is how many domain lookups may start per second (one
	// lookup sends up to 2 + 2*MaxNSHosts queries, more on failover).
	RatePerSecond float64 `yaml:"rate_per_second"`
	// Burst is how many lookups may start at once after a quiet period.
	Burst int `yaml:"burst"`
	// Timeout bounds one query to one resolver (UDP, and TCP after a
	// truncated answer).
	Timeout time.Duration `yaml:"timeout"`
	// MaxLookups is how many domains one Resolver looks up in its lifetime
	// (one run). It also bounds the result cache.
	MaxLookups int `yaml:"max_lookups"`
	// MaxNSHosts is how many name servers of a domain get their A and AAAA
	// records looked up.
	MaxNSHosts int `yaml:"max_ns_hosts"`
}

// Defaults.
const (
	DefaultRatePerSecond = 5
	DefaultBurst         = 5
	DefaultTimeout       = 2 * time.Second
	DefaultMaxLookups    = 1000
	DefaultMaxNSHosts    = 8
)

// DefaultConfig returns the defaults. It has no resolvers: the operator
// must name the ones lookups are allowed to go to.
func DefaultConfig() Config {
	return Config{
		RatePerSecond: DefaultRatePerSecond,
		Burst:         DefaultBurst,
		Timeout:       DefaultTimeout,
		MaxLookups:    DefaultMaxLookups,
		MaxNSHosts:    DefaultMaxNSHosts,
	}
}

// withDefaults fills zero values with the defaults.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.RatePerSecond == 0 {
		c.RatePerSecond = d.RatePerSecond
	}
	if c.Burst == 0 {
		c.Burst = d.Burst
	}
	if c.Timeout == 0 {
		c.Timeout = d.Timeout
	}
	if c.MaxLookups == 0 {
		c.MaxLookups = d.MaxLookups
	}
	if c.MaxNSHosts == 0 {
		c.MaxNSHosts = d.MaxNSHosts
	}
	return c
}

// Validate reports every problem of c (after defaults for zero values),
// each prefixed with its YAML path under "resolve.".
func (c Config) Validate() []error {
	c = c.withDefaults()
	var errs []error
	if len(c.Resolvers) == 0 {
		errs = append(errs, errors.New("resolve.resolvers: at least one approved resolver is required"))
	}
	for i, s := range c.Resolvers {
		if _, err := ParseServer(s); err != nil {
			errs = append(errs, fmt.Errorf("resolve.resolvers[%d]: %w", i, err))
		}
	}
	if c.RatePerSecond < 0 {
		errs = append(errs, errors.New("resolve.rate_per_second: must be positive"))
	}
	if c.Burst < 0 {
		errs = append(errs, errors.New("resolve.burst: must be positive"))
	}
	if c.Timeout < 0 {
		errs = append(errs, errors.New("resolve.timeout: must be positive"))
	}
	if c.MaxLookups < 0 {
		errs = append(errs, errors.New("resolve.max_lookups: must be positive"))
	}
	if c.MaxNSHosts < 0 {
		errs = append(errs, errors.New("resolve.max_ns_hosts: must be positive"))
	}
	return errs
}

// ParseServer reads a resolver address: an IP address with an optional
// port (53 when absent), IPv6 in brackets when a port is given. It refuses
// host names, port 0 and unspecified or multicast addresses.
func ParseServer(s string) (netip.AddrPort, error) {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		a, aerr := netip.ParseAddr(s)
		if aerr != nil {
			return netip.AddrPort{}, fmt.Errorf("%q is not an IP address with an optional port", s)
		}
		ap = netip.AddrPortFrom(a, 53)
	}
	a := ap.Addr()
	switch {
	case ap.Port() == 0:
		return netip.AddrPort{}, fmt.Errorf("%q: port 0", s)
	case a.IsUnspecified() || a.IsMulticast():
		return netip.AddrPort{}, fmt.Errorf("%q: not a unicast address", s)
	}
	return netip.AddrPortFrom(a.Unmap(), ap.Port()), nil
}
