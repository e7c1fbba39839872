package volume

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

func TestDefaultConfigValid(t *testing.T) {
	if errs := DefaultConfig().Validate(); len(errs) != 0 {
		t.Fatalf("DefaultConfig().Validate() = %v", errs)
	}
	want := Config{
		Window: 5 * time.Minute, Threshold: 200, PerProcess: true, MaxKeys: 200000,
		TopDomains: 5, SampleNames: 3, CountResponseOnly: true,
	}
	if d := cmp.Diff(want, DefaultConfig()); d != "" {
		t.Errorf("defaults (-want +got):\n%s", d)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want []string
	}{
		{name: "defaults", edit: func(*Config) {}},
		{name: "zero threshold", edit: func(c *Config) { c.Threshold = 0 },
			want: []string{"detectors.volume.threshold: must be positive and at most 1000000000000, got 0"}},
		{name: "window out of range", edit: func(c *Config) { c.Window = 48 * time.Hour },
			want: []string{"detectors.volume.window: must be positive and at most 24h0m0s, got 48h0m0s"}},
		{name: "every problem is reported", edit: func(c *Config) {
			c.Window, c.MaxKeys, c.TopDomains, c.SampleNames = 0, 0, -1, 21
		}, want: []string{
			"detectors.volume.window: must be positive and at most 24h0m0s, got 0s",
			"detectors.volume.max_keys: must be between 1 and 10000000, got 0",
			"detectors.volume.top_domains: must be between 0 and 50, got -1",
			"detectors.volume.sample_names: must be between 0 and 20, got 21",
		}},
		{name: "exclusions need a network or name and a reason", edit: func(c *Config) {
			c.ExcludeClients = []ClientExclusion{{CIDR: netip.MustParsePrefix("10.0.0.53/32"), Reason: "resolver"}, {}}
			c.ExcludeProcesses = []ProcessExclusion{{Name: `C:\Windows\dns.exe`, Reason: "x"}, {Name: "unbound"}}
		}, want: []string{
			"detectors.volume.exclude_clients[1].cidr: must be a network such as 10.0.0.53/32",
			"detectors.volume.exclude_clients[1].reason: must say why the network is excluded",
			`detectors.volume.exclude_processes[0].name: must be an image file name without a directory, got "C:\\Windows\\dns.exe"`,
			"detectors.volume.exclude_processes[1].reason: must say why the process is excluded",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.edit(&c)
			var got []string
			for _, err := range c.Validate() {
				got = append(got, err.Error())
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("problems (-want +got):\n%s", d)
			}
			if _, err := New(c); (err != nil) != (len(tc.want) > 0) {
				t.Errorf("New error = %v, want one only for an invalid config", err)
			}
		})
	}
}

// TestConfigYAML decodes the section as the configuration loader does
// (strict, over the defaults).
func TestConfigYAML(t *testing.T) {
	src := `
window: 10m
threshold: 500
per_process: false
max_keys: 50000
exclude_clients:
  - cidr: 10.0.0.53/32
    reason: corporate resolver
  - cidr: 2001:db8:53::/48
    reason: mail relays
exclude_processes:
  - name: dns.exe
    reason: Windows DNS Server
`
	c := DefaultConfig()
	dec := yaml.NewDecoder(strings.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	want.Window, want.Threshold, want.PerProcess, want.MaxKeys = 10*time.Minute, 500, false, 50000
	want.ExcludeClients = []ClientExclusion{
		{CIDR: netip.MustParsePrefix("10.0.0.53/32"), Reason: "corporate resolver"},
		{CIDR: netip.MustParsePrefix("2001:db8:53::/48"), Reason: "mail relays"},
	}
	want.ExcludeProcesses = []ProcessExclusion{{Name: "dns.exe", Reason: "Windows DNS Server"}}
	if d := cmp.Diff(want, c, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); d != "" {
		t.Errorf("decoded (-want +got):\n%s", d)
	}
	if errs := c.Validate(); len(errs) != 0 {
		t.Errorf("Validate = %v", errs)
	}
	bad := yaml.NewDecoder(strings.NewReader("exclude_clients:\n  - cidr: 10.0.0.0/33\n    reason: x\n"))
	if err := bad.Decode(&c); err == nil {
		t.Error("an invalid CIDR decoded without error")
	}
}

func TestBaseName(t *testing.T) {
	tests := []struct{ in, want string }{
		{`C:\Windows\System32\svchost.exe`, "svchost.exe"},
		{"/usr/sbin/unbound", "unbound"},
		{"chrome.exe", "chrome.exe"},
		{`\\?\C:\mixed/path\x.exe`, "x.exe"},
		{"/trailing/", ""},
		{"", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := baseName(tc.in); got != tc.want {
				t.Errorf("baseName(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
