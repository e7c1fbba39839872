package delegation

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.yaml.in/yaml/v3"
)

// TestExampleConfig keeps example.yaml, printed by `dnsvigil config
// default`, equal to DefaultConfig.
func TestExampleConfig(t *testing.T) {
	var c Config
	dec := yaml.NewDecoder(strings.NewReader(ExampleConfig))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(DefaultConfig(), c, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("example.yaml differs from DefaultConfig (-default +example):\n%s", d)
	}
}

func TestValidate(t *testing.T) {
	c := DefaultConfig()
	c.Watched = []Watched{{Zone: "Example.com"}, {Zone: "a.example", ExpectedNS: []string{"ns1..x"}}, {Zone: "a.example"}}
	c.MaxVariants, c.Severity.SOA = 0, "loud"
	var got []string
	for _, err := range c.Validate() {
		got = append(got, err.Error())
	}
	want := []string{
		`detectors.delegation.watched[0].zone: must be lowercase, without wildcards or spaces, got "Example.com"`,
		`detectors.delegation.watched[1].expected_ns[0]: must be a name such as example.com, without leading or trailing dots, got "ns1..x"`,
		`detectors.delegation.watched[2].zone: "a.example" is listed twice`,
		"detectors.delegation.max_variants: must be between 1 and 1000, got 0",
		`detectors.delegation.severity.soa: must be info, low, medium, high or critical, got "loud"`,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("problems (-want +got):\n%s", d)
	}
}
