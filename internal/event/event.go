// Package event defines the normalized Event that every decoder fills and every
// detector reads. It depends on the standard library only: no third-party DNS,
// packet or log types leak into it, so decoders and detectors stay independent.
//
// Ownership: strings and slices inside an Event are owned by the decoder that
// filled it and are valid until that decoder's next call to Next. A consumer
// that keeps a value beyond that (a map key, a sample list) must copy it with
// strings.Clone or slices.Clone. Reset keeps slice capacity so a decoder can
// refill the same Event without allocating.
package event

import (
	"net/netip"
	"time"
)

// Kind says which part of an Event is meaningful.
type Kind uint8

// Event kinds.
const (
	KindUnknown  Kind = iota
	KindDNS           // a DNS query, response, or both paired (Event.DNS)
	KindConn          // a network connection summary (Event.Conn)
	KindRegistry      // a registry value change (Event.Registry)
	KindProcess       // a process start or command line (Event.Process)
)

var kindNames = [...]string{"unknown", "dns", "conn", "registry", "process"}

// String returns the lowercase name of k.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Transport is how a DNS message or connection travelled.
type Transport uint8

// Transports. DoT is DNS over TLS (TCP 853), DoH DNS over HTTPS, DoQ DNS over QUIC.
const (
	TransportUnknown Transport = iota
	TransportUDP
	TransportTCP
	TransportDoT
	TransportDoH
	TransportDoQ
)

var transportNames = [...]string{"unknown", "udp", "tcp", "dot", "doh", "doq"}

// String returns the lowercase name of t ("udp", "tcp", "dot", ...).
func (t Transport) String() string {
	if int(t) < len(transportNames) {
		return transportNames[t]
	}
	return "unknown"
}

// ParseTransport maps a name as written by String (case-sensitive, lowercase)
// back to a Transport; unknown names give TransportUnknown.
func ParseTransport(s string) Transport {
	for i, n := range transportNames {
		if n == s {
			return Transport(i)
		}
	}
	return TransportUnknown
}

// Event is one normalized observation. Only the part named by Kind is
// meaningful; the context parts (Host, Process, Source, Enrich) may be set for
// any kind.
type Event struct {
	Kind Kind
	// Time is the event's own timestamp: for a paired DNS exchange the time of
	// the query (or of the response when no query was seen).
	Time time.Time
	// Client and Server are the two ends: for DNS the asker and the server
	// asked, for a connection the originator and the responder. A zero AddrPort
	// (IsValid false) means unknown; a valid address with port 0 means the
	// port is unknown.
	Client    netip.AddrPort
	Server    netip.AddrPort
	Transport Transport

	DNS      DNS
	Conn     Conn
	Registry Registry
	Host     Host
	Process  Process

	// Source says where the event was read from, for error messages and
	// evidence.
	Source Source
	// Enrich holds what inline enrichers computed; detectors read it and never
	// call an enricher themselves.
	Enrich Enrich
}

// Reset clears ev for reuse, keeping the capacity of its slices.
func (ev *Event) Reset() {
	an, au, ad := ev.DNS.Answers[:0], ev.DNS.Authority[:0], ev.DNS.Additional[:0]
	*ev = Event{}
	ev.DNS.Answers, ev.DNS.Authority, ev.DNS.Additional = an, au, ad
}

// Source locates an event in its input.
type Source struct {
	// Name is the file name (or "-" / a sensor name for streams).
	Name string
	// Line is the 1-based line for text inputs, 0 when not applicable.
	Line int64
	// Offset is the byte offset of the record in the (decompressed) input,
	// or -1 when not known.
	Offset int64
}

// Flags are DNS header bits.
type Flags uint16

// DNS header flag bits.
const (
	FlagQR Flags = 1 << iota // response
	FlagAA                   // authoritative answer
	FlagTC                   // truncated
	FlagRD                   // recursion desired
	FlagRA                   // recursion available
	FlagAD                   // authentic data
	FlagCD                   // checking disabled
)

// Has reports whether all bits of f2 are set in f.
func (f Flags) Has(f2 Flags) bool { return f&f2 == f2 }

// String lists the set flags in wire order, lowercase, space separated
// ("qr rd ra").
func (f Flags) String() string {
	var buf [24]byte
	b := buf[:0]
	for i, n := range [...]string{"qr", "aa", "tc", "rd", "ra", "ad", "cd"} {
		if f&(1<<i) != 0 {
			if len(b) > 0 {
				b = append(b, ' ')
			}
			b = append(b, n...)
		}
	}
	return string(b)
}

// Common RR types and rcodes used by detectors; the full range is carried as
// plain numbers.
const (
	TypeA     uint16 = 1
	TypeNS    uint16 = 2
	TypeCNAME uint16 = 5
	TypeSOA   uint16 = 6
	TypeNULL  uint16 = 10
	TypePTR   uint16 = 12
	TypeMX    uint16 = 15
	TypeTXT   uint16 = 16
	TypeAAAA  uint16 = 28
	TypeSRV   uint16 = 33
	TypeHTTPS uint16 = 65
	TypeANY   uint16 = 255

	RcodeNoError  uint16 = 0
	RcodeServFail uint16 = 2
	RcodeNXDomain uint16 = 3
	RcodeRefused  uint16 = 5

	// RcodeUnknown marks an event whose response (and so rcode) was not seen.
	RcodeUnknown uint16 = 0xFFFF
)

// DNS is one DNS exchange: a query, a response, or both when a decoder paired
// them. Names are canonical: lowercase ASCII, no trailing dot, presentation
// escapes for bytes that are not plain (a dot inside a label is "\.", a NUL
// byte "\000", a space "\ "), so label boundaries survive. The root is ".".
type DNS struct {
	ID    uint16
	Flags Flags // header flags of the response when seen, else of the query
	// FlagsKnown is true when Flags hold header bits as sent on the wire
	// (pcap, dnstap) or as a sensor logged them (Zeek's RD column); endpoint
	// logs that never see a header leave it false, and their Flags say
	// nothing about recursion desired.
	FlagsKnown bool
	Opcode     uint8
	// RCode is the response code (extended with EDNS when present), or
	// RcodeUnknown when no response was seen.
	RCode  uint16
	QName  string
	QType  uint16
	QClass uint16

	// HasQuery and HasResponse say which messages were seen. RTT is the time
	// from query to response when both were.
	HasQuery    bool
	HasResponse bool
	RTT         time.Duration
	// QuerySize and ResponseSize are the DNS message lengths in bytes (0 when
	// not seen or not known).
	QuerySize    int
	ResponseSize int

	Answers    []RR
	Authority  []RR
	Additional []RR
}

// RR is one resource record. Data is the presentation form of the RDATA for
// the common types (an address, a target name, quoted text, SOA fields) and
// empty when a decoder did not decode it.
type RR struct {
	Name  string
	Type  uint16
	Class uint16
	TTL   uint32
	Data  string
}

// Conn summarises one network connection or flow.
type Conn struct {
	// Proto is the IP protocol number (6 TCP, 17 UDP).
	Proto     uint8
	Duration  time.Duration
	OrigBytes int64
	RespBytes int64
	OrigPkts  int64
	RespPkts  int64
	// Service is the application protocol a sensor named ("dns", "ssl", ...).
	Service string
	// State is the sensor's connection state (Zeek conn_state), if any.
	State string
}

// Host is the endpoint an event was observed on, when the telemetry says.
type Host struct {
	Name string
	ID   string
	User string
}

// Process is the process that caused an event, when known.
type Process struct {
	PID         int64
	Image       string
	CommandLine string
	ParentImage string
	User        string
}

// Registry is a Windows registry value change.
type Registry struct {
	Op        string // "set", "delete", "create", ...
	Key       string
	ValueName string
	Data      string
}

// Enrich holds values computed by inline enrichers from the rest of the Event.
// Strings here follow the same ownership rule as the Event's.
type Enrich struct {
	// Domain is the registrable domain (eTLD+1) of DNS.QName, empty when the
	// name has none (a bare public suffix, a single label, an IP literal).
	Domain string
	// Suffix is the public suffix of DNS.QName.
	Suffix string
	// Labels is the number of labels in DNS.QName.
	Labels int
}
