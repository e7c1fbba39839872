package dnstap

import (
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
)

// reasonOf returns the RecordError reason for an error of fill.
func reasonOf(err error) string {
	switch {
	case errors.Is(err, errNoType):
		return "unknown message type"
	case errors.Is(err, errBadAddress):
		return "bad address"
	case errors.Is(err, errBadTime), errors.Is(err, errNoTimestamp):
		return "bad timestamp"
	case errors.Is(err, dnswire.ErrMalformed):
		return "malformed dns message"
	}
	return "bad message"
}

// maxUnixSec bounds a timestamp: seconds beyond it (year 5138) are treated
// as damage, not as a time.
const maxUnixSec = 1 << 37

// fill maps one dnstap message onto ev, which the caller has reset and whose
// Source it has set. Every message type maps the same way: the query address
// and port are the asker (ev.Client), the response address and port the
// server asked (ev.Server), whichever side the server writing dnstap was on.
// A *_QUERY type gives an event with HasQuery from query_message and
// query_time; a *_RESPONSE type one with HasResponse from response_message
// and response_time (query_time when the response time is absent).
func (d *Decoder) fill(ev *event.Event, m *dt.Dnstap) error {
	msg := m.GetMessage()
	if msg == nil || msg.Type == nil {
		return errNoType
	}
	typ := msg.GetType()
	if typ < dt.Message_AUTH_QUERY || typ > dt.Message_UPDATE_RESPONSE {
		return fmt.Errorf("%w: %d", errNoType, typ)
	}
	d.typ = typ
	d.setIdentity(m.GetIdentity())
	query := typ%2 == 1

	payload := msg.GetResponseMessage()
	if query {
		payload = msg.GetQueryMessage()
	}
	if len(payload) == 0 {
		return errNoPayload
	}
	t, err := messageTime(msg, query)
	if err != nil {
		return err
	}
	ev.Kind, ev.Time = event.KindDNS, t
	ev.Transport = transport(msg.SocketProtocol)
	if ev.Client, err = addrPort(msg.GetQueryAddress(), msg.GetQueryPort()); err != nil {
		return fmt.Errorf("query address: %w", err)
	}
	if ev.Server, err = addrPort(msg.GetResponseAddress(), msg.GetResponsePort()); err != nil {
		return fmt.Errorf("response address: %w", err)
	}
	if senderAsks(typ) {
		ev.Host.Name = d.identity
	}

	st, err := d.parser.Parse(payload, &ev.DNS)
	if err != nil {
		return fmt.Errorf("%s: %w", typ, err)
	}
	d.c.status[st]++
	d.c.types[typ]++
	if ev.DNS.HasQuery == query {
		return nil
	}
	// The QR bit disagrees with the message type; the type decides.
	d.c.qrMismatch++
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
func messageTime(msg *dt.Message, query bool) (time.Time, error) {
	sec, nsec, ok := msg.ResponseTimeSec, msg.ResponseTimeNsec, !query
	if !ok || sec == nil {
		sec, nsec = msg.QueryTimeSec, msg.QueryTimeNsec
	}
	if sec == nil {
		return time.Time{}, errNoTimestamp
	}
	if *sec > maxUnixSec {
		return time.Time{}, fmt.Errorf("%w: %d seconds", errBadTime, *sec)
	}
	var ns int64
	if nsec != nil {
		ns = int64(*nsec)
	}
	return time.Unix(int64(*sec), ns).UTC(), nil
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

// transport maps the dnstap socket protocol. Protocols this version of the
// dnstap schema lacks (DoQ, DNSCrypt) arrive as unknown fields and map to
// TransportUnknown.
func transport(p *dt.SocketProtocol) event.Transport {
	if p == nil {
		// The generated getter would report UDP, the enum's first value.
		return event.TransportUnknown
	}
	switch *p {
	case dt.SocketProtocol_UDP:
		return event.TransportUDP
	case dt.SocketProtocol_TCP:
		return event.TransportTCP
	case dt.SocketProtocol_DOT:
		return event.TransportDoT
	case dt.SocketProtocol_DOH:
		return event.TransportDoH
	}
	return event.TransportUnknown
}
