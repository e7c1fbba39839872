package incident

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

func TestExampleConfigIsTheDefault(t *testing.T) {
	var cfg Config
	dec := yaml.NewDecoder(bytes.NewReader([]byte(ExampleConfig)))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		t.Fatalf("decode example.yaml: %v", err)
	}
	if diff := cmp.Diff(DefaultConfig(), cfg); diff != "" {
		t.Errorf("example.yaml does not decode to DefaultConfig (-default +example):\n%s", diff)
	}
	if errs := cfg.Validate(); errs != nil {
		t.Errorf("example.yaml does not validate: %v", errs)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Config)
		want   []string
	}{
		{"default is valid", func(*Config) {}, nil},
		{"zero window", func(c *Config) { c.Window = 0 }, []string{"incidents.window: must be positive, not 0s"}},
		{"negative window", func(c *Config) { c.Window = -time.Hour }, []string{"incidents.window: must be positive, not -1h0m0s"}},
		{
			"every cap out of range",
			func(c *Config) { c.MaxIncidents = 0; c.MaxAlertsPerIncident = -1; c.MaxValues = maxMaxValues + 1 },
			[]string{
				"incidents.max_incidents: must be between 1 and 10000000, not 0",
				"incidents.max_alerts_per_incident: must be between 1 and 1000000, not -1",
				"incidents.max_values: must be between 1 and 10000, not 10001",
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
				t.Errorf("Validate (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Window = 0
	if _, err := New(cfg, Deps{}); err == nil {
		t.Fatal("New accepted a zero window")
	}
}
