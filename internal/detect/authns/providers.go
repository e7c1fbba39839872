package authns

import (
	_ "embed"
	"fmt"
	"strings"
)

// ProviderList is the built-in catalogue of managed DNS providers
// (providers.tsv: pattern, provider, reference).
//
//go:embed providers.tsv
var ProviderList string

// Provider is one catalogue entry.
type Provider struct {
	// Pattern is a registrable domain (cloudflare.com) or a prefix of its
	// first label followed by * and the rest (awsdns-*.com).
	Pattern   string `yaml:"pattern"`
	Name      string `yaml:"name"`
	Reference string `yaml:"reference"`
}

// ParseProviders reads a list in providers.tsv's format. Errors name the
// line.
func ParseProviders(src string) ([]Provider, error) {
	var out []Provider
	for i, line := range strings.Split(src, "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 || f[0] == "" || f[1] == "" {
			return nil, fmt.Errorf("provider list line %d: want pattern, provider and reference separated by tabs", i+1)
		}
		if msg := checkPattern(f[0]); msg != "" {
			return nil, fmt.Errorf("provider list line %d: pattern %q %s", i+1, f[0], msg)
		}
		out = append(out, Provider{Pattern: f[0], Name: f[1], Reference: f[2]})
	}
	return out, nil
}

func checkPattern(p string) string {
	switch {
	case p != strings.ToLower(p) || strings.ContainsAny(p, " \t"):
		return "must be lowercase without spaces"
	case !strings.Contains(p, "."):
		return "must be a registrable domain such as cloudflare.com"
	case strings.Count(p, "*") > 1, strings.Contains(p, "*") && !strings.HasSuffix(p[:strings.IndexByte(p, '.')], "*"), strings.HasPrefix(p, "*"):
		return "may hold one * only, at the end of its first label after a prefix (awsdns-*.com)"
	}
	return ""
}

// providers matches registrable domains of name servers against the
// catalogue: exact entries by map, prefix entries by the rest after the
// first label.
type providers struct {
	exact    map[string]*Provider
	prefixes map[string][]*Provider // by the part after the first label
}

func newProviders(lists ...[]Provider) providers {
	p := providers{exact: map[string]*Provider{}, prefixes: map[string][]*Provider{}}
	for _, l := range lists {
		for i := range l {
			e := &l[i]
			first, rest, _ := strings.Cut(e.Pattern, ".")
			if strings.HasSuffix(first, "*") {
				p.prefixes[rest] = append(p.prefixes[rest], e)
				continue
			}
			p.exact[e.Pattern] = e
		}
	}
	return p
}

// match returns the provider whose pattern covers the registrable domain
// dom, if any. It does not allocate.
func (p providers) match(dom string) (*Provider, bool) {
	if e, ok := p.exact[dom]; ok {
		return e, true
	}
	first, rest, ok := strings.Cut(dom, ".")
	if !ok {
		return nil, false
	}
	for _, e := range p.prefixes[rest] {
		prefix := e.Pattern[:strings.IndexByte(e.Pattern, '*')]
		if strings.HasPrefix(first, prefix) {
			return e, true
		}
	}
	return nil, false
}
