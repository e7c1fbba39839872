package configchange

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.yaml.in/yaml/v3"
)

func decodeStrict(t *testing.T, src []byte, cfg *Config) {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil {
		t.Fatalf("decode: %v", err)
	}
}

func TestExampleConfigIsTheDefault(t *testing.T) {
	var cfg Config
	decodeStrict(t, []byte(ExampleConfig), &cfg)
	if diff := cmp.Diff(DefaultConfig(), cfg, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("example.yaml does not decode to DefaultConfig (-default +example):\n%s", diff)
	}
	if errs := cfg.Validate(); errs != nil {
		t.Errorf("example.yaml does not validate: %v", errs)
	}
}

// TestExampleCommentsAreValid uncomments every list item of example.yaml and
// checks that the result decodes strictly and validates.
func TestExampleCommentsAreValid(t *testing.T) {
	var approved, exclusions []string
	section := ""
	for _, line := range bytes.Split([]byte(ExampleConfig), []byte("\n")) {
		s := string(bytes.TrimSpace(line))
		switch {
		case bytes.HasPrefix(line, []byte("approved:")):
			section = "approved"
		case bytes.HasPrefix(line, []byte("exclusions:")):
			section = "exclusions"
		case len(line) > 0 && line[0] != ' ' && line[0] != '#':
			section = ""
		}
		item, ok := bytes.CutPrefix([]byte(s), []byte("# - "))
		if !ok {
			continue
		}
		switch section {
		case "approved":
			approved = append(approved, "  - "+string(item))
		case "exclusions":
			exclusions = append(exclusions, "  - "+string(item))
		}
	}
	if len(approved) < 2 || len(exclusions) < 4 {
		t.Fatalf("found %d approved and %d exclusion examples", len(approved), len(exclusions))
	}
	src := "approved:\n" + join(approved) + "exclusions:\n" + join(exclusions)
	cfg := DefaultConfig()
	decodeStrict(t, []byte(src), &cfg)
	if errs := cfg.Validate(); errs != nil {
		t.Errorf("uncommented examples do not validate: %v", errs)
	}
	if got := cfg.Exclusions[0].Expires; got != "2026-12-31" {
		t.Errorf("unquoted YAML date decoded as %q, want 2026-12-31", got)
	}
}

func join(lines []string) string {
	var b bytes.Buffer
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	return b.String()
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Config)
		want   []string
	}{
		{"default is valid", func(*Config) {}, nil},
		{"bad approved", func(c *Config) { c.Approved = []Approved{{CIDR: "10.0.0.1"}, {CIDR: "10.0.0.1/8"}} },
			[]string{`detectors.configchange.approved[1].cidr: `}},
		{"bad policy and severity", func(c *Config) { c.Catalogue.Policy = "ignore"; c.Severity.Reset = "loud" },
			[]string{`detectors.configchange.catalogue.policy: `, `detectors.configchange.severity.reset: `}},
		{"bad exclusions", func(c *Config) {
			c.Exclusions = []Exclusion{{Reason: "x"}, {Process: "a.exe"}, {Server: "1.2.3.4/40", Reason: "x", Expires: "soon"}}
		}, []string{
			`detectors.configchange.exclusions[0]: `,
			`detectors.configchange.exclusions[1].reason: `,
			`detectors.configchange.exclusions[2].server: `,
			`detectors.configchange.exclusions[2].expires: `,
		}},
		{"bad correlation", func(c *Config) {
			c.Correlation = CorrelationConfig{Window: -time.Hour, MaxTracked: 0, DNSPorts: []uint16{53, 0}}
		}, []string{
			`detectors.configchange.correlation.window: `,
			`detectors.configchange.correlation.max_tracked: `,
			`detectors.configchange.correlation.dns_ports[1]: `,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tc.modify(&cfg)
			var got []string
			for _, err := range cfg.Validate() {
				fe := err.(*FieldError)
				got = append(got, fe.Path+": ")
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("paths (-want +got):\n%s", diff)
			}
			if _, err := New(cfg, Deps{Catalogue: testCatalogue(t)}); (err != nil) != (tc.want != nil) {
				t.Errorf("New error = %v, want error %v", err, tc.want != nil)
			}
		})
	}
}
