// Package nsfacts reads name-server facts out of DNS events: which name
// servers a zone is delegated to (NS records in answers, and in the
// authority section of responses and referrals), the addresses of those
// servers (glue in the additional section, and A/AAAA answers), and the
// zone's SOA (MNAME, RNAME, serial). The passive-DNS store, the delegation
// detector and the authoritative-infrastructure detector all read these
// facts the same way.
//
// The functions walk the event's record slices and call back once per
// fact, without allocating; strings passed to the callbacks are the
// event's and valid only during the call. Names are canonical (see
// internal/event): lowercase, no trailing dot.
package nsfacts

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/dnsvigil/dnsvigil/internal/event"
)

// Section says where in a response a record was.
type Section uint8

// Sections.
const (
	Answer Section = iota + 1
	Authority
	Additional
)

// String returns "answer", "authority" or "additional".
func (s Section) String() string {
	switch s {
	case Answer:
		return "answer"
	case Authority:
		return "authority"
	case Additional:
		return "additional"
	}
	return "unknown"
}

// sections returns the record slices of ev with their sections.
func sections(ev *event.Event) [3]struct {
	rrs []event.RR
	s   Section
} {
	return [3]struct {
		rrs []event.RR
		s   Section
	}{{ev.DNS.Answers, Answer}, {ev.DNS.Authority, Authority}, {ev.DNS.Additional, Additional}}
}

// EachNS calls fn for every NS record of ev's response: owner is the zone,
// host the name server. Records without data are skipped.
func EachNS(ev *event.Event, fn func(zone, host string, ttl uint32, s Section)) {
	if !ev.DNS.HasResponse {
		return
	}
	for _, sec := range sections(ev) {
		for i := range sec.rrs {
			r := &sec.rrs[i]
			if r.Type == event.TypeNS && r.Data != "" {
				fn(r.Name, trimDot(r.Data), r.TTL, sec.s)
			}
		}
	}
}

// EachAddr calls fn for every A and AAAA record of ev's response whose data
// is an address.
func EachAddr(ev *event.Event, fn func(name string, addr netip.Addr, ttl uint32, s Section)) {
	if !ev.DNS.HasResponse {
		return
	}
	for _, sec := range sections(ev) {
		for i := range sec.rrs {
			r := &sec.rrs[i]
			if r.Type != event.TypeA && r.Type != event.TypeAAAA {
				continue
			}
			if a, err := netip.ParseAddr(r.Data); err == nil {
				fn(r.Name, a.Unmap(), r.TTL, sec.s)
			}
		}
	}
}

// SOA is the part of an SOA record the detectors compare.
type SOA struct {
	Zone         string
	MName, RName string
	Serial       uint32
	TTL          uint32
}

// EachSOA calls fn for every SOA record of ev's response whose data parses
// as "mname rname serial ...".
func EachSOA(ev *event.Event, fn func(soa SOA, s Section)) {
	if !ev.DNS.HasResponse {
		return
	}
	for _, sec := range sections(ev) {
		for i := range sec.rrs {
			r := &sec.rrs[i]
			if r.Type != event.TypeSOA {
				continue
			}
			if soa, ok := ParseSOA(r.Data); ok {
				soa.Zone, soa.TTL = r.Name, r.TTL
				fn(soa, sec.s)
			}
		}
	}
}

// ParseSOA reads the MNAME, RNAME and serial of SOA data in presentation
// form ("ns1.example.com. hostmaster.example.com. 2026112801 7200 ...").
func ParseSOA(data string) (SOA, bool) {
	mname, rest, ok := strings.Cut(strings.TrimSpace(data), " ")
	if !ok {
		return SOA{}, false
	}
	rname, rest, ok := strings.Cut(strings.TrimLeft(rest, " "), " ")
	if !ok {
		return SOA{}, false
	}
	serial, _, _ := strings.Cut(strings.TrimLeft(rest, " "), " ")
	n, err := strconv.ParseUint(serial, 10, 32)
	if err != nil || mname == "" || rname == "" {
		return SOA{}, false
	}
	return SOA{MName: trimDot(mname), RName: trimDot(rname), Serial: uint32(n)}, true
}

// trimDot removes one trailing dot (presentation form of a fully
// qualified name), keeping an escaped one.
func trimDot(s string) string {
	if len(s) > 1 && s[len(s)-1] == '.' && s[len(s)-2] != '\\' {
		return strings.ToLower(s[:len(s)-1])
	}
	if hasUpper(s) {
		return strings.ToLower(s)
	}
	return s
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

// InBailiwick reports whether host is the zone itself or below it, the
// case where a delegation needs glue.
func InBailiwick(host, zone string) bool {
	if len(host) == len(zone) {
		return host == zone
	}
	n := len(host) - len(zone)
	return n > 1 && host[n-1] == '.' && host[n:] == zone
}
