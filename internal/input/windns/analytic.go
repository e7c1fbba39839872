package windns

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"

	"github.com/dnsvigil/dnsvigil/internal/dnsname"
	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/input/dnswire"
)

// analyticalChannel is the channel the analytical events are written to.
const analyticalChannel = provider + "/Analytical"

// Analytical event IDs (Microsoft-Windows-DNSServer).
const (
	eidQueryReceived  = 256
	eidResponseOK     = 257
	eidResponseFail   = 258
	eidIgnoredQuery   = 259
	eidRecurseOut     = 260
	eidRecurseIn      = 261
	eidRecurseTimeout = 262
	eidUpdateIn       = 263
	eidUpdateResponse = 264
	eidXFRFirst       = 265 // IXFR, AXFR and NOTIFY events: 265-278
	eidXFRLast        = 278
	eidLookupCNAME    = 279
	eidLookupAdd      = 280
)

var (
	errNoAddress = errors.New("no Source or Destination address")
	errNoXID     = errors.New("no XID")
	errNoName    = errors.New("no QNAME and no decodable PacketData")
	errNoTime    = errors.New("no event time")
)

// mapError is a record the mapping refused, with the reason it is counted
// under.
type mapError struct {
	reason string
	err    error
}

// analytic holds what the XML and JSON decoders share: the record being
// mapped, the pairing table, the DNS message parser and the counters.
type analytic struct {
	pairer
	server netip.Addr
	rec    record
	// strs holds the names of the current event; pkt the decoded
	// PacketData; qdns the header and question of a query's PacketData.
	strs []byte
	pkt  []byte
	qdns event.DNS
	wire dnswire.Parser
	// held says d.rec was read but not mapped yet: a query that waited too
	// long had to be emitted first.
	held bool
	eof  bool
	n    analyticCounts
}

type analyticCounts struct {
	ignored, timeouts, updates, xfr, internal, otherEID, otherChannel, noPacket, badPacket int64
}

func newAnalytic(s settings, cfg Config) analytic {
	a := analytic{pairer: newPairer(s.name, s.timeout, s.maxPending), server: cfg.Server}
	a.wire.HeaderOnly = s.headerOnly
	return a
}

// Counts reports the events by kind, pairing and the records skipped.
func (a *analytic) Counts() []input.Count {
	return counts(a.pairer.c.list(), []countEntry{
		{"ignored queries (259)", a.n.ignored},
		{"recursion timeouts (262)", a.n.timeouts},
		{"dynamic updates (263)", a.n.updates},
		{"zone transfer and notify events skipped", a.n.xfr},
		{"internal lookups skipped", a.n.internal},
		{"other event ids skipped", a.n.otherEID},
		{"other channels skipped", a.n.otherChannel},
		{"events without packet data", a.n.noPacket},
		{"packet data not decodable", a.n.badPacket},
	})
}

// Close drops the waiting queries.
func (a *analytic) Close() error {
	for a.spillOldest() {
	}
	return nil
}

// step maps the record in a.rec, held or just read, into ev. It reports
// whether ev holds an event.
func (a *analytic) step(ev *event.Event, src event.Source) (bool, *mapError) {
	a.held = false
	if !a.isDNSServer() {
		a.n.otherChannel++
		return false, nil
	}
	kind, ok := a.kind()
	if !ok {
		return false, nil
	}
	if a.rec.created.IsZero() {
		return false, &mapError{"bad event", errNoTime}
	}
	a.advance(a.rec.created)
	if a.expired() {
		a.held = true
		a.spillOldest()
		a.emitSpilled(ev)
		return true, nil
	}
	ev.Reset()
	var m message
	if err := a.message(ev, &m, kind, src); err != nil {
		return false, err
	}
	return a.dispatch(ev, &m, kind), nil
}

// eventKind is what the mapping does with an event.
type eventKind uint8

const (
	kindQuery eventKind = iota
	kindResponse
	kindClose // ignored query, recursion timeout: the query ends unanswered
)

// kind classifies the event ID, counting the ones that are skipped.
func (a *analytic) kind() (eventKind, bool) {
	switch id := a.rec.eventID; {
	case id == eidQueryReceived || id == eidRecurseOut || id == eidUpdateIn:
		return kindQuery, true
	case id == eidResponseOK || id == eidResponseFail || id == eidRecurseIn || id == eidUpdateResponse:
		return kindResponse, true
	case id == eidIgnoredQuery || id == eidRecurseTimeout:
		return kindClose, true
	case id >= eidXFRFirst && id <= eidXFRLast:
		a.n.xfr++
	case id == eidLookupCNAME || id == eidLookupAdd:
		a.n.internal++
	default:
		a.n.otherEID++
	}
	return 0, false
}

// isDNSServer reports whether the record comes from the analytical channel,
// or, when the export dropped the channel, from the DNS server's provider.
func (a *analytic) isDNSServer() bool {
	if len(a.rec.channel) > 0 {
		return bytes.EqualFold(a.rec.channel, []byte(analyticalChannel))
	}
	return bytes.EqualFold(a.rec.provider, []byte(provider))
}

// message builds m (and, for a response with packet data, the records in
// ev) from the record.
func (a *analytic) message(ev *event.Event, m *message, kind eventKind, src event.Source) *mapError {
	r := &a.rec
	id := r.eventID
	*m = message{time: r.created, line: src.Line, off: src.Offset, qclass: 1, response: kind == kindResponse,
		up: id == eidRecurseOut || id == eidRecurseIn || id == eidRecurseTimeout}
	remoteField := fSource
	if id == eidResponseOK || id == eidResponseFail || id == eidRecurseOut || id == eidRecurseTimeout || id == eidUpdateResponse {
		remoteField = fDestination
	}
	remote, ok := a.addr(remoteField)
	if !ok {
		return &mapError{"bad address", errNoAddress}
	}
	port, _ := a.uint(fPort, 0xFFFF)
	m.remote = netip.AddrPortFrom(remote, uint16(port))
	if local, ok := a.addr(fInterfaceIP); ok && !local.IsUnspecified() {
		m.local = netip.AddrPortFrom(local, 0)
	} else if a.server.IsValid() {
		m.local = netip.AddrPortFrom(a.server, 0)
	}
	if v, ok := r.get(fTCP); ok {
		m.tr = event.TransportUDP
		if isTrue(v) {
			m.tr = event.TransportTCP
		}
	}
	xid, ok := a.uint(fXID, 0xFFFF)
	if !ok {
		return &mapError{"bad event", errNoXID}
	}
	m.xid = uint16(xid)
	if id == eidUpdateIn || id == eidUpdateResponse {
		m.opcode = 5
	}
	if kind != kindClose && a.fromPacket(ev, m) {
		return nil
	}
	return a.fromFields(m)
}

// fromPacket fills m's DNS fields from PacketData, the message as sent, and
// for a response its records into ev. It reports false when there is no
// packet data or it does not decode.
func (a *analytic) fromPacket(ev *event.Event, m *message) bool {
	v, ok := a.rec.get(fPacketData)
	if !ok || len(v) == 0 {
		a.n.noPacket++
		return false
	}
	var err error
	if a.pkt, err = appendHex(a.pkt[:0], v); err != nil || len(a.pkt) < 12 {
		a.n.badPacket++
		return false
	}
	d := &a.qdns
	if m.response {
		d = &ev.DNS
	}
	if _, err := a.wire.Parse(a.pkt, d); err != nil || d.QName == "" {
		a.n.badPacket++
		clearDNS(d)
		return false
	}
	m.flags, m.known, m.opcode = d.Flags&^event.FlagQR, true, d.Opcode
	m.qname, m.qtype, m.qclass, m.size = d.QName, d.QType, d.QClass, len(a.pkt)
	if !m.response {
		return true
	}
	// The pairing decides whether the event has its query; a packet that
	// is not a response leaves the rcode to the event's RCODE field.
	m.flags |= event.FlagQR
	m.rcode = d.RCode
	if !d.HasResponse {
		m.rcode = event.RcodeUnknown
		if rc, ok := a.uint(fRCODE, 0xFFF); ok {
			m.rcode = uint16(rc)
		}
	}
	d.HasQuery, d.QuerySize = false, 0
	return true
}

// clearDNS empties d after a failed parse, keeping its slices' capacity.
func clearDNS(d *event.DNS) {
	*d = event.DNS{Answers: d.Answers[:0], Authority: d.Authority[:0], Additional: d.Additional[:0]}
}

// fromFields fills m's DNS fields from the event's own fields.
func (a *analytic) fromFields(m *message) *mapError {
	r := &a.rec
	name, ok := r.get(fQNAME)
	if !ok || len(bytes.TrimSpace(name)) == 0 || len(name) > maxNameBytes {
		return &mapError{"bad event", errNoName}
	}
	a.strs = dnsname.AppendPresentation(a.strs[:0], view(bytes.TrimSpace(name)))
	m.qname = view(a.strs)
	if v, ok := r.get(fQTYPE); ok {
		m.qtype, _ = typeCode(bytes.TrimSpace(v))
	}
	if f, ok := a.uint(fFlags, 0xFFFF); ok {
		m.flags, m.known = headerFlags(byte(f>>8), byte(f)), true
		m.opcode = uint8(f>>11) & 0xF
		if !m.response {
			m.flags &^= event.FlagQR
		}
	} else {
		m.flags = a.boolFlags()
		_, m.known = r.get(fRD)
	}
	if m.response {
		m.flags |= event.FlagQR
		m.rcode = event.RcodeUnknown
		if rc, ok := a.uint(fRCODE, 0xFFF); ok {
			m.rcode = uint16(rc)
		}
	}
	if n, ok := a.uint(fBufferSize, 0xFFFF); ok {
		m.size = int(n)
	}
	return nil
}

// boolFlags reads the RD, AA and AD fields of events without Flags.
func (a *analytic) boolFlags() event.Flags {
	var f event.Flags
	for _, b := range [...]struct {
		f    field
		flag event.Flags
	}{{fRD, event.FlagRD}, {fAA, event.FlagAA}, {fAD, event.FlagAD}} {
		if v, ok := a.rec.get(b.f); ok && isTrue(v) {
			f |= b.flag
		}
	}
	return f
}

// dispatch pairs or stores m and reports whether ev holds an event.
func (a *analytic) dispatch(ev *event.Event, m *message, kind eventKind) bool {
	switch kind {
	case kindResponse:
		a.respond(ev, m)
		return true
	case kindClose:
		if a.rec.eventID == eidIgnoredQuery {
			a.n.ignored++
		} else {
			a.n.timeouts++
		}
		if i, ok := a.pend.get(m.key()); ok {
			a.spill(i)
			a.emitSpilled(ev)
			return true
		}
		a.alone(ev, m)
		return true
	}
	if a.rec.eventID == eidUpdateIn {
		a.n.updates++
	}
	if a.store(m) {
		a.emitSpilled(ev)
		return true
	}
	return false
}

// addr parses an address field; a scope (fe80::1%12) is kept.
func (a *analytic) addr(f field) (netip.Addr, bool) {
	v, ok := a.rec.get(f)
	if !ok {
		return netip.Addr{}, false
	}
	addr, err := netip.ParseAddr(view(bytes.TrimSpace(v)))
	return addr, err == nil
}

// uint parses a decimal (or 0x hexadecimal) field of at most limit.
func (a *analytic) uint(f field, limit uint64) (uint64, bool) {
	v, ok := a.rec.get(f)
	if !ok {
		return 0, false
	}
	v = bytes.TrimSpace(v)
	n, ok := atou(v)
	if !ok && len(v) > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X') {
		n, ok = atoh(v)
	}
	return n, ok && n <= limit
}

// isTrue reads a boolean field: 1 or true.
func isTrue(v []byte) bool {
	v = bytes.TrimSpace(v)
	return string(v) == "1" || bytes.EqualFold(v, []byte("true"))
}

var errHex = errors.New("packet data is not hexadecimal")

// appendHex decodes PacketData, hexadecimal with or without 0x, to dst.
func appendHex(dst, v []byte) ([]byte, error) {
	v = bytes.TrimSpace(v)
	if len(v) > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X') {
		v = v[2:]
	}
	if len(v)%2 != 0 {
		return dst, errHex
	}
	for i := 0; i < len(v); i += 2 {
		h, ok1 := hexDigit(v[i])
		l, ok2 := hexDigit(v[i+1])
		if !ok1 || !ok2 {
			return dst, errHex
		}
		dst = append(dst, h<<4|l)
	}
	return dst, nil
}

// recordError builds the error for a record the mapping refused.
func (a *analytic) recordError(src event.Source, reason string, err error) error {
	return &input.RecordError{File: a.name, Line: src.Line, Offset: src.Offset, Reason: reason, Err: fmt.Errorf("event %d: %w", a.rec.eventID, err)}
}
