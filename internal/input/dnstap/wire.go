package dnstap

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// errProtobuf marks a frame that is not a well-formed dnstap protobuf
// message.
var errProtobuf = errors.New("bad protobuf")

// Field numbers of the dnstap schema (dnstap.proto). Fields added to the
// schema after golang-dnstap v0.4.0 (Message.policy, Message.http_protocol)
// are skipped like any other unknown field.
const (
	fieldIdentity     = 1  // Dnstap.identity, bytes
	fieldTapMessage   = 14 // Dnstap.message, Message
	fieldTapType      = 15 // Dnstap.type, enum
	fieldType         = 1  // Message.type, enum
	fieldProtocol     = 3  // Message.socket_protocol, enum
	fieldQueryAddr    = 4  // bytes
	fieldRespAddr     = 5  // bytes
	fieldQueryPort    = 6  // uint32
	fieldRespPort     = 7  // uint32
	fieldQueryTimeSec = 8  // uint64
	fieldQueryNsec    = 9  // fixed32
	fieldQueryMessage = 10 // bytes
	fieldRespTimeSec  = 12 // uint64
	fieldRespNsec     = 13 // fixed32
	fieldRespMessage  = 14 // bytes
)

// tapMessage is the only Dnstap.type: a frame carrying a Message.
const tapMessage = 1

// Presence bits of message.has for the fields whose absence fill must tell
// from zero.
const (
	hasQueryTime = 1 << iota
	hasRespTime
)

// message holds the fields of one dnstap frame that fill maps. It is filled
// by unmarshal straight from the frame's bytes, so its byte slices point into
// the frame and are valid as long as the frame. Absent fields are zero;
// enums keep any number, as google.golang.org/protobuf does, and fill
// judges them. The Dnstap fields version and extra, and the Message fields
// socket_family and query_zone, are not kept.
type message struct {
	tapType    int32 // Dnstap.type
	hasMessage bool  // Dnstap.message present
	identity   []byte

	typ          int32 // Message.type
	protocol     int32 // Message.socket_protocol
	queryAddr    []byte
	respAddr     []byte
	queryPort    uint32
	respPort     uint32
	queryTimeSec uint64
	queryNsec    uint32
	respTimeSec  uint64
	respNsec     uint32
	has          uint8 // hasQueryTime, hasRespTime
	query        []byte
	response     []byte
}

// unmarshal walks b, one dnstap protobuf message, into m without copying or
// allocating. It follows protobuf's rules where they matter for the result:
// the last value of a repeated scalar wins, a repeated Message field merges
// into the previous one, a known field with an unexpected wire type is an
// unknown field, and unknown fields (the schema's newer additions) are
// skipped after checking they are well formed. Every length is checked
// against the bytes left, so a frame can claim nothing beyond itself. The
// error wraps errProtobuf.
func (m *message) unmarshal(b []byte) error {
	*m = message{}
	for len(b) > 0 {
		num, typ, n := consumeTag(b)
		if n < 0 {
			return protobufError(n)
		}
		b = b[n:]
		switch {
		case num == fieldIdentity && typ == protowire.BytesType:
			m.identity, n = protowire.ConsumeBytes(b)
		case num == fieldTapType && typ == protowire.VarintType:
			var v uint64
			v, n = protowire.ConsumeVarint(b)
			m.tapType = int32(v)
		case num == fieldTapMessage && typ == protowire.BytesType:
			var v []byte
			if v, n = protowire.ConsumeBytes(b); n >= 0 {
				m.hasMessage = true
				if err := m.unmarshalMessage(v); err != nil {
					return err
				}
			}
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return protobufError(n)
		}
		b = b[n:]
	}
	return nil
}

// unmarshalMessage walks b, a dnstap Message, into m's Message fields,
// leaving fields b does not carry as they are (protobuf's merge).
func (m *message) unmarshalMessage(b []byte) error {
	for len(b) > 0 {
		num, typ, n := consumeTag(b)
		if n < 0 {
			return protobufError(n)
		}
		b = b[n:]
		switch typ {
		case protowire.VarintType:
			n = m.varint(num, b)
		case protowire.Fixed32Type:
			n = m.fixed32(num, b)
		case protowire.BytesType:
			n = m.bytes(num, b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return protobufError(n)
		}
		b = b[n:]
	}
	return nil
}

// varint reads a varint field of Message, returning its length.
func (m *message) varint(num protowire.Number, b []byte) int {
	v, n := protowire.ConsumeVarint(b)
	if n < 0 {
		return n
	}
	switch num {
	case fieldType:
		m.typ = int32(v)
	case fieldProtocol:
		m.protocol = int32(v)
	case fieldQueryPort:
		m.queryPort = uint32(v)
	case fieldRespPort:
		m.respPort = uint32(v)
	case fieldQueryTimeSec:
		m.queryTimeSec, m.has = v, m.has|hasQueryTime
	case fieldRespTimeSec:
		m.respTimeSec, m.has = v, m.has|hasRespTime
	}
	return n
}

// fixed32 reads a fixed32 field of Message, returning its length.
func (m *message) fixed32(num protowire.Number, b []byte) int {
	v, n := protowire.ConsumeFixed32(b)
	switch {
	case n < 0:
	case num == fieldQueryNsec:
		m.queryNsec = v
	case num == fieldRespNsec:
		m.respNsec = v
	}
	return n
}

// bytes reads a length-delimited field of Message, returning its length.
func (m *message) bytes(num protowire.Number, b []byte) int {
	v, n := protowire.ConsumeBytes(b)
	switch {
	case n < 0:
	case num == fieldQueryAddr:
		m.queryAddr = v
	case num == fieldRespAddr:
		m.respAddr = v
	case num == fieldQueryMessage:
		m.query = v
	case num == fieldRespMessage:
		m.response = v
	}
	return n
}

// errCodeFieldNumber is protowire's error code for an invalid field number
// (see protowire.ParseError).
const errCodeFieldNumber = -2

// consumeTag reads a field tag, refusing field numbers outside protobuf's
// valid range.
func consumeTag(b []byte) (protowire.Number, protowire.Type, int) {
	num, typ, n := protowire.ConsumeTag(b)
	if n >= 0 && num > protowire.MaxValidNumber {
		return 0, 0, errCodeFieldNumber
	}
	return num, typ, n
}

// protobufError turns a protowire error code into an error wrapping
// errProtobuf.
func protobufError(n int) error {
	return fmt.Errorf("%w: %w", errProtobuf, protowire.ParseError(n))
}
