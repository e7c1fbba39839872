package tunnel

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

func TestExampleConfigIsDefault(t *testing.T) {
	c := Config{}
	dec := yaml.NewDecoder(strings.NewReader(ExampleConfig))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(DefaultConfig(), c, cmp.Comparer(func(a, b []Allow) bool { return len(a) == 0 && len(b) == 0 || cmp.Equal(a, b) })); d != "" {
		t.Errorf("example.yaml (-default +decoded):\n%s", d)
	}
	if errs := DefaultConfig().Validate(); len(errs) != 0 {
		t.Errorf("DefaultConfig().Validate() = %v", errs)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want []string
	}{
		{name: "defaults", edit: func(*Config) {}},
		{name: "every problem is reported", edit: func(c *Config) {
			c.Window, c.MinQueries, c.MediumScore, c.HighScore = 48*time.Hour, 0, 60, 40
			c.EscalateBytes, c.MaxKeys, c.SampleNames = 0, 0, 11
		}, want: []string{
			"detectors.tunnel.window: must be positive and at most 24h0m0s, got 48h0m0s",
			"detectors.tunnel.min_queries: must be between 1 and 1000000, got 0",
			"detectors.tunnel.high_score: must be between medium_score (60) and 100, got 40",
			"detectors.tunnel.escalate_bytes: must be positive and at most 1099511627776, got 0",
			"detectors.tunnel.max_keys: must be between 1 and 10000000, got 0",
			"detectors.tunnel.sample_names: must be between 0 and 10, got 11",
		}},
		{name: "slow_window is off or at least one window", edit: func(c *Config) { c.SlowWindow = time.Minute }, want: []string{
			"detectors.tunnel.slow_window: must be 0 (off) or between window (5m0s) and 24h0m0s, got 1m0s",
		}},
		{name: "slow_window off", edit: func(c *Config) { c.SlowWindow = 0 }},
		{name: "allowed domains need a plain name and a reason", edit: func(c *Config) {
			c.Allow = []Allow{
				{Domain: "lookup.av.example", Reason: "vendor reputation"},
				{Domain: "*.av.example", Reason: "x"},
				{Domain: "example"},
				{Domain: "Upper.Example", Reason: "x"},
			}
		}, want: []string{
			`detectors.tunnel.allow[1].domain: must be lowercase without wildcards or spaces (a domain covers every name below it), got "*.av.example"`,
			`detectors.tunnel.allow[2].domain: must have at least two labels, got "example"`,
			"detectors.tunnel.allow[2].reason: must say why the domain is allowed",
			`detectors.tunnel.allow[3].domain: must be lowercase without wildcards or spaces (a domain covers every name below it), got "Upper.Example"`,
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

func TestBenignList(t *testing.T) {
	list, err := ParseBenign(BenignList)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) < 10 {
		t.Fatalf("built-in list has %d entries", len(list))
	}
	set := newAllowSet(list, []Allow{{Domain: "lookup.av.example", Reason: "user entry"}})
	tests := []struct {
		name string
		want string // the matching entry, "" for none
	}{
		{"4.3.2.1.zen.spamhaus.org", "spamhaus.org"},
		{"spamhaus.org", "spamhaus.org"},
		{"notspamhaus.org", ""},
		{"10.1.168.192.in-addr.arpa", "in-addr.arpa"},
		{"0123456789abcdef0123456789abcdef01234567.avqs.mcafee.com", "avqs.mcafee.com"},
		{"www.mcafee.com", ""},
		{"x.lookup.av.example", "lookup.av.example"},
		{`x.lookup\.av.example`, ""},
		{"a.b.c.tunnel.example", ""},
		{"", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, _ := set.match(tc.name)
			if a.Domain != tc.want {
				t.Errorf("match(%q) = %q, want %q", tc.name, a.Domain, tc.want)
			}
		})
	}
	bad := []struct{ name, src string }{
		{"no reason", "example.com\n"},
		{"empty reason", "example.com\t \n"},
		{"single label", "com\tx\n"},
	}
	for _, tc := range bad {
		t.Run("bad "+tc.name, func(t *testing.T) {
			if _, err := ParseBenign(tc.src); err == nil || !strings.Contains(err.Error(), "line 1") {
				t.Errorf("ParseBenign(%q) error = %v, want one naming line 1", tc.src, err)
			}
		})
	}
}

func TestSkipByShape(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"_ldap._tcp.dc._msdcs.corp.example", true},
		{"selector1._domainkey.example.com", true},
		{"wpad.corp.example", true},
		{"isatap.corp.example", true},
		{"wpadx.corp.example", false},
		{"www.example.com", false},
		{"", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := skipByShape(tc.name); got != tc.want {
				t.Errorf("skipByShape(%q) = %v, want %v", tc.name, got, tc.want)
			}
		})
	}
}

func TestAnalyse(t *testing.T) {
	tab := newTables()
	tests := []struct {
		sub  string
		want nameStats
	}{
		{"www", nameStats{labels: 1, maxLabel: 3, chars: 3}},
		{"ab", nameStats{labels: 1, maxLabel: 2, chars: 2, entropy: 1}},
		{"abcd.ab", nameStats{labels: 2, maxLabel: 4, chars: 6, entropy: 1.92}},
		// A 16-character token (64 bits, common in CDN names) is not data;
		// one more character is.
		{"0123456789abcdef", nameStats{labels: 1, maxLabel: 16, chars: 16, digits: 10, entropy: 4}},
		{"0a1b2c3d4e5f6a7b8", nameStats{labels: 1, maxLabel: 17, chars: 17, digits: 9, entropy: 3.85, encoded: true}},
		// Digits and letters in two blocks, or words and a number, are not
		// encoded data.
		{"0123456789abcdef0", nameStats{labels: 1, maxLabel: 17, chars: 17, digits: 11, entropy: 3.97}},
		{"host-1234-cachenode", nameStats{labels: 1, maxLabel: 19, chars: 19, digits: 4, entropy: 3.72}},
		{"internal-app-123456789", nameStats{labels: 1, maxLabel: 22, chars: 22, digits: 9, entropy: 4.1}},
		// One hyphen in a long base64url label is data.
		{"q9z-x8yp7w2v6u5t4s3r", nameStats{labels: 1, maxLabel: 20, chars: 20, digits: 8, entropy: 4.32, encoded: true}},
		{"abcdefghijklmnop", nameStats{labels: 1, maxLabel: 16, chars: 16, entropy: 4}},
		{`a\.b`, nameStats{labels: 1, maxLabel: 4, chars: 4, entropy: 2}},
	}
	for _, tc := range tests {
		t.Run(tc.sub, func(t *testing.T) {
			got := tab.analyse(tc.sub)
			got.entropy = round2(got.entropy)
			if d := cmp.Diff(tc.want, got, cmp.AllowUnexported(nameStats{})); d != "" {
				t.Errorf("analyse(%q) (-want +got):\n%s", tc.sub, d)
			}
		})
	}
}
