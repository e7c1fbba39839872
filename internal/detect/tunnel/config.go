package tunnel

import (
	"fmt"
	"strings"
	"time"
)

// Config is the detectors.tunnel section of dnsvigil.yaml.
type Config struct {
	// Window is the width of the tumbling event-time bins features are
	// aggregated in. Default 5m.
	Window time.Duration `yaml:"window"`
	// SlowWindow is the horizon of the slow-channel check: keys whose names
	// look like carried data but that send fewer than MinQueries queries in
	// a window are accumulated across bins for this long, and scored once
	// they reach MinQueries. 0 turns it off. Default 1h.
	SlowWindow time.Duration `yaml:"slow_window"`
	// MinQueries is how many queries with a subdomain a key needs in one bin
	// before it is scored: a handful of odd names is not a channel.
	// Default 10.
	MinQueries int `yaml:"min_queries"`
	// MediumScore and HighScore are the score thresholds (0..100) for a
	// medium and a high severity alert. Defaults 50 and 70.
	MediumScore float64 `yaml:"medium_score"`
	HighScore   float64 `yaml:"high_score"`
	// EscalateBytes raises the severity one level (medium to high, high to
	// critical) when the estimated unique subdomain bytes of the key in the
	// bin reach it. Default 65536.
	EscalateBytes int64 `yaml:"escalate_bytes"`
	// MaxKeys caps the client/process/domain keys tracked per bin; past it
	// the key with the fewest queries is replaced (counted as an eviction).
	// Default 100000.
	MaxKeys int `yaml:"max_keys"`
	// SampleNames is how many distinct query names an alert quotes.
	// Default 3.
	SampleNames int `yaml:"sample_names"`
	// UseBuiltinBenign applies the built-in list of domains whose hashed or
	// encoded subdomains are benign by design (benign.tsv). Default true.
	UseBuiltinBenign bool `yaml:"use_builtin_benign"`
	// Allow adds domains (a name and everything below it) whose queries are
	// never scored, each with a reason.
	Allow []Allow `yaml:"allow"`
}

// Allow is one allowed domain and why.
type Allow struct {
	// Domain is a canonical name of at least two labels, such as
	// avqs.mcafee.com; it covers itself and every name below it.
	Domain string `yaml:"domain"`
	Reason string `yaml:"reason"`
}

// Limits enforced by Validate.
const (
	maxWindow      = 24 * time.Hour
	maxMinQueries  = 1_000_000
	maxKeysLimit   = 10_000_000
	maxSampleNames = 10
	maxAllow       = 10_000
	maxEscalate    = 1 << 40
	configPath     = "detectors.tunnel"
)

// DefaultConfig returns the documented defaults.
func DefaultConfig() Config {
	return Config{
		Window:           5 * time.Minute,
		SlowWindow:       time.Hour,
		MinQueries:       10,
		MediumScore:      50,
		HighScore:        70,
		EscalateBytes:    65536,
		MaxKeys:          100_000,
		SampleNames:      3,
		UseBuiltinBenign: true,
	}
}

// Validate reports every problem in c, one error each, worded as
// "detectors.tunnel.<key>: <problem>".
func (c Config) Validate() []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s.%s: %s", configPath, key, fmt.Sprintf(format, args...)))
	}
	if c.Window <= 0 || c.Window > maxWindow {
		bad("window", "must be positive and at most %v, got %v", maxWindow, c.Window)
	}
	if c.SlowWindow < 0 || c.SlowWindow != 0 && c.Window > 0 && c.Window <= maxWindow && (c.SlowWindow < c.Window || c.SlowWindow > maxWindow) {
		bad("slow_window", "must be 0 (off) or between window (%v) and %v, got %v", c.Window, maxWindow, c.SlowWindow)
	}
	if c.MinQueries < 1 || c.MinQueries > maxMinQueries {
		bad("min_queries", "must be between 1 and %d, got %d", maxMinQueries, c.MinQueries)
	}
	if c.MediumScore <= 0 || c.MediumScore > 100 {
		bad("medium_score", "must be above 0 and at most 100, got %v", c.MediumScore)
	}
	if c.HighScore < c.MediumScore || c.HighScore > 100 {
		bad("high_score", "must be between medium_score (%v) and 100, got %v", c.MediumScore, c.HighScore)
	}
	if c.EscalateBytes <= 0 || c.EscalateBytes > maxEscalate {
		bad("escalate_bytes", "must be positive and at most %d, got %d", int64(maxEscalate), c.EscalateBytes)
	}
	if c.MaxKeys <= 0 || c.MaxKeys > maxKeysLimit {
		bad("max_keys", "must be between 1 and %d, got %d", maxKeysLimit, c.MaxKeys)
	}
	if c.SampleNames < 0 || c.SampleNames > maxSampleNames {
		bad("sample_names", "must be between 0 and %d, got %d", maxSampleNames, c.SampleNames)
	}
	if len(c.Allow) > maxAllow {
		bad("allow", "must list at most %d domains, got %d", maxAllow, len(c.Allow))
	}
	for i, a := range c.Allow {
		if msg := checkDomain(a.Domain); msg != "" {
			bad(fmt.Sprintf("allow[%d].domain", i), "%s, got %q", msg, a.Domain)
		}
		if strings.TrimSpace(a.Reason) == "" {
			bad(fmt.Sprintf("allow[%d].reason", i), "must say why the domain is allowed")
		}
	}
	return errs
}

// checkDomain returns why s cannot be an allowed domain, or "".
func checkDomain(s string) string {
	switch {
	case s == "" || strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") || strings.Contains(s, ".."):
		return "must be a name such as avqs.mcafee.com without leading or trailing dots"
	case s != strings.ToLower(s) || strings.ContainsAny(s, " *\t"):
		return "must be lowercase without wildcards or spaces (a domain covers every name below it)"
	case !strings.Contains(s, "."):
		return "must have at least two labels"
	}
	return ""
}
