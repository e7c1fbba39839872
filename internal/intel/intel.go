// Package intel loads threat intelligence about DNS infrastructure (domain
// names, IP addresses and networks) and matches DNS activity against it, so
// that an alert can say "the name server ns1.evil-c2.test is on intel list Y"
// and name the list entry that matched.
//
// # Formats
//
// LoadFile and Load recognise the format from the content:
//
//   - STIX 2.1 bundles (a JSON object with "type": "bundle"). Indicators
//     whose pattern_type is "stix" and whose pattern is one comparison, or an
//     OR of comparisons (inside one observation or between observations), on
//     domain-name:value, ipv4-addr:value, ipv6-addr:value (with = or
//     ISSUBSET, CIDR values allowed) or url:value (the URL's host is taken).
//     The cyber-observable objects domain-name, ipv4-addr and ipv6-addr are
//     taken directly. The Label is the indicator's name, else its
//     description, else its indicator_types.
//   - MISP JSON: an event export ({"Event": {...}}), a list of them, and the
//     REST API's {"response": [...]} wrapper (of events, or of
//     {"Attribute": [...]}). Attributes of the event and of its objects with
//     type domain, hostname, ip-dst, ip-src, domain|ip, hostname|port,
//     ip-dst|port and ip-src|port give the parts that are a name or an
//     address. Attributes with to_ids false are kept with ToIDs false. The
//     Label is the event's info, with the attribute's comment after a colon.
//   - Plain lists: one domain, IP address or CIDR per line; "#" starts a
//     comment (a whole line or the end of one; a trailing comment becomes
//     the Label); blank lines are ignored; a leading "*." on a domain is
//     dropped; case does not matter.
//
// Anything else is skipped and counted in Stats.Skipped: STIX objects of
// other types (malware, relationship, custom "x-..." objects), revoked
// objects, MISP attributes of other types or marked deleted. Records that
// were meant as intelligence but cannot be used are also counted in
// Stats.Faulty, and the first MaxProblems of them are kept in Stats.Problems
// as *LoadError naming the file, the line (for lists, and for STIX objects)
// and the object or attribute id: malformed JSON objects, STIX patterns with
// AND, FOLLOWEDBY, NOT, qualifiers or other operators and paths, non-STIX
// pattern types, and values that are not a valid name, address or network.
// One bad record never stops a load: the rest of the file is taken.
//
// STIX objects are decoded one by one with encoding/json, using the object
// vocabulary of github.com/TcM1911/stix2 (type names, identifier checks).
// That library's FromJSON is not used: it rejects a whole bundle when one
// object is malformed (an invalid identifier, a bad timestamp) and panics on
// some hostile input (a numeric "type", a numeric timestamp).
//
// # Values
//
// A domain is kept in dnsvigil's canonical form: lowercase, no trailing
// dot, internationalised names in their ASCII (xn--) form. It must have at
// least two labels (a listed top-level domain would match everything below
// it) and a top-level label that is not all digits (a mistyped address). An
// address is kept as a prefix (/32 or /128 for a single address) with
// IPv4-mapped IPv6 forms turned into IPv4; a CIDR with bits set beyond its
// mask is an error rather than a silently widened network.
//
// # Matching
//
// A Set answers two questions without allocating. MatchName reports the
// listed domain that equals a name or is a parent of it, at a label
// boundary: evil-c2.test covers ns1.evil-c2.test but not notevil-c2.test,
// and a dot escaped inside a label (`a\.evil-c2.test` is one label "a.evil-c2"
// under "test") is not a boundary. The most specific listed domain wins.
// MatchAddr reports the most specific listed prefix that contains an
// address, IPv4-mapped IPv6 addresses being looked up as IPv4. When the same
// value is listed more than once, the first entry with ToIDs true wins, else
// the first entry.
package intel

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// Kind says what an Indicator's Value is.
type Kind uint8

const (
	// Domain is a domain name; it covers its subdomains.
	Domain Kind = iota + 1
	// Addr is an IP address or network in prefix form.
	Addr
)

func (k Kind) String() string {
	switch k {
	case Domain:
		return "domain"
	case Addr:
		return "addr"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Indicator is one domain name or network from an intelligence source.
type Indicator struct {
	Kind Kind
	// Value is the canonical form: a lowercase domain without the trailing
	// dot, or a netip.Prefix string ("203.0.113.0/24", "203.0.113.53/32").
	Value string
	// Source says where the entry came from, for an analyst to find it:
	// "intel.json (STIX indicator--<uuid> 'name')", "feed.txt:12",
	// "misp.json (MISP event <uuid> attribute <uuid>)".
	Source string
	// Label is the entry's name, description or category, when it has one.
	Label string
	// ToIDs is false for MISP attributes not flagged for detection.
	ToIDs bool
}

// MaxProblems is the number of faulty records a load keeps in
// Stats.Problems; the rest are only counted.
const MaxProblems = 20

// Stats counts what a load took and what it skipped.
type Stats struct {
	// Loaded is the number of indicators taken.
	Loaded int
	// Skipped is the number of records (STIX objects or pattern
	// comparisons, MISP attributes, list lines) not taken, for any reason.
	Skipped int
	// Faulty is the part of Skipped that was meant as intelligence but was
	// malformed or unsupported.
	Faulty int
	// Problems holds the first MaxProblems faulty records as *LoadError.
	Problems []error
}

// LoadError describes one record that could not be used.
type LoadError struct {
	// File is the name the load was given.
	File string
	// Line is the 1-based line of the record, 0 when unknown.
	Line int
	// Object is the STIX id or MISP attribute id, when there is one.
	Object string
	// Reason is a short, stable category ("bad line", "unsupported pattern").
	Reason string
	// Err is the detail.
	Err error
}

func (e *LoadError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
	}
	if e.Object != "" {
		loc += ": " + e.Object
	}
	if e.Err != nil {
		return loc + ": " + e.Reason + ": " + e.Err.Error()
	}
	return loc + ": " + e.Reason
}

func (e *LoadError) Unwrap() error { return e.Err }

// MaxFileSize bounds the size of a file LoadFile reads.
const MaxFileSize = 256 << 20

// LoadFile reads the intelligence file at path, recognises its format and
// loads it. The error is for the file as a whole (unreadable, too large, in
// no known format, or a JSON document that is not valid); problems with
// single records are in Stats.
func LoadFile(path string) ([]Indicator, Stats, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, Stats{}, fmt.Errorf("open intel file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, Stats{}, fmt.Errorf("stat intel file: %w", err)
	}
	if fi.Size() > MaxFileSize {
		return nil, Stats{}, fmt.Errorf("intel file %s: %d bytes is over the limit of %d", path, fi.Size(), MaxFileSize)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, Stats{}, fmt.Errorf("read intel file: %w", err)
	}
	return Load(path, data)
}

// Format is an intelligence file format.
type Format uint8

const (
	// FormatList is a plain list of names, addresses and networks.
	FormatList Format = iota + 1
	// FormatSTIX is a STIX 2.1 bundle.
	FormatSTIX
	// FormatMISP is a MISP JSON event export or REST API response.
	FormatMISP
)

func (f Format) String() string {
	switch f {
	case FormatList:
		return "list"
	case FormatSTIX:
		return "stix"
	case FormatMISP:
		return "misp"
	}
	return "format(" + strconv.Itoa(int(f)) + ")"
}

// Load recognises the format of data and loads it; name is used in
// Sources and errors.
func Load(name string, data []byte) ([]Indicator, Stats, error) {
	f, err := Sniff(data)
	if err != nil {
		return nil, Stats{}, fmt.Errorf("intel file %s: %w", name, err)
	}
	c := &collector{name: name}
	switch f {
	case FormatSTIX:
		err = c.stix(data)
	case FormatMISP:
		err = c.misp(data)
	default:
		err = c.list(bytes.NewReader(data))
	}
	if err != nil {
		return nil, Stats{}, fmt.Errorf("intel file %s: %w", name, err)
	}
	return c.inds, c.st, nil
}

// collector gathers the indicators and counts of one load.
type collector struct {
	name string
	inds []Indicator
	st   Stats
}

func (c *collector) add(ind Indicator) {
	c.inds = append(c.inds, ind)
	c.st.Loaded++
}

// skip counts a record that carries nothing to take.
func (c *collector) skip() { c.st.Skipped++ }

// fault counts a record that could not be used and keeps its problem.
func (c *collector) fault(line int, object, reason string, err error) {
	c.st.Skipped++
	c.st.Faulty++
	if len(c.st.Problems) < MaxProblems {
		c.st.Problems = append(c.st.Problems, &LoadError{File: c.name, Line: line, Object: object, Reason: reason, Err: err})
	}
}
