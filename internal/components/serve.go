package components

import (
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/config"
	"github.com/dnsvigil/dnsvigil/internal/input/capture"
	"github.com/dnsvigil/dnsvigil/internal/input/dnstap"
	"github.com/dnsvigil/dnsvigil/internal/input/follow"
	"github.com/dnsvigil/dnsvigil/internal/sink/rotate"
	"github.com/dnsvigil/dnsvigil/internal/sink/syslog"
	"github.com/dnsvigil/dnsvigil/internal/sink/webhook"
)

// ServeConfig is the `serve` section: what `dnsvigil serve` listens to,
// where its alerts go and how it keeps its place.
type ServeConfig struct {
	// Sources are the live inputs; at least one is needed.
	Sources []SourceConfig `yaml:"sources"`
	// Outputs receive every alert; none means JSON lines on standard
	// output.
	Outputs []OutputConfig `yaml:"outputs"`
	// Listen is the address of the HTTP endpoints /metrics and /healthz
	// ("" turns them off).
	Listen string `yaml:"listen"`
	// Checkpoint is the file where source positions and delivered alerts
	// are kept ("" keeps none: a restart starts afresh).
	Checkpoint string `yaml:"checkpoint"`
	// CheckpointInterval is how often the checkpoint is written.
	CheckpointInterval time.Duration `yaml:"checkpoint_interval"`
	// Ledger is how many delivered alert reports the checkpoint remembers,
	// so that a replay after a restart does not deliver them again.
	Ledger int `yaml:"ledger"`
	// Queue is the alerts waiting per output; past it alerts to that output
	// are dropped, counted and reported as an alert of their own.
	Queue int `yaml:"queue"`
	// IdleAdvance is how long without events before the detectors' clock
	// moves on with the wall clock (0 never).
	IdleAdvance time.Duration `yaml:"idle_advance"`
	// DrainTimeout bounds the wait for outputs to deliver their queues at
	// a stop.
	DrainTimeout time.Duration `yaml:"drain_timeout"`
	// LogFormat is text or json; LogLevel debug, info, warn or error.
	LogFormat string `yaml:"log_format"`
	LogLevel  string `yaml:"log_level"`
}

// SourceConfig is one live input: a name and exactly one of the type
// sections (dnstap, follow, capture, file). A type section starts from that
// type's defaults.
type SourceConfig struct {
	// Name identifies the source in metrics, logs and the checkpoint; it
	// defaults to the type and must be unique.
	Name    string          `yaml:"name"`
	Dnstap  *dnstap.Config  `yaml:"dnstap"`
	Follow  *FollowSource   `yaml:"follow"`
	Capture *capture.Config `yaml:"capture"`
	File    *FileSource     `yaml:"file"`
}

// FollowSource is a log file followed across rotations, decoded as Format
// (a text format's name such as dnsmasq, bind-querylog, unbound-log, eve,
// zeek, windns-debug).
type FollowSource struct {
	Format        string `yaml:"format"`
	follow.Config `yaml:",inline"`
}

// FileSource lists files read once, in order; then the source ends.
type FileSource struct {
	Paths []string `yaml:"paths"`
}

// OutputConfig is one alert output: a name, the queue in front of it, and
// exactly one of the type sections (jsonl, stdout, syslog, webhook).
type OutputConfig struct {
	// Name identifies the output in metrics and drop alerts; it defaults
	// to the type.
	Name string `yaml:"name"`
	// Queue overrides serve.queue for this output.
	Queue   int             `yaml:"queue"`
	JSONL   *JSONLOutput    `yaml:"jsonl"`
	Stdout  *struct{}       `yaml:"stdout"`
	Syslog  *syslog.Config  `yaml:"syslog"`
	Webhook *webhook.Config `yaml:"webhook"`
}

// JSONLOutput is a JSON lines file rotated by size.
type JSONLOutput struct {
	Path          string `yaml:"path"`
	rotate.Config `yaml:",inline"`
}

// DefaultServeConfig returns the serve section's defaults.
func DefaultServeConfig() ServeConfig {
	return ServeConfig{
		Listen:             "127.0.0.1:9153",
		CheckpointInterval: time.Second,
		Ledger:             100_000,
		Queue:              10_000,
		IdleAdvance:        2 * time.Second,
		DrainTimeout:       10 * time.Second,
		LogFormat:          "text",
		LogLevel:           "info",
	}
}

// Type returns the source's type: the name of its one type section, or ""
// when it has none or several.
func (s SourceConfig) Type() string {
	var t []string
	if s.Dnstap != nil {
		t = append(t, "dnstap")
	}
	if s.Follow != nil {
		t = append(t, "follow")
	}
	if s.Capture != nil {
		t = append(t, "capture")
	}
	if s.File != nil {
		t = append(t, "file")
	}
	if len(t) != 1 {
		return ""
	}
	return t[0]
}

// SourceName returns the source's name: Name, or its type.
func (s SourceConfig) SourceName() string {
	if s.Name != "" {
		return s.Name
	}
	return s.Type()
}

// Type returns the output's type, or "" when it has no or several type
// sections.
func (o OutputConfig) Type() string {
	var t []string
	if o.JSONL != nil {
		t = append(t, "jsonl")
	}
	if o.Stdout != nil {
		t = append(t, "stdout")
	}
	if o.Syslog != nil {
		t = append(t, "syslog")
	}
	if o.Webhook != nil {
		t = append(t, "webhook")
	}
	if len(t) != 1 {
		return ""
	}
	return t[0]
}

// OutputName returns the output's name: Name, or its type.
func (o OutputConfig) OutputName() string {
	if o.Name != "" {
		return o.Name
	}
	return o.Type()
}

// Validate reports every problem of the serve section. Sources are
// required only by serve itself (RequireSources).
func (c ServeConfig) Validate() []error {
	var errs []error
	add := func(path, format string, args ...any) {
		errs = append(errs, config.Problemf(path, format, args...))
	}
	if c.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Listen); err != nil {
			add("serve.listen", "want host:port: %v", err)
		}
	}
	checks := []struct {
		path string
		ok   bool
	}{
		{"serve.checkpoint_interval", c.CheckpointInterval > 0},
		{"serve.ledger", c.Ledger > 0},
		{"serve.queue", c.Queue > 0},
		{"serve.idle_advance", c.IdleAdvance >= 0},
		{"serve.drain_timeout", c.DrainTimeout > 0},
	}
	for _, ch := range checks {
		if !ch.ok {
			add(ch.path, "must be positive (idle_advance may be 0)")
		}
	}
	if !slices.Contains([]string{"text", "json"}, c.LogFormat) {
		add("serve.log_format", "want text or json, got %q", c.LogFormat)
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.LogLevel) {
		add("serve.log_level", "want debug, info, warn or error, got %q", c.LogLevel)
	}
	names := map[string]bool{}
	for i, s := range c.Sources {
		path := fmt.Sprintf("serve.sources[%d]", i)
		if names[s.SourceName()] {
			add(path+".name", "%q names two sources", s.SourceName())
		}
		names[s.SourceName()] = true
		errs = append(errs, s.validate(path)...)
	}
	outs := map[string]bool{}
	for i, o := range c.Outputs {
		path := fmt.Sprintf("serve.outputs[%d]", i)
		if outs[o.OutputName()] {
			add(path+".name", "%q names two outputs", o.OutputName())
		}
		outs[o.OutputName()] = true
		errs = append(errs, o.validate(path)...)
	}
	return errs
}

func (s SourceConfig) validate(path string) []error {
	switch s.Type() {
	case "dnstap":
		return prefixed(path+".dnstap", s.Dnstap.Validate())
	case "follow":
		var errs []error
		for _, err := range s.Follow.Validate() {
			// follow reports "key: message"; locate it under this source.
			key, msg, _ := strings.Cut(err.Error(), ": ")
			errs = append(errs, config.Problemf(path+".follow."+key, "%s", msg))
		}
		if s.Follow.Format == "" {
			errs = append(errs, config.Problemf(path+".follow.format", "a follow source needs the log's format"))
		} else if _, ok := TextFormat(s.Follow.Format); !ok {
			errs = append(errs, config.Problemf(path+".follow.format", "%q is not a format that can be followed (one of %v)", s.Follow.Format, TextFormatNames()))
		}
		return errs
	case "capture":
		return s.Capture.Validate(path + ".capture")
	case "file":
		if len(s.File.Paths) == 0 {
			return []error{config.Problemf(path+".file.paths", "a file source needs at least one path")}
		}
		return nil
	}
	return []error{config.Problemf(path, "needs exactly one of dnstap, follow, capture or file")}
}

func (o OutputConfig) validate(path string) []error {
	var errs []error
	if o.Queue < 0 {
		errs = append(errs, config.Problemf(path+".queue", "must not be negative"))
	}
	switch o.Type() {
	case "jsonl":
		if o.JSONL.Path == "" {
			errs = append(errs, config.Problemf(path+".jsonl.path", "a jsonl output needs a file path"))
		}
		return append(errs, prefixed(path+".jsonl", o.JSONL.Config.Validate())...)
	case "stdout":
		return errs
	case "syslog":
		return append(errs, prefixed(path+".syslog", o.Syslog.Validate())...)
	case "webhook":
		return append(errs, prefixed(path+".webhook", o.Webhook.Validate())...)
	}
	return append(errs, config.Problemf(path, "needs exactly one of jsonl, stdout, syslog or webhook"))
}

// fillServeDefaults decodes each source's and output's type section again
// over that type's defaults, so keys left out keep their defaults as
// everywhere else in the file.
func fillServeDefaults(doc *config.Doc, c *ServeConfig) error {
	for i := range c.Sources {
		s := &c.Sources[i]
		at := fmt.Sprintf("serve.sources[%d].", i)
		if s.Dnstap != nil {
			d := dnstap.DefaultConfig()
			if err := decodeOver(doc, at+"dnstap", &d, &s.Dnstap); err != nil {
				return err
			}
		}
		if s.Follow != nil {
			d := FollowSource{Config: follow.DefaultConfig()}
			if err := decodeOver(doc, at+"follow", &d, &s.Follow); err != nil {
				return err
			}
		}
		if s.Capture != nil {
			d := capture.DefaultConfig()
			if err := decodeOver(doc, at+"capture", &d, &s.Capture); err != nil {
				return err
			}
		}
	}
	for i := range c.Outputs {
		o := &c.Outputs[i]
		at := fmt.Sprintf("serve.outputs[%d].", i)
		if o.JSONL != nil {
			d := JSONLOutput{Config: rotate.DefaultConfig()}
			if err := decodeOver(doc, at+"jsonl", &d, &o.JSONL); err != nil {
				return err
			}
		}
		if o.Syslog != nil {
			d := syslog.DefaultConfig()
			if err := decodeOver(doc, at+"syslog", &d, &o.Syslog); err != nil {
				return err
			}
		}
		if o.Webhook != nil {
			d := webhook.DefaultConfig()
			if err := decodeOver(doc, at+"webhook", &d, &o.Webhook); err != nil {
				return err
			}
		}
	}
	return nil
}

// decodeOver decodes the section at path over def and points *dst at it.
func decodeOver[T any](doc *config.Doc, path string, def *T, dst **T) error {
	ok, err := doc.DecodeAt(path, def)
	if err != nil {
		return err
	}
	if ok {
		*dst = def
	}
	return nil
}
