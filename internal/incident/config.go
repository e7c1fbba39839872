package incident

import (
	_ "embed"
	"fmt"
	"time"
)

// ConfigPath is where Config sits in the dnsvigil configuration file;
// Validate prefixes every problem with it.
const ConfigPath = "incidents"

// Config configures the Correlator. The zero value is not useful; start from
// DefaultConfig. The yaml tags are the keys under incidents.
type Config struct {
	// Window is the longest gap, in event time, between two alerts of one
	// host that still puts them in the same incident. Default: 24h.
	Window time.Duration `yaml:"window"`
	// MaxIncidents caps the incidents held open at once. When full, the
	// incident whose last alert is oldest in event time is closed early and
	// handed to the output (counted as evicted), so it is written, not
	// lost. Default: 100000.
	MaxIncidents int `yaml:"max_incidents"`
	// MaxAlertsPerIncident caps the timeline of one incident: it keeps the
	// earliest alerts by event time and counts the rest as dropped.
	// Default: 500.
	MaxAlertsPerIncident int `yaml:"max_alerts_per_incident"`
	// MaxValues caps each list of distinct values an incident carries
	// (rules, processes, users, servers, domains); values past it are
	// counted, not kept. Default: 50.
	MaxValues int `yaml:"max_values"`
}

// ExampleConfig is the YAML under incidents with every key at its default;
// it decodes to DefaultConfig.
//
//go:embed example.yaml
var ExampleConfig string

// DefaultConfig returns the documented defaults.
func DefaultConfig() Config {
	return Config{
		Window:               24 * time.Hour,
		MaxIncidents:         100_000,
		MaxAlertsPerIncident: 500,
		MaxValues:            50,
	}
}

// Limits that Validate enforces.
const (
	maxMaxIncidents = 10_000_000
	maxMaxAlerts    = 1_000_000
	maxMaxValues    = 10_000
)

// FieldError is one configuration problem at a YAML path
// ("incidents.window").
type FieldError struct {
	Path string
	Msg  string
}

func (e *FieldError) Error() string { return e.Path + ": " + e.Msg }

// Validate returns every problem in c, each a *FieldError naming its YAML
// path; nil when c is valid.
func (c Config) Validate() []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &FieldError{Path: ConfigPath + "." + key, Msg: fmt.Sprintf(format, args...)})
	}
	if c.Window <= 0 {
		bad("window", "must be positive, not %s", c.Window)
	}
	for _, f := range []struct {
		key    string
		v, max int
	}{
		{"max_incidents", c.MaxIncidents, maxMaxIncidents},
		{"max_alerts_per_incident", c.MaxAlertsPerIncident, maxMaxAlerts},
		{"max_values", c.MaxValues, maxMaxValues},
	} {
		if f.v < 1 || f.v > f.max {
			bad(f.key, "must be between 1 and %d, not %d", f.max, f.v)
		}
	}
	return errs
}
