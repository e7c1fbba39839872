// Package dnswire decodes one DNS message in wire format into the fields of an
// event.DNS. Every input that carries raw DNS messages (pcap, dnstap) uses it,
// so a name looks the same whichever capture it came from.
//
// The fast path is golang.org/x/net/dns/dnsmessage's Parser: the header and
// question always, then, for responses, a lazy walk of the answer, authority
// and additional records. Names are written in dnsvigil's canonical form
// (package dnsname) into a byte buffer the Parser owns and reuses, and the
// strings placed in the event point into that buffer, so a typical message
// decodes without allocating.
//
// dnsmessage refuses some names that real servers send and attackers choose on
// purpose, such as a label holding a dot. Dropping those messages would hide
// them, so whenever dnsmessage reports an error the message is decoded again
// with miekg/dns, which keeps label boundaries (`attacker\.example.test`). The
// Status result says which path decoded a message so callers can count
// fallbacks. A message whose header and questions neither parser can read is
// an error (ErrMalformed); one whose later records are damaged keeps what was
// read before the damage (StatusPartial).
package dnswire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/dnsvigil/dnsvigil/internal/event"
)

// MaxRecords caps the resource records decoded from one message (all sections
// together, not counting OPT). Records beyond it are skipped and counted in
// Parser.Skipped. It bounds the buffer one hostile message can fill: a 64 KiB
// message of compression pointers could otherwise expand to megabytes of names.
const MaxRecords = 256

// ErrMalformed is returned (wrapped) for a message whose header or question
// section neither dnsmessage nor miekg/dns can decode.
var ErrMalformed = errors.New("malformed dns message")

// Status says how a message was decoded.
type Status uint8

// Decoding outcomes.
const (
	// StatusFast means dnsmessage decoded the whole message.
	StatusFast Status = iota
	// StatusFallback means dnsmessage refused the message and miekg/dns
	// decoded it.
	StatusFallback
	// StatusPartial means the header and question were decoded but a later
	// record was malformed; the records before it are kept.
	StatusPartial
)

var statusNames = [...]string{"fast", "fallback", "partial"}

// String returns the lowercase name of s.
func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "unknown"
}

// Parser decodes DNS messages. The zero value is ready to use. A Parser is not
// safe for concurrent use.
//
// Ownership: the strings Parse places in an event.DNS (QName, RR names and
// data) point into a buffer owned by the Parser. They are valid until the next
// call to Parse; a caller keeping one longer must copy it.
type Parser struct {
	// HeaderOnly skips the answer, authority and additional sections and
	// decodes only the header and the question, for runs whose detectors
	// read no records. The EDNS extended rcode, carried in the additional
	// section, is then not read.
	HeaderOnly bool

	msg     dnsmessage.Parser
	buf     []byte // names and rdata of the current message
	scratch []byte // one name being built on the fallback path
	raw     []byte // the message being parsed
	rrSeen  int    // records walked so far, OPT and skipped ones included
	cursor  int    // wire offset of the current record, -1 when not tracked
	decoded int    // records decoded into the event

	// The last owner name written, raw and canonical (see ownerName).
	lastRaw  [255]byte
	lastLen  int
	lastName string
	haveLast bool

	// Skipped counts records left out because a message had more than
	// MaxRecords.
	Skipped int64
}

// Parse decodes msg into d. It sets ID, Flags, Opcode, QName, QType, QClass
// and, for a query, HasQuery and QuerySize with RCode set to
// event.RcodeUnknown; for a response, HasResponse, ResponseSize, RCode (with
// the EDNS extended bits) and the records, appended to d's slices after
// truncating them. Other fields of d are left alone. Only the first question
// is kept. Queries' record sections are not decoded.
//
// On error d holds no useful values; the error wraps ErrMalformed.
func (p *Parser) Parse(msg []byte, d *event.DNS) (Status, error) {
	if p.buf == nil {
		p.buf = make([]byte, 0, 1024)
	}
	p.start(msg, d)
	if err := p.parseFast(msg, d); err == nil {
		return StatusFast, nil
	}
	p.start(msg, d)
	return p.parseFallback(msg, d)
}

func (p *Parser) start(msg []byte, d *event.DNS) {
	p.buf = p.buf[:0]
	p.raw = msg
	p.rrSeen, p.decoded, p.cursor = 0, 0, -1
	p.haveLast = false
	d.Answers, d.Authority, d.Additional = d.Answers[:0], d.Authority[:0], d.Additional[:0]
	d.QName, d.QType, d.QClass = "", 0, 0
}

// str returns the bytes appended to p.buf since start as a string sharing
// p.buf's memory.
func (p *Parser) str(start int) string {
	if len(p.buf) == start {
		return ""
	}
	return unsafe.String(&p.buf[start], len(p.buf)-start)
}

// setHeader fills the header fields common to both decoding paths. rcode is
// the 4-bit header rcode; EDNS bits are folded in later.
func setHeader(d *event.DNS, id uint16, flags event.Flags, opcode uint8, rcode uint16, size int) {
	d.ID, d.Flags, d.Opcode, d.FlagsKnown = id, flags, opcode, true
	if flags.Has(event.FlagQR) {
		d.HasResponse, d.ResponseSize, d.RCode = true, size, rcode
		return
	}
	d.HasQuery, d.QuerySize, d.RCode = true, size, event.RcodeUnknown
}

// extendRCode folds the upper eight bits of an EDNS extended rcode, carried
// in the OPT record's TTL, into rcode (RFC 6891 §6.1.3).
func extendRCode(rcode uint16, ttl uint32) uint16 {
	return rcode | uint16(ttl>>24)<<4
}

// qdcount reads the question count from a message header.
func qdcount(msg []byte) int {
	if len(msg) < 12 {
		return 0
	}
	return int(binary.BigEndian.Uint16(msg[4:6]))
}

func malformed(err error) error {
	return fmt.Errorf("%w: %w", ErrMalformed, err)
}
