package intel

import (
	"net/netip"

	"github.com/dnsvigil/dnsvigil/internal/netset"
)

// Set holds indicators from any number of loads for matching. It is built
// once by NewSet and then only read: it is safe for concurrent use, and its
// lookups do not allocate.
type Set struct {
	names map[string]Indicator
	addrs *netset.Set[Indicator]
}

// NewSet builds a Set from the indicators of one or more loads. Entries
// with an unknown Kind or a Value that is not canonical are left out. When
// a value is listed more than once, the first entry with ToIDs true is
// kept, else the first entry.
func NewSet(inds ...[]Indicator) *Set {
	s := &Set{names: make(map[string]Indicator), addrs: netset.New[Indicator]()}
	prefixes := make(map[netip.Prefix]Indicator)
	var order []netip.Prefix
	for _, list := range inds {
		for _, ind := range list {
			switch ind.Kind {
			case Domain:
				if d, err := canonDomain(ind.Value); err != nil || d != ind.Value {
					continue
				}
				if old, ok := s.names[ind.Value]; !ok || !old.ToIDs && ind.ToIDs {
					s.names[ind.Value] = ind
				}
			case Addr:
				p, err := netip.ParsePrefix(ind.Value)
				if err != nil || p.String() != ind.Value || p.Masked() != p || p.Addr().Is4In6() {
					continue
				}
				old, ok := prefixes[p]
				if !ok {
					order = append(order, p)
				}
				if !ok || !old.ToIDs && ind.ToIDs {
					prefixes[p] = ind
				}
			}
		}
	}
	for _, p := range order {
		s.addrs.AddPrefix(p, prefixes[p])
	}
	return s
}

// Len returns the number of distinct domains and prefixes in s.
func (s *Set) Len() int { return len(s.names) + s.addrs.Len() }

// MatchName returns the indicator for name, a canonical name (lowercase,
// presentation format with `\.` escapes), when name or one of its parent
// domains is listed. The most specific listed domain wins. A trailing dot
// is ignored. Label boundaries are unescaped dots only.
func (s *Set) MatchName(name string) (Indicator, bool) {
	if n := len(name); n > 1 && name[n-1] == '.' && !escapedAt(name, n-1) {
		name = name[:n-1]
	}
	if len(s.names) == 0 || name == "" || name == "." {
		return Indicator{}, false
	}
	if ind, ok := s.names[name]; ok {
		return ind, true
	}
	for i := 0; i < len(name); i++ {
		switch name[i] {
		case '\\':
			i++ // the next byte is escaped, whatever it is
		case '.':
			if ind, ok := s.names[name[i+1:]]; ok {
				return ind, true
			}
		}
	}
	return Indicator{}, false
}

// escapedAt reports whether the byte at i is preceded by an odd number of
// backslashes.
func escapedAt(s string, i int) bool {
	k := 0
	for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
		k++
	}
	return k%2 == 1
}

// MatchAddr returns the indicator of the most specific listed prefix that
// contains a. An IPv4-mapped IPv6 address is looked up as IPv4.
func (s *Set) MatchAddr(a netip.Addr) (Indicator, bool) {
	e, ok := s.addrs.Lookup(a)
	return e.Value, ok
}
