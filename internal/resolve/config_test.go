package resolve

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseServer(t *testing.T) {
	tests := []struct {
		in, want string // want "" means refused
	}{
		{"10.0.0.53", "10.0.0.53:53"},
		{"10.0.0.53:5353", "10.0.0.53:5353"},
		{"2001:db8::53", "[2001:db8::53]:53"},
		{"[2001:db8::53]:53", "[2001:db8::53]:53"},
		{"[::ffff:10.0.0.53]:53", "10.0.0.53:53"},
		{"dns.example.com", ""},
		{"dns.example.com:53", ""},
		{"10.0.0.53:0", ""},
		{"0.0.0.0", ""},
		{"[::]:53", ""},
		{"224.0.0.251:5353", ""},
		{"", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseServer(tc.in)
			if tc.want == "" {
				if err == nil {
					t.Errorf("ParseServer(%q) = %v, want an error", tc.in, got)
				}
				return
			}
			if err != nil || got != netip.MustParseAddrPort(tc.want) {
				t.Errorf("ParseServer(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"defaults with a resolver", Config{Resolvers: []string{"10.0.0.53"}}, nil},
		{"no resolvers", Config{}, []string{"resolve.resolvers: at least one approved resolver is required"}},
		{"bad entries", Config{
			Resolvers:     []string{"10.0.0.53", "resolver.corp", "10.0.0.54:0"},
			RatePerSecond: -1, Burst: -1, Timeout: -1, MaxLookups: -1, MaxNSHosts: -1,
		}, []string{
			`resolve.resolvers[1]: "resolver.corp" is not an IP address with an optional port`,
			`resolve.resolvers[2]: "10.0.0.54:0": port 0`,
			"resolve.rate_per_second: must be positive",
			"resolve.burst: must be positive",
			"resolve.timeout: must be positive",
			"resolve.max_lookups: must be positive",
			"resolve.max_ns_hosts: must be positive",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, err := range tc.cfg.Validate() {
				got = append(got, err.Error())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Validate (-want +got):\n%s", diff)
			}
			r, err := New(tc.cfg, nil)
			if (err == nil) != (tc.want == nil) || (err == nil && r == nil) {
				t.Errorf("New: %v, %v", r, err)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	r, err := New(Config{Resolvers: []string{"192.0.2.53"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	want.Resolvers = []string{"192.0.2.53"}
	if diff := cmp.Diff(want, r.cfg); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"192.0.2.53:53"}, r.servers); diff != "" {
		t.Errorf("servers (-want +got):\n%s", diff)
	}
}
