package dnsname

import (
	"fmt"
	"io"
	"net/netip"

	"github.com/weppos/publicsuffix-go/publicsuffix"
)

// PSL answers public-suffix questions (public suffix, registrable domain)
// about canonical names. It is built once from the Public Suffix List rules
// and is then read-only, so one PSL may be shared by goroutines.
//
// A lookup walks the name's suffixes at label boundaries from the right and
// probes a map with each suffix as a substring key, so it does not allocate,
// and it stops as soon as no rule extends the current suffix, so a name with
// a hundred labels costs no more than the deepest rule. Results are
// substrings of the input.
//
// Names must be canonical (see Canonical): lowercase, no trailing dot, IDN
// labels in their xn-- form. A label written with an escaped dot (`co\.uk`)
// is one label and never matches a rule.
type PSL struct {
	rules   map[string]ruleBits
	private bool
}

// PSLOptions selects which rules a PSL applies.
type PSLOptions struct {
	// Private also applies the PRIVATE section of the list (blogspot.com,
	// github.io, dynamic-DNS providers, ...). By default only the ICANN
	// section applies, so foo.blogspot.com has the registrable domain
	// blogspot.com: the operator of the private suffix is what an analyst
	// usually wants to see.
	Private bool
}

// ruleBits records which rules have a given suffix as their value.
type ruleBits uint8

const (
	ruleNormal    ruleBits = 1 << iota // "co.uk"
	ruleWildcard                       // "*.kawasaki.jp", stored as "kawasaki.jp"
	ruleException                      // "!city.kawasaki.jp"
	// ruleInner marks a proper suffix of some rule value ("uk" under
	// "co.uk"): the walk has to go on past it.
	ruleInner
)

// NewPSL builds a PSL from the rules compiled into
// github.com/weppos/publicsuffix-go (publicsuffix.ListVersion says which list).
func NewPSL(opts PSLOptions) *PSL {
	all := publicsuffix.DefaultRules()
	return newPSL(all[:], opts)
}

// LoadPSL builds a PSL from a list in the publicsuffix.org file format
// (public_suffix_list.dat), for a list newer than the compiled one.
func LoadPSL(r io.Reader, opts PSLOptions) (*PSL, error) {
	rules, err := publicsuffix.NewList().Load(r, &publicsuffix.ParserOption{PrivateDomains: opts.Private})
	if err != nil {
		return nil, fmt.Errorf("load public suffix list: %w", err)
	}
	if len(rules) == 0 {
		return nil, fmt.Errorf("load public suffix list: no rules")
	}
	return newPSL(rules, opts), nil
}

func newPSL(rules []publicsuffix.Rule, opts PSLOptions) *PSL {
	p := &PSL{rules: make(map[string]ruleBits, len(rules)*2), private: opts.Private}
	for _, r := range rules {
		if r.Private && !opts.Private || r.Value == "" {
			continue
		}
		switch r.Type {
		case publicsuffix.NormalType:
			p.rules[r.Value] |= ruleNormal
		case publicsuffix.WildcardType:
			p.rules[r.Value] |= ruleWildcard
		case publicsuffix.ExceptionType:
			p.rules[r.Value] |= ruleException
		default:
			continue
		}
		for v := r.Value; ; {
			i := indexDot(v)
			if i < 0 {
				break
			}
			v = v[i+1:]
			p.rules[v] |= ruleInner
		}
	}
	return p
}

// indexDot returns the index of the first label boundary of s, or -1.
func indexDot(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '.':
			return i
		}
	}
	return -1
}

// Private reports whether p applies the PRIVATE section.
func (p *PSL) Private() bool { return p.private }

// Parts is the public-suffix split of one name. Both fields are substrings
// of the name looked up.
type Parts struct {
	// Suffix is the public suffix ("co.uk" for www.bbc.co.uk). It is the
	// whole name when the name is itself a public suffix, and empty for the
	// root and for IP literals.
	Suffix string
	// Domain is the registrable domain, the suffix plus one label
	// ("bbc.co.uk"). It is empty when the name has no label left of its
	// suffix (a bare suffix, a single label), for the root and for IP
	// literals.
	Domain string
	// Labels is the number of labels in the name (0 for the root).
	Labels int
}

// Split returns the public suffix and registrable domain of a canonical
// name. It does not allocate.
func (p *PSL) Split(name string) Parts {
	if isRoot(name) || isIPLiteral(name) {
		return Parts{Labels: CountLabels(name)}
	}
	n, total := p.suffixLabels(name)
	off := LastLabelsOffset(name, n)
	parts := Parts{Suffix: name[off:], Labels: total}
	if off > 0 {
		parts.Domain = name[labelStart(name, off-1):]
	}
	return parts
}

// PublicSuffix returns the public suffix of a canonical name ("co.uk" for
// www.bbc.co.uk); see Parts.Suffix.
func (p *PSL) PublicSuffix(name string) string { return p.Split(name).Suffix }

// Domain returns the registrable domain (eTLD+1) of a canonical name
// ("bbc.co.uk" for www.bbc.co.uk), or "" when it has none; see Parts.Domain.
func (p *PSL) Domain(name string) string { return p.Split(name).Domain }

// suffixLabels returns how many of the rightmost labels of name form its
// public suffix, following the publicsuffix.org algorithm: an exception rule
// prevails, otherwise the matching rule with the most labels, otherwise the
// implicit "*" rule (one label). It also returns the name's label count.
func (p *PSL) suffixLabels(name string) (int, int) {
	total := CountLabels(name)
	best := 1
	k := 0
	for end := len(name); ; {
		label, next, ok := PrevLabel(name, end)
		if !ok {
			break
		}
		k++
		bits, found := p.rules[name[end-len(label):]]
		if !found {
			break
		}
		if bits&ruleException != 0 {
			return k - 1, total
		}
		if bits&ruleNormal != 0 {
			best = max(best, k)
		}
		if bits&ruleWildcard != 0 && total > k {
			best = max(best, k+1)
		}
		if bits&ruleInner == 0 {
			break // no rule is longer than this suffix
		}
		end = next
	}
	return best, total
}

// isIPLiteral reports whether name is an IPv4 address in dotted-quad form or
// an IPv6 address; such names have no public suffix. Only a name made of hex
// digits, dots and at least one colon reaches netip.ParseAddr, whose error
// (for such a name that is not an address) is the one allocation a lookup
// can make.
func isIPLiteral(name string) bool {
	if isDottedQuad(name) {
		return true
	}
	colon := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == ':':
			colon = true
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c == '.':
		default:
			return false
		}
	}
	if !colon {
		return false
	}
	_, err := netip.ParseAddr(name)
	return err == nil
}

// isDottedQuad reports whether s is four decimal octets 0-255 joined by dots.
func isDottedQuad(s string) bool {
	octets, val, digits := 0, 0, 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if digits == 0 || val > 255 || digits > 1 && s[i-digits] == '0' {
				return false
			}
			octets++
			val, digits = 0, 0
			continue
		}
		c := s[i]
		if c < '0' || c > '9' || digits == 3 {
			return false
		}
		val = val*10 + int(c-'0')
		digits++
	}
	return octets == 4
}
