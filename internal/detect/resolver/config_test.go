package resolver

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.yaml.in/yaml/v3"
)

// decodeStrict decodes YAML into cfg, rejecting unknown keys as the
// configuration loader does.
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

// TestExampleCommentsAreValid checks that every commented list item of
// example.yaml appears, active, in testdata/false_positives.yaml, and that
// this file validates: the examples users uncomment are valid config.
func TestExampleCommentsAreValid(t *testing.T) {
	active, err := os.ReadFile("testdata/false_positives.yaml")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for line := range strings.SplitSeq(ExampleConfig, "\n") {
		item, ok := strings.CutPrefix(strings.TrimSpace(line), "# - ")
		if !ok {
			continue
		}
		n++
		if !bytes.Contains(active, []byte("  - "+item+"\n")) {
			t.Errorf("example %q is not in testdata/false_positives.yaml", item)
		}
	}
	if n < 10 {
		t.Errorf("found only %d commented examples", n)
	}
	cfg := DefaultConfig()
	decodeStrict(t, active, &cfg)
	if errs := cfg.Validate(); errs != nil {
		t.Errorf("false_positives.yaml does not validate: %v", errs)
	}
	if got := cfg.Exclusions[0].Expires; got != "2026-12-31" {
		t.Errorf("unquoted YAML date decoded as %q, want 2026-12-31", got)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Config)
		want   []string
	}{
		{"default is valid", func(*Config) {}, nil},
		{
			"bad approved entries",
			func(c *Config) {
				c.Approved = []Approved{{CIDR: "10.0.0.1"}, {CIDR: "10.0.0.2"}, {CIDR: "10.0.0.0/33"}, {CIDR: "10.0.0.1/8"}}
			},
			[]string{
				`detectors.resolver.approved[2].cidr: invalid CIDR "10.0.0.0/33"`,
				`detectors.resolver.approved[3].cidr: invalid CIDR "10.0.0.1/8": address bits set beyond the /8 mask (network is 10.0.0.0/8)`,
			},
		},
		{
			"policy and severities",
			func(c *Config) {
				c.Catalogue.Policy = "ignore"
				c.Severity.Unknown = "urgent"
			},
			[]string{
				`detectors.resolver.catalogue.policy: must be "alert" or "allow", not "ignore"`,
				`detectors.resolver.severity.unknown: unknown severity "urgent" (want info, low, medium, high or critical)`,
			},
		},
		{
			"exclusions",
			func(c *Config) {
				c.Exclusions = []Exclusion{
					{ServerCIDR: "8.8.8.8", Reason: "ok"},
					{Reason: "nothing to match"},
					{ClientCIDR: "10.0.0.0/40", Process: "x.exe"},
					{Process: "scanner", Reason: "r", Expires: "next week"},
				}
			},
			[]string{
				"detectors.resolver.exclusions[1]: needs at least one of cidr, client_cidr, server_cidr, process, user",
				`detectors.resolver.exclusions[2].client_cidr: invalid CIDR "10.0.0.0/40"`,
				"detectors.resolver.exclusions[2].reason: is required: say why this traffic is acceptable",
				`detectors.resolver.exclusions[3].expires: invalid date "next week" (want RFC 3339, such as 2026-12-31 or 2026-12-31T18:00:00Z)`,
			},
		},
		{
			"limits",
			func(c *Config) {
				c.MaxPairs = 0
				c.Samples = -1
				c.FirstReport = -time.Second
				c.ReportInterval = 0
				c.Ports.DoT = []uint16{853, 0}
			},
			[]string{
				"detectors.resolver.ports.dot[1]: port 0 is not a port",
				"detectors.resolver.max_pairs: must be between 1 and 10000000, not 0",
				"detectors.resolver.samples: must be between 0 and 100, not -1",
				"detectors.resolver.first_report: must not be negative, not -1s",
				"detectors.resolver.report_interval: must be positive, not 0s",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tt.modify(&cfg)
			var got []string
			for _, err := range cfg.Validate() {
				got = append(got, err.Error())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Validate mismatch (-want +got):\n%s", diff)
			}
			_, err := New(cfg, Deps{Catalogue: testCatalogue(t)})
			if (err != nil) != (len(tt.want) > 0) {
				t.Errorf("New error = %v, want error %v", err, len(tt.want) > 0)
			}
		})
	}
}

func TestParseExpiry(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2026-12-31", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"2026-12-31T18:00:00Z", time.Date(2026, 12, 31, 18, 0, 0, 0, time.UTC)},
		{"2026-12-31T18:00:00+02:00", time.Date(2026, 12, 31, 16, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseExpiry(tt.in)
			if err != nil || !got.Equal(tt.want) {
				t.Errorf("parseExpiry(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}
