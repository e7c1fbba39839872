package windns

import (
	"bytes"
	"time"
)

// field names an EventData field of the analytical events that the mapping
// reads.
type field uint8

const (
	fTCP field = iota
	fInterfaceIP
	fSource
	fDestination
	fRD
	fAA
	fAD
	fQNAME
	fQTYPE
	fXID
	fPort
	fFlags
	fRCODE
	fPacketData
	fBufferSize
	nFields
	// fNone marks a positional property the mapping does not read.
	fNone field = 0xFF
)

var fieldNames = [nFields]string{
	"TCP", "InterfaceIP", "Source", "Destination", "RD", "AA", "AD", "QNAME", "QTYPE", "XID",
	"Port", "Flags", "RCODE", "PacketData", "BufferSize",
}

// fieldByName maps an EventData name to its field. Names are matched
// exactly first (as the manifest spells them), then without regard to case
// (some collectors lowercase keys).
func fieldByName(name []byte) (field, bool) {
	for i, n := range fieldNames {
		if string(name) == n {
			return field(i), true
		}
	}
	for i, n := range fieldNames {
		if bytes.EqualFold(name, []byte(n)) {
			return field(i), true
		}
	}
	return 0, false
}

// record is one analytical event as read from XML or JSON, before mapping.
// Byte slices point into the decoder's buffers and are valid until the next
// record.
type record struct {
	// eventID is -1 when the record has none.
	eventID  int
	channel  []byte
	provider []byte
	// created is the event time (zero when absent).
	created time.Time
	vals    [nFields][]byte
	has     uint32
}

func (r *record) reset() { *r = record{eventID: -1} }

// set records the value of f; the first value seen wins, so a name written
// inside a rendered message cannot override the real field after it.
func (r *record) set(f field, v []byte) {
	if f >= nFields || r.has&(1<<f) != 0 {
		return
	}
	r.vals[f] = v
	r.has |= 1 << f
}

// get returns the value of f and whether it was present.
func (r *record) get(f field) ([]byte, bool) {
	return r.vals[f], r.has&(1<<f) != 0
}

// layout is the order of an event's properties, for exports that keep the
// values but not their names (Get-WinEvent's Properties without Message).
type layout struct {
	id     int
	fields []field
}

// layouts are the property orders of the events the mapping reads: the
// ones Microsoft documents and, where newer servers add properties, the
// longer ones they write. A record is mapped by position only when its
// property count matches one of them exactly.
var layouts = []layout{
	{256, []field{fTCP, fInterfaceIP, fSource, fRD, fQNAME, fQTYPE, fXID, fPort, fFlags, fBufferSize, fPacketData, fNone}},
	{257, []field{fTCP, fInterfaceIP, fDestination, fAA, fAD, fQNAME, fQTYPE, fXID, fNone, fRCODE, fPort, fFlags, fNone, fNone, fNone, fBufferSize, fPacketData}},
	{258, []field{fTCP, fInterfaceIP, fNone, fDestination, fQNAME, fQTYPE, fXID, fRCODE, fPort, fFlags, fNone, fNone, fBufferSize, fPacketData}},
	{259, []field{fTCP, fInterfaceIP, fSource, fNone, fQNAME, fQTYPE, fXID, fNone, fNone, fNone}},
	{260, []field{fTCP, fDestination, fInterfaceIP, fRD, fQNAME, fQTYPE, fXID, fPort, fFlags, fNone, fNone, fNone, fBufferSize, fPacketData}},
	{260, []field{fTCP, fDestination, fInterfaceIP, fRD, fQNAME, fQTYPE, fNone, fXID, fPort, fFlags, fNone, fNone, fNone, fBufferSize, fPacketData}},
	{261, []field{fTCP, fSource, fInterfaceIP, fAA, fAD, fQNAME, fQTYPE, fXID, fPort, fFlags, fNone, fNone, fBufferSize, fPacketData}},
	{261, []field{fTCP, fSource, fInterfaceIP, fAA, fAD, fQNAME, fQTYPE, fXID, fNone, fPort, fFlags, fNone, fNone, fBufferSize, fPacketData}},
	{262, []field{fTCP, fInterfaceIP, fDestination, fQNAME, fQTYPE, fXID, fPort, fFlags, fNone, fNone}},
	{263, []field{fTCP, fInterfaceIP, fSource, fQNAME, fXID, fPort, fFlags, fNone, fBufferSize, fPacketData}},
	{264, []field{fTCP, fInterfaceIP, fDestination, fQNAME, fXID, fNone, fNone, fRCODE, fNone, fBufferSize, fPacketData}},
}

// layoutOf returns the property order of event id with n properties.
func layoutOf(id, n int) ([]field, bool) {
	for _, l := range layouts {
		if l.id == id && len(l.fields) == n {
			return l.fields, true
		}
	}
	return nil, false
}
