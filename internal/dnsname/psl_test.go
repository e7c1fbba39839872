package dnsname

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/weppos/publicsuffix-go/publicsuffix"

	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

func TestPSLSplit(t *testing.T) {
	icann := NewPSL(PSLOptions{})
	private := NewPSL(PSLOptions{Private: true})
	tests := []struct {
		name    string
		in      string
		private bool
		want    Parts
	}{
		{"bbc", "www.bbc.co.uk", false, Parts{Suffix: "co.uk", Domain: "bbc.co.uk"}},
		{"registrable itself", "bbc.co.uk", false, Parts{Suffix: "co.uk", Domain: "bbc.co.uk"}},
		{"bare suffix", "co.uk", false, Parts{Suffix: "co.uk", Domain: ""}},
		{"bare tld", "com", false, Parts{Suffix: "com", Domain: ""}},
		{"single unlisted label", "localhost", false, Parts{Suffix: "localhost", Domain: ""}},
		{"unlisted tld", "b.example.example", false, Parts{Suffix: "example", Domain: "example.example"}},
		{"root", ".", false, Parts{}},
		{"empty", "", false, Parts{}},
		{"wildcard under kawasaki.jp", "a.b.kawasaki.jp", false, Parts{Suffix: "b.kawasaki.jp", Domain: "a.b.kawasaki.jp"}},
		{"wildcard deeper", "x.a.b.kawasaki.jp", false, Parts{Suffix: "b.kawasaki.jp", Domain: "a.b.kawasaki.jp"}},
		{"wildcard needs one more label", "b.kawasaki.jp", false, Parts{Suffix: "b.kawasaki.jp", Domain: ""}},
		{"wildcard parent", "kawasaki.jp", false, Parts{Suffix: "jp", Domain: "kawasaki.jp"}},
		{"exception city.kawasaki.jp", "city.kawasaki.jp", false, Parts{Suffix: "kawasaki.jp", Domain: "city.kawasaki.jp"}},
		{"under exception", "www.city.kawasaki.jp", false, Parts{Suffix: "kawasaki.jp", Domain: "city.kawasaki.jp"}},
		{"wildcard-only tld", "c.mm", false, Parts{Suffix: "c.mm", Domain: ""}},
		{"wildcard-only tld deeper", "a.b.c.mm", false, Parts{Suffix: "c.mm", Domain: "b.c.mm"}},
		{"ck exception", "www.www.ck", false, Parts{Suffix: "ck", Domain: "www.ck"}},
		{"blogspot icann only", "foo.blogspot.com", false, Parts{Suffix: "com", Domain: "blogspot.com"}},
		{"blogspot with private rules", "foo.blogspot.com", true, Parts{Suffix: "blogspot.com", Domain: "foo.blogspot.com"}},
		{"uk.com private", "a.example.uk.com", true, Parts{Suffix: "uk.com", Domain: "example.uk.com"}},
		{"uk.com icann only", "a.example.uk.com", false, Parts{Suffix: "com", Domain: "uk.com"}},
		{"iodine style", "xxx.t.evil-c2.test", false, Parts{Suffix: "test", Domain: "evil-c2.test"}},
		{"escaped dot is one label", `a\.b.test`, false, Parts{Suffix: "test", Domain: `a\.b.test`}},
		{"escaped dot does not match a rule", `foo.co\.uk`, false, Parts{Suffix: `co\.uk`, Domain: `foo.co\.uk`}},
		{"escaped dot in the registrable label", `www.a\.b.co.uk`, false, Parts{Suffix: "co.uk", Domain: `a\.b.co.uk`}},
		{"ipv4 literal", "192.168.1.1", false, Parts{}},
		{"ipv6 literal", "2001:db8::53", false, Parts{}},
		{"ipv4-mapped literal", "::ffff:10.0.0.1", false, Parts{}},
		{"not an ipv4 literal", "1.2.3.256", false, Parts{Suffix: "256", Domain: "3.256"}},
		{"five numeric labels", "1.2.3.4.5", false, Parts{Suffix: "5", Domain: "4.5"}},
		{"reverse zone", "4.3.2.1.in-addr.arpa", false, Parts{Suffix: "in-addr.arpa", Domain: "1.in-addr.arpa"}},
		{"punycode", "www.xn--85x722f.xn--55qx5d.cn", false, Parts{Suffix: "xn--55qx5d.cn", Domain: "xn--85x722f.xn--55qx5d.cn"}},
		{"k12", "www.test.k12.ak.us", false, Parts{Suffix: "k12.ak.us", Domain: "test.k12.ak.us"}},
		{"hex-looking name is a name", "dead.beef", false, Parts{Suffix: "beef", Domain: "dead.beef"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := icann
			if tt.private {
				p = private
			}
			got := p.Split(tt.in)
			if got.Labels != CountLabels(tt.in) {
				t.Errorf("Split(%q).Labels = %d, want %d", tt.in, got.Labels, CountLabels(tt.in))
			}
			got.Labels = 0
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Split(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
			if got.Suffix != p.PublicSuffix(tt.in) || got.Domain != p.Domain(tt.in) {
				t.Errorf("PublicSuffix/Domain disagree with Split for %q", tt.in)
			}
		})
	}
}

// TestPSLOfficialCases runs the publicsuffix.org test cases shipped with
// publicsuffix-go (CC0) in their punycoded, lowercase form, with the private
// section on as the official list does.
func TestPSLOfficialCases(t *testing.T) {
	p := NewPSL(PSLOptions{Private: true})
	tests := []struct{ in, want string }{
		{"com", ""}, {"example.com", "example.com"}, {"example", ""},
		{"example.example", "example.example"}, {"b.example.example", "example.example"},
		{"a.b.example.example", "example.example"}, {"biz", ""}, {"domain.biz", "domain.biz"},
		{"a.b.domain.biz", "domain.biz"}, {"b.example.com", "example.com"}, {"uk.com", ""},
		{"example.uk.com", "example.uk.com"}, {"a.b.example.uk.com", "example.uk.com"},
		{"test.ac", "test.ac"}, {"mm", ""}, {"c.mm", ""}, {"b.c.mm", "b.c.mm"},
		{"a.b.c.mm", "b.c.mm"}, {"jp", ""}, {"test.jp", "test.jp"}, {"www.test.jp", "test.jp"},
		{"ac.jp", ""}, {"test.ac.jp", "test.ac.jp"}, {"www.test.ac.jp", "test.ac.jp"},
		{"kyoto.jp", ""}, {"test.kyoto.jp", "test.kyoto.jp"}, {"ide.kyoto.jp", ""},
		{"b.ide.kyoto.jp", "b.ide.kyoto.jp"}, {"a.b.ide.kyoto.jp", "b.ide.kyoto.jp"},
		{"c.kobe.jp", ""}, {"b.c.kobe.jp", "b.c.kobe.jp"}, {"a.b.c.kobe.jp", "b.c.kobe.jp"},
		{"city.kobe.jp", "city.kobe.jp"}, {"www.city.kobe.jp", "city.kobe.jp"}, {"ck", ""},
		{"test.ck", ""}, {"b.test.ck", "b.test.ck"}, {"a.b.test.ck", "b.test.ck"},
		{"www.ck", "www.ck"}, {"www.www.ck", "www.ck"}, {"us", ""}, {"test.us", "test.us"},
		{"www.test.us", "test.us"}, {"ak.us", ""}, {"test.ak.us", "test.ak.us"},
		{"www.test.ak.us", "test.ak.us"}, {"k12.ak.us", ""}, {"test.k12.ak.us", "test.k12.ak.us"},
		{"www.test.k12.ak.us", "test.k12.ak.us"},
		{"xn--85x722f.com.cn", "xn--85x722f.com.cn"},
		{"xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn"},
		{"www.xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn"},
		{"shishi.xn--55qx5d.cn", "shishi.xn--55qx5d.cn"}, {"xn--55qx5d.cn", ""},
		{"xn--85x722f.xn--fiqs8s", "xn--85x722f.xn--fiqs8s"},
		{"www.xn--85x722f.xn--fiqs8s", "xn--85x722f.xn--fiqs8s"},
		{"shishi.xn--fiqs8s", "shishi.xn--fiqs8s"}, {"xn--fiqs8s", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := p.Domain(tt.in); got != tt.want {
				t.Errorf("Domain(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestPSLMatchesPublicsuffixGo compares every lookup with publicsuffix-go's
// own algorithm on names built from every rule (the rule itself and one and
// two labels below it), in both sections.
func TestPSLMatchesPublicsuffixGo(t *testing.T) {
	rules := publicsuffix.DefaultRules()
	var names []string
	for _, r := range rules {
		v := r.Value
		if r.Type == publicsuffix.WildcardType {
			v = "w." + v
		}
		names = append(names, v, "x."+v, "y.x."+v)
	}
	for _, private := range []bool{false, true} {
		p := NewPSL(PSLOptions{Private: private})
		opts := &publicsuffix.FindOptions{IgnorePrivate: !private, DefaultRule: publicsuffix.DefaultRule}
		mismatches := 0
		for _, n := range names {
			want := referenceDomain(n, opts)
			if got := p.Domain(n); got != want {
				mismatches++
				if mismatches <= 10 {
					t.Errorf("private=%v: Domain(%q) = %q, publicsuffix-go says %q", private, n, got, want)
				}
			}
		}
		if mismatches > 0 {
			t.Errorf("private=%v: %d of %d names differ", private, mismatches, len(names))
		}
	}
}

// TestPSLOnPopularNames compares the registrable domain of the Tranco top
// 10k names with publicsuffix-go's answer.
func TestPSLOnPopularNames(t *testing.T) {
	path := testutil.SharedData(t, "lists/tranco-top-10k/tranco_top10k_2023-11.csv")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := NewPSL(PSLOptions{})
	opts := &publicsuffix.FindOptions{IgnorePrivate: true, DefaultRule: publicsuffix.DefaultRule}
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		name := Canonical(strings.TrimSpace(sc.Text()))
		if isRoot(name) {
			continue
		}
		n++
		for _, q := range []string{name, "www." + name} {
			if got, want := p.Domain(q), referenceDomain(q, opts); got != want {
				t.Errorf("Domain(%q) = %q, publicsuffix-go says %q", q, got, want)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 9000 {
		t.Fatalf("read only %d names", n)
	}
}

func referenceDomain(name string, opts *publicsuffix.FindOptions) string {
	d, err := publicsuffix.DomainFromListWithOptions(publicsuffix.DefaultList, name, opts)
	if err != nil {
		return ""
	}
	return d
}

func TestLoadPSL(t *testing.T) {
	const list = `// ===BEGIN ICANN DOMAINS===
uk
co.uk
*.ck
!www.ck
// ===END ICANN DOMAINS===
// ===BEGIN PRIVATE DOMAINS===
blogspot.co.uk
// ===END PRIVATE DOMAINS===
`
	tests := []struct {
		name    string
		private bool
		in      string
		want    Parts
	}{
		{"icann rule", false, "a.bbc.co.uk", Parts{Suffix: "co.uk", Domain: "bbc.co.uk"}},
		{"private rule skipped", false, "a.blogspot.co.uk", Parts{Suffix: "co.uk", Domain: "blogspot.co.uk"}},
		{"private rule applied", true, "a.blogspot.co.uk", Parts{Suffix: "blogspot.co.uk", Domain: "a.blogspot.co.uk"}},
		{"exception", false, "a.www.ck", Parts{Suffix: "ck", Domain: "www.ck"}},
		{"not in the small list", false, "www.example.com", Parts{Suffix: "com", Domain: "example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := LoadPSL(strings.NewReader(list), PSLOptions{Private: tt.private})
			if err != nil {
				t.Fatal(err)
			}
			got := p.Split(tt.in)
			got.Labels = 0
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Split(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
	if _, err := LoadPSL(strings.NewReader("// nothing\n"), PSLOptions{}); err == nil {
		t.Error("LoadPSL of an empty list: want an error")
	}
}

// FuzzPSL checks that a lookup never panics and that its parts nest: the
// domain is a suffix of the name at a label boundary with one label more
// than the public suffix.
func FuzzPSL(f *testing.F) {
	for _, s := range []string{"www.bbc.co.uk", "a.b.kawasaki.jp", "city.kawasaki.jp", `a\.b.co.uk`,
		"foo.blogspot.com", "1.2.3.4", "::1", "dead:beef", ".", "", "a..b", `x\.`, "xxx.t.evil-c2.test"} {
		f.Add(s)
	}
	p := NewPSL(PSLOptions{Private: true})
	f.Fuzz(func(t *testing.T, raw string) {
		name := Canonical(raw)
		if hasEmptyLabel(name) {
			return
		}
		parts := p.Split(name)
		if !strings.HasSuffix(name, parts.Suffix) || !strings.HasSuffix(name, parts.Domain) {
			t.Fatalf("%q: parts %+v are not suffixes", name, parts)
		}
		if parts.Domain == "" {
			return
		}
		if !strings.HasSuffix(parts.Domain, parts.Suffix) {
			t.Fatalf("%q: domain %q does not end in suffix %q", name, parts.Domain, parts.Suffix)
		}
		if CountLabels(parts.Domain) != CountLabels(parts.Suffix)+1 {
			t.Fatalf("%q: domain %q is not suffix %q plus one label", name, parts.Domain, parts.Suffix)
		}
		if LastLabels(name, CountLabels(parts.Domain)) != parts.Domain {
			t.Fatalf("%q: domain %q does not start at a label boundary", name, parts.Domain)
		}
	})
}

func BenchmarkPSLSplit(b *testing.B) {
	names := []string{
		"www.bbc.co.uk", "a.b.kawasaki.jp", "foo.blogspot.com",
		"paaaaaabbbbbcccccdddd0eeeeffff.t.evil-c2.test", "192.168.1.1",
		"a.very.deep.name.with.many.labels.under.example.com", "localhost",
	}
	p := NewPSL(PSLOptions{})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if p.Split(names[i%len(names)]).Suffix == "x" {
			b.Fatal("impossible suffix")
		}
		i++
	}
}

func BenchmarkNewPSL(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		NewPSL(PSLOptions{})
	}
}
