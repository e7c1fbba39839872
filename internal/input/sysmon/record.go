package sysmon

import (
	"bytes"
	"time"
)

// field names an EventData field the mapping reads.
type field uint8

const (
	fUtcTime field = iota
	fQueryName
	fQueryStatus
	fQueryResults
	fImage
	fProcessID
	fUser
	fProtocol
	fInitiated
	fSourceIP
	fSourcePort
	fDestIP
	fDestPort
	fEventType
	fTargetObject
	fDetails
	fNewName
	fCommandLine
	fParentImage
	nFields
)

// fieldByName maps an EventData name (as Sysmon writes it) to its field.
func fieldByName(name []byte) (field, bool) {
	switch string(name) {
	case "UtcTime":
		return fUtcTime, true
	case "QueryName":
		return fQueryName, true
	case "QueryStatus":
		return fQueryStatus, true
	case "QueryResults":
		return fQueryResults, true
	case "Image":
		return fImage, true
	case "ProcessId":
		return fProcessID, true
	case "User":
		return fUser, true
	case "Protocol":
		return fProtocol, true
	case "Initiated":
		return fInitiated, true
	case "SourceIp":
		return fSourceIP, true
	case "SourcePort":
		return fSourcePort, true
	case "DestinationIp":
		return fDestIP, true
	case "DestinationPort":
		return fDestPort, true
	case "EventType":
		return fEventType, true
	case "TargetObject":
		return fTargetObject, true
	case "Details":
		return fDetails, true
	case "NewName":
		return fNewName, true
	case "CommandLine":
		return fCommandLine, true
	case "ParentImage":
		return fParentImage, true
	}
	return 0, false
}

// record is one Sysmon event as read from any form, before mapping. Byte
// slices point into the decoder's buffers and are valid until the next
// record.
type record struct {
	// eventID is the Sysmon event ID, -1 when the record has none.
	eventID  int
	channel  []byte
	provider []byte
	computer []byte
	// created is the System/TimeCreated time (zero when absent).
	created time.Time
	vals    [nFields][]byte
	has     uint32
}

func (r *record) reset() {
	*r = record{eventID: -1}
}

// set records the value of f.
func (r *record) set(f field, v []byte) {
	r.vals[f] = v
	r.has |= 1 << f
}

// get returns the value of f and whether it was present.
func (r *record) get(f field) ([]byte, bool) {
	return r.vals[f], r.has&(1<<f) != 0
}

// isSysmon reports whether the record comes from Sysmon: its channel is
// Sysmon's operational log, or (when the export dropped the channel) its
// provider is Sysmon.
func (r *record) isSysmon() bool {
	if len(r.channel) > 0 {
		return bytes.EqualFold(r.channel, []byte(sysmonChannel))
	}
	return bytes.EqualFold(r.provider, []byte(sysmonProvider))
}
