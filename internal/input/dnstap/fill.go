package dnstap

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"time"

	dt "github.com/dnstap/golang-dnstap"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input/dnswire"
)

// maxIdentity caps the identity kept from a message; servers send a host
// name or a configured label.
const maxIdentity = 255

// Errors of fill. errNoPayload is not a bad record: dnstap lets a server log
// a message without its DNS bytes, and such a message is skipped and counted.
var (
	errNoPayload   = errors.New("message carries no dns payload")
	errNoType      = errors.New("message type missing or unknown")
	errBadAddress  = errors.New("address is neither 4 nor 16 bytes")
	errBadTime     = errors.New("timestamp out of range")
	errNoTimestamp = errors.New("message carries no timestamp")
	errTooLong     = fmt.Errorf("dns message over %d bytes", maxDNSMessage)
)

// maxDNSMessage is the longest DNS message any transport carries.
const maxDNSMessage = 65535

// protocolDOQ is SocketProtocol DOQ, added to dnstap.proto after
// golang-dnstap v0.4.0.
const protocolDOQ = 7

// reasonOf returns the RecordError reason for an error of fill.
func reasonOf(err error) string {
	switch {
	case errors.Is(err, errProtobuf):
		return "bad protobuf"
	case errors.Is(err, errNoType):
		return "unknown message type"
	case errors.Is(err, errBadAddress):
		return "bad address"
	case errors.Is(err, errBadTime), errors.Is(err, errNoTimestamp):
		return "bad timestamp"
	case errors.Is(err, dnswire.ErrMalformed), errors.Is(err, errTooLong):
		return "malformed dns message"
	}
	return "bad message"
}

// maxUnixSec bounds a timestamp: seconds beyond it (year 5138) are treated
// as damage, not as a time.
const maxUnixSec = 1 << 37

// mapper turns dnstap data frames into events: the decoding shared by the
// file Decoder and each connection of a Listener. It keeps the reused
// message, the DNS parser, the identity last converted and the counters. A
// mapper is not safe for concurrent use.
type mapper struct {
	msg    message
	parser dnswire.Parser
	// identity is the string form of the last identity seen, kept so that
	// a stream from one server converts it once.
	identity    string
	identityRaw []byte
	// typ is the message type of the event last filled.
	typ dt.Message_Type
	c   counters
}

// decode maps one data frame onto ev, which it resets; the caller sets
// ev.Source. It returns true when ev holds an event; false with a nil error
// for a frame that gives none (not a MESSAGE, or without the DNS payload its
// type needs), and an error for a bad frame, whose RecordError reason is
// reasonOf(err). Each outcome is counted. It does not allocate for a
// well-formed frame.
func (m *mapper) decode(frame []byte, ev *event.Event) (bool, error) {
	m.c[cFrames]++
	if err := m.msg.unmarshal(frame); err != nil {
		m.c[cBad]++
		return false, err
	}
	if m.msg.tapType != tapMessage {
		m.c[cNotMessage]++
		return false, nil
	}
	ev.Reset()
	if err := m.fill(ev, &m.msg); err != nil {
		if errors.Is(err, errNoPayload) {
			m.c[cNoPayload]++
			return false, nil
		}
		m.c[cBad]++
		return false, err
	}
	return true, nil
}

// setIdentity converts raw to a string, reusing the previous conversion when
// the identity did not change.
func (m *mapper) setIdentity(raw []byte) {
	if m.identity != "" && bytes.Equal(raw, m.identityRaw) {
		return
	}
	if len(raw) > maxIdentity {
		raw = raw[:maxIdentity]
	}
	m.identityRaw = append(m.identityRaw[:0], raw...)
	m.identity = string(raw)
}

// fill maps one dnstap message onto ev, which the caller has reset. Every
// message type maps the same way: the query address and port are the asker
// (ev.Client), the response address and port the server asked (ev.Server),
// whichever side the server writing dnstap was on. A *_QUERY type gives an
// event with HasQuery from query_message and query_time; a *_RESPONSE type
// one with HasResponse from response_message and response_time (query_time
// when the response time is absent).
func (m *mapper) fill(ev *event.Event, msg *message) error {
	if !msg.hasMessage || msg.typ == 0 {
		return errNoType
	}
	typ := dt.Message_Type(msg.typ)
	if typ < dt.Message_AUTH_QUERY || typ > dt.Message_UPDATE_RESPONSE {
		return fmt.Errorf("%w: %d", errNoType, msg.typ)
	}
	m.typ = typ
	m.setIdentity(msg.identity)
	query := typ%2 == 1

	payload := msg.response
	if query {
		payload = msg.query
	}
	switch {
	case len(payload) == 0:
		return errNoPayload
	case len(payload) > maxDNSMessage:
		return fmt.Errorf("%w: %d bytes", errTooLong, len(payload))
	}
	t, err := messageTime(msg, query)
	if err != nil {
		return err
	}
	ev.Kind, ev.Time = event.KindDNS, t
	ev.Transport = transport(msg.protocol)
	if ev.Client, err = addrPort(msg.queryAddr, msg.queryPort); err != nil {
		return fmt.Errorf("query address: %w", err)
	}
	if ev.Server, err = addrPort(msg.respAddr, msg.respPort); err != nil {
		return fmt.Errorf("response address: %w", err)
	}
	if senderAsks(typ) {
		ev.Host.Name = m.identity
	}
	return m.parse(ev, typ, payload)
}

// parse decodes the DNS payload of a message of type typ into ev.DNS.
func (m *mapper) parse(ev *event.Event, typ dt.Message_Type, payload []byte) error {
	st, err := m.parser.Parse(payload, &ev.DNS)
	if err != nil {
		return fmt.Errorf("%s: %w", typ, err)
	}
	switch st {
	case dnswire.StatusFallback:
		m.c[cFallback]++
	case dnswire.StatusPartial:
		m.c[cPartial]++
	}
	m.c[cTypes+int(typ)]++
	query := typ%2 == 1
	if ev.DNS.HasQuery == query {
		return nil
	}
	// The QR bit disagrees with the message type; the type decides.
	m.c[cQRMismatch]++
	ev.DNS.HasQuery, ev.DNS.HasResponse = query, !query
	if query {
		ev.DNS.QuerySize, ev.DNS.ResponseSize, ev.DNS.RCode = len(payload), 0, event.RcodeUnknown
	} else {
		ev.DNS.QuerySize, ev.DNS.ResponseSize = 0, len(payload)
	}
	return nil
}

// senderAsks reports whether the server writing dnstap is the asker for
// messages of typ: a resolver recursing or forwarding, a stub, a tool. For
// CLIENT_*, AUTH_* and UPDATE_* it is the server asked.
func senderAsks(typ dt.Message_Type) bool {
	switch typ {
	case dt.Message_RESOLVER_QUERY, dt.Message_RESOLVER_RESPONSE,
		dt.Message_FORWARDER_QUERY, dt.Message_FORWARDER_RESPONSE,
		dt.Message_STUB_QUERY, dt.Message_STUB_RESPONSE,
		dt.Message_TOOL_QUERY, dt.Message_TOOL_RESPONSE:
		return true
	}
	return false
}

// messageTime returns the query time for a query and the response time (or
// the query time when absent) for a response. Nanoseconds above 999999999
// are carried into the seconds, as time.Unix does.
func messageTime(msg *message, query bool) (time.Time, error) {
	sec, nsec := msg.respTimeSec, msg.respNsec
	if query || msg.has&hasRespTime == 0 {
		if msg.has&hasQueryTime == 0 {
			return time.Time{}, errNoTimestamp
		}
		sec, nsec = msg.queryTimeSec, msg.queryNsec
	}
	if sec > maxUnixSec {
		return time.Time{}, fmt.Errorf("%w: %d seconds", errBadTime, sec)
	}
	return time.Unix(int64(sec), int64(nsec)).UTC(), nil
}

// addrPort returns the address and port of one side, the zero AddrPort when
// the message does not carry the address.
func addrPort(a []byte, port uint32) (netip.AddrPort, error) {
	if len(a) == 0 {
		return netip.AddrPort{}, nil
	}
	ip, ok := netip.AddrFromSlice(a)
	if !ok {
		return netip.AddrPort{}, fmt.Errorf("%w: %d bytes", errBadAddress, len(a))
	}
	if port > math.MaxUint16 {
		port = 0
	}
	return netip.AddrPortFrom(ip, uint16(port)), nil
}

// transport maps the dnstap socket protocol. DoQ (7) comes from newer
// versions of the schema; DNSCrypt (5, 6), other numbers and an absent
// protocol map to TransportUnknown.
func transport(p int32) event.Transport {
	switch dt.SocketProtocol(p) {
	case dt.SocketProtocol_UDP:
		return event.TransportUDP
	case dt.SocketProtocol_TCP:
		return event.TransportTCP
	case dt.SocketProtocol_DOT:
		return event.TransportDoT
	case dt.SocketProtocol_DOH:
		return event.TransportDoH
	case protocolDOQ:
		return event.TransportDoQ
	}
	return event.TransportUnknown
}
