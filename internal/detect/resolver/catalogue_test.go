package resolver

import (
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// loadTestCatalogue parses the embedded catalogue once for all tests.
var loadTestCatalogue = sync.OnceValues(LoadCatalogue)

func testCatalogue(t testing.TB) *Catalogue {
	t.Helper()
	c, err := loadTestCatalogue()
	if err != nil {
		t.Fatalf("load catalogue: %v", err)
	}
	return c
}

func TestEmbeddedCatalogue(t *testing.T) {
	c := testCatalogue(t)
	if c.Len() < 60000 {
		t.Errorf("catalogue has %d entries, want the merged lists (> 60000)", c.Len())
	}
	type view struct {
		Provider string
		Kinds    []string
		Tier     string
		Sources  []string
	}
	tests := []struct {
		addr string
		want *view
	}{
		{"8.8.8.8", &view{"Google Public DNS", []string{"resolver", "doh", "dot"}, "known", []string{"seed", "curated", "pingproxies", "misp"}}},
		{"::ffff:8.8.4.4", &view{"Google Public DNS", []string{"resolver", "doh", "dot"}, "known", []string{"seed", "curated", "pingproxies", "misp"}}},
		{"2606:4700:4700::1111", &view{"Cloudflare 1.1.1.1", []string{"resolver", "doh", "dot"}, "known", []string{"curated", "misp"}}},
		{"64.6.64.6", &view{"Verisign Public DNS (now Vercara)", []string{"resolver"}, "known", []string{"seed", "pingproxies", "misp"}}},
		{"104.16.248.249", &view{"Cloudflare DoH (cloudflare-dns.com)", []string{"doh"}, "known", []string{"curated"}}},
		{"1.0.71.203", &view{"", []string{"resolver"}, "open", []string{"misp"}}},
		{"10.0.0.1", nil},
		{"203.0.113.53", nil},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			e, ok := c.Lookup(netip.MustParseAddr(tt.addr))
			var got *view
			if ok {
				got = &view{e.Provider, e.Kinds.Names(), e.Tier.String(), e.Sources}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Lookup(%s) mismatch (-want +got):\n%s", tt.addr, diff)
			}
		})
	}
	seed := []string{"8.8.8.8", "8.8.4.4", "1.1.1.1", "1.0.0.1", "9.9.9.9", "149.112.112.112",
		"208.67.222.222", "208.67.220.220", "64.6.64.6", "64.6.65.6", "185.228.168.9", "185.228.169.9"}
	for _, s := range seed {
		if e, ok := c.Lookup(netip.MustParseAddr(s)); !ok || e.Tier != TierKnown {
			t.Errorf("seed resolver %s is not a known catalogue entry", s)
		}
	}
	head := strings.Join(c.Header, "\n")
	for _, want := range []string{"MIT License", "CC0-1.0", "GPL-3.0", "no licence stated"} {
		if !strings.Contains(head, want) {
			t.Errorf("catalogue header does not mention %q", want)
		}
	}
}

func TestParseCatalogue(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantLen int
		wantErr string
	}{
		{"ok", "# head\n192.0.2.1\tLab\tresolver,doh\tknown\tcurated\n2001:db8::/32\t\tresolver\topen\tmisp\n", 2, ""},
		{"columns", "192.0.2.1\tLab\tresolver\n", 0, "x.tsv:1: want 5 tab-separated columns, got 3"},
		{"address", "# c\n192.0.2.300\tLab\tresolver\tknown\tseed\n", 0, `x.tsv:2: invalid IP address "192.0.2.300"`},
		{"kind", "192.0.2.1\tLab\tresolver,smtp\tknown\tseed\n", 0, `x.tsv:1: unknown kind "smtp"`},
		{"tier", "192.0.2.1\tLab\tresolver\tgood\tseed\n", 0, `x.tsv:1: unknown tier "good"`},
		{"source", "192.0.2.1\tLab\tresolver\tknown\t\n", 0, "x.tsv:1: entry 192.0.2.1 has no source"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseCatalogue(strings.NewReader(tt.in), "x.tsv")
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if gotErr != tt.wantErr {
				t.Fatalf("error = %q, want %q", gotErr, tt.wantErr)
			}
			if err == nil && c.Len() != tt.wantLen {
				t.Errorf("Len = %d, want %d", c.Len(), tt.wantLen)
			}
		})
	}
}

func BenchmarkLoadCatalogue(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LoadCatalogue(); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzParseCatalogue feeds arbitrary text to the parser used for
// user-supplied catalogues: it must return an entry set or an error, never
// panic, and every entry it accepts must be looked up again.
func FuzzParseCatalogue(f *testing.F) {
	f.Add("# head\n192.0.2.1\tLab\tresolver,doh\tknown\tcurated\n2001:db8::/32\t\tresolver\topen\tmisp\n")
	f.Add("192.0.2.1\tLab\tresolver\n")
	f.Add("10.0.0.1/8\tx\tdot\topen\ts\n")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCatalogue(strings.NewReader(s), "fuzz")
		if err != nil {
			return
		}
		for e := range c.All() {
			if got, ok := c.Lookup(e.Prefix.Addr()); !ok || got.Prefix.Bits() < e.Prefix.Bits() {
				t.Fatalf("entry %s not found again", e.Prefix)
			}
		}
	})
}
