package components

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/dnsvigil/dnsvigil/internal/detect/volume"
	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// The documented default configuration decodes strictly to DefaultConfig, so
// `dnsvigil config default` never drifts from the code.
func TestDefaultYAMLMatchesDefaultConfig(t *testing.T) {
	got, err := ParseConfig("default.yaml", DefaultYAML())
	if err != nil {
		t.Fatalf("default YAML does not load: %v\n%s", err, DefaultYAML())
	}
	if d := cmp.Diff(DefaultConfig(), got, cmpopts.EquateEmpty(), cmpopts.IgnoreUnexported(volume.ClientExclusion{})); d != "" {
		t.Errorf("default YAML differs from DefaultConfig (-code +yaml):\n%s", d)
	}
	if err := errorsOf(DefaultConfig().Validate()); err != "" {
		t.Errorf("DefaultConfig does not validate: %s", err)
	}
}

func errorsOf(errs []error) string {
	var s []string
	for _, e := range errs {
		s = append(s, e.Error())
	}
	return strings.Join(s, "; ")
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"unknown key", "input:\n  dns_port: [53]\n", []string{"cfg.yaml:2:", "dns_port"}},
		{"bad cidr in resolver", "detectors:\n  resolver:\n    approved:\n      - {cidr: 10.0.0.0/33}\n", []string{"cfg.yaml:4:", "detectors.resolver.approved[0].cidr"}},
		{"volume threshold", "detectors:\n  volume:\n    threshold: 0\n", []string{"cfg.yaml:3:", "detectors.volume.threshold"}},
		{"input port zero", "input:\n  dns_ports: [0]\n", []string{"cfg.yaml:2:", "input.dns_ports[0]"}},
		{"several problems at once", "input:\n  pair_timeout: -1s\ndetectors:\n  volume:\n    threshold: 0\n", []string{"cfg.yaml:2: input.pair_timeout", "cfg.yaml:5: detectors.volume.threshold"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig("cfg.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestApprove(t *testing.T) {
	cfg := DefaultConfig()
	if err := cfg.Approve([]string{"10.0.0.53", "2001:db8:53::/48"}); err != nil {
		t.Fatal(err)
	}
	if n := len(cfg.Detectors.Resolver.Approved); n != 2 {
		t.Fatalf("%d approved, want 2", n)
	}
	if err := cfg.Approve([]string{"10.0.0.1/33"}); err == nil {
		t.Error("bad CIDR accepted")
	}
}

// The example in docs/configuration.md stays valid.
func TestDocsExampleConfig(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), "docs", "configuration.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := 0
	for _, part := range strings.Split(string(data), "```yaml\n")[1:] {
		block, _, _ := strings.Cut(part, "```")
		blocks++
		if _, err := ParseConfig("docs/configuration.md", []byte(block)); err != nil {
			t.Errorf("example %d: %v", blocks, err)
		}
	}
	if blocks == 0 {
		t.Fatal("no yaml example found")
	}
}
