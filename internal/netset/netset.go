// Package netset holds sets of IP prefixes with a value per prefix, and the
// named special-purpose address ranges, so that policy code (approved
// resolvers, exclusions, the public-resolver catalogue, "is this private?")
// asks one question of a longest-prefix-match table instead of comparing
// strings. String prefixes are a classic trap: "110.0.0.15" starts with
// "10." and "172.32.0.1" looks like 172.16/12 to a careless split; a prefix
// table has neither problem.
//
// Addresses are normalised before every insert and lookup: an IPv4-mapped
// IPv6 address (::ffff:10.0.0.1) is the IPv4 address, and an IPv6 zone is
// ignored. Lookups do not allocate.
package netset

import (
	"fmt"
	"iter"
	"net/netip"
	"strings"

	"github.com/gaissmai/bart"
)

// Set maps IP prefixes to values of type V and answers longest-prefix-match
// lookups. Build it with Add and AddPrefix, then only read it: a Set is safe
// for concurrent reads once no more entries are added.
type Set[V any] struct {
	// Entries are stored by pointer: bart's lookups are markedly faster
	// with a pointer-shaped payload than with a wide struct.
	t bart.Table[*Entry[V]]
}

// Entry is one prefix of a Set with its value.
type Entry[V any] struct {
	Prefix netip.Prefix
	Value  V
}

// New returns an empty Set.
func New[V any]() *Set[V] { return &Set[V]{} }

// Add parses entry (an IP address or a CIDR, IPv4 or IPv6) and adds it with
// value v. An address is a single-host prefix (/32 or /128). The error names
// the entry.
func (s *Set[V]) Add(entry string, v V) error {
	p, err := ParsePrefix(entry)
	if err != nil {
		return err
	}
	s.AddPrefix(p, v)
	return nil
}

// AddPrefix adds p with value v, replacing the value of an equal prefix. p is
// normalised (unmapped, masked) first.
func (s *Set[V]) AddPrefix(p netip.Prefix, v V) {
	p = normalPrefix(p)
	s.t.Insert(p, &Entry[V]{Prefix: p, Value: v})
}

// Lookup returns the most specific entry that contains a. It does not
// allocate.
func (s *Set[V]) Lookup(a netip.Addr) (Entry[V], bool) {
	if !a.IsValid() {
		return Entry[V]{}, false
	}
	e, ok := s.t.Lookup(normalAddr(a))
	if !ok {
		return Entry[V]{}, false
	}
	return *e, true
}

// Contains reports whether any prefix of s contains a.
func (s *Set[V]) Contains(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	return s.t.Contains(normalAddr(a))
}

// Len returns the number of prefixes in s.
func (s *Set[V]) Len() int { return s.t.Size() }

// All iterates over the entries of s in prefix order.
func (s *Set[V]) All() iter.Seq[Entry[V]] {
	return func(yield func(Entry[V]) bool) {
		for _, e := range s.t.AllSorted() {
			if !yield(*e) {
				return
			}
		}
	}
}

// ParsePrefix parses an IP address or a CIDR. An address becomes a /32 or
// /128 prefix; an IPv4-mapped IPv6 address or prefix becomes IPv4. A CIDR
// with bits set below its mask ("10.0.0.1/8") is an error rather than being
// widened silently: in an allowlist that mistake would approve a whole
// network. Errors quote the input.
func ParsePrefix(s string) (netip.Prefix, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return netip.Prefix{}, fmt.Errorf("empty address or CIDR")
	}
	if !strings.Contains(t, "/") {
		a, err := netip.ParseAddr(t)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("invalid IP address %q", s)
		}
		a = normalAddr(a)
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(t)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("invalid CIDR %q", s)
	}
	if p.Masked() != p {
		return netip.Prefix{}, fmt.Errorf("invalid CIDR %q: address bits set beyond the /%d mask (network is %s)", s, p.Bits(), p.Masked())
	}
	return normalPrefix(p), nil
}

// normalAddr unmaps an IPv4-mapped address and drops an IPv6 zone.
func normalAddr(a netip.Addr) netip.Addr {
	a = a.Unmap()
	if a.Zone() != "" {
		a = a.WithZone("")
	}
	return a
}

// normalPrefix turns an IPv4-mapped IPv6 prefix (::ffff:10.0.0.0/104) into
// its IPv4 form (10.0.0.0/8) and masks it.
func normalPrefix(p netip.Prefix) netip.Prefix {
	a := p.Addr()
	if a.Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(a.Unmap(), p.Bits()-96).Masked()
	}
	return netip.PrefixFrom(normalAddr(a), p.Bits()).Masked()
}
