package netset

import "net/netip"

// Class groups special-purpose ranges by what an address in them means for
// policy.
type Class uint8

// Classes of special-purpose addresses. ClassExternal is the zero value: an
// address in no special range is globally routed, as far as this package
// knows.
const (
	ClassExternal    Class = iota
	ClassPrivate           // RFC 1918 and the IPv6 unique local range
	ClassLoopback          // 127/8, ::1
	ClassLinkLocal         // 169.254/16, fe80::/10
	ClassSharedCGNAT       // 100.64/10, carrier-grade NAT
	ClassThisNetwork       // 0/8, ::/128
	ClassMulticast         // 224/4, ff00::/8
	ClassBroadcast         // 255.255.255.255
	ClassReserved          // IETF protocol assignments, benchmarking, future use
)

var classNames = [...]string{"external", "private", "loopback", "link-local", "cgnat", "this-network", "multicast", "broadcast", "reserved"}

// String returns the lowercase name of c ("private", "link-local", ...).
func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return "unknown"
}

// Range is one named special-purpose range.
type Range struct {
	Prefix netip.Prefix
	// Name is a short human name ("RFC 1918 private", "loopback").
	Name string
	// RFC is the document that reserves the range.
	RFC   string
	Class Class
}

// SpecialRanges returns the special-purpose ranges that are not reachable
// across the Internet, IPv4 and IPv6, each named (IANA special-purpose
// address registries, RFC 6890). A new slice is built on every call.
//
// The documentation ranges 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 and
// 2001:db8::/32 are deliberately NOT in the list: labs, exercises and test
// captures use them as stand-ins for public addresses, so they classify as
// external. So do the NAT64 prefix 64:ff9b::/96 (it carries public IPv4
// destinations) and 6to4 / Teredo.
func SpecialRanges() []Range {
	p := netip.MustParsePrefix
	return []Range{
		{p("0.0.0.0/8"), "this network", "RFC 791", ClassThisNetwork},
		{p("10.0.0.0/8"), "RFC 1918 private", "RFC 1918", ClassPrivate},
		{p("100.64.0.0/10"), "shared address space (CGNAT)", "RFC 6598", ClassSharedCGNAT},
		{p("127.0.0.0/8"), "loopback", "RFC 1122", ClassLoopback},
		{p("169.254.0.0/16"), "link-local", "RFC 3927", ClassLinkLocal},
		{p("172.16.0.0/12"), "RFC 1918 private", "RFC 1918", ClassPrivate},
		{p("192.0.0.0/24"), "IETF protocol assignments", "RFC 6890", ClassReserved},
		{p("192.168.0.0/16"), "RFC 1918 private", "RFC 1918", ClassPrivate},
		{p("198.18.0.0/15"), "benchmarking", "RFC 2544", ClassReserved},
		{p("224.0.0.0/4"), "multicast", "RFC 5771", ClassMulticast},
		{p("240.0.0.0/4"), "reserved for future use", "RFC 1112", ClassReserved},
		{p("255.255.255.255/32"), "limited broadcast", "RFC 919", ClassBroadcast},
		{p("::/128"), "unspecified", "RFC 4291", ClassThisNetwork},
		{p("::1/128"), "loopback", "RFC 4291", ClassLoopback},
		{p("100::/64"), "discard-only", "RFC 6666", ClassReserved},
		{p("fc00::/7"), "unique local (ULA)", "RFC 4193", ClassPrivate},
		{p("fe80::/10"), "link-local", "RFC 4291", ClassLinkLocal},
		{p("fec0::/10"), "site-local (deprecated)", "RFC 3879", ClassPrivate},
		{p("ff00::/8"), "multicast", "RFC 4291", ClassMulticast},
	}
}

// NewSpecial returns a Set of SpecialRanges.
func NewSpecial() *Set[Range] {
	s := New[Range]()
	for _, r := range SpecialRanges() {
		s.AddPrefix(r.Prefix, r)
	}
	return s
}

// Classifier tells special-purpose addresses from external ones.
type Classifier struct {
	special *Set[Range]
}

// NewClassifier returns a Classifier over SpecialRanges.
func NewClassifier() *Classifier { return &Classifier{special: NewSpecial()} }

// Classify returns the special range a is in, or ok false when a is external
// (or invalid). IPv4-mapped IPv6 addresses are classified as IPv4. It does
// not allocate.
func (c *Classifier) Classify(a netip.Addr) (r Range, ok bool) {
	e, ok := c.special.Lookup(a)
	return e.Value, ok
}

// IsSpecial reports whether a is in a special-purpose range (private,
// loopback, link-local, CGNAT, multicast, ...).
func (c *Classifier) IsSpecial(a netip.Addr) bool { return c.special.Contains(a) }
