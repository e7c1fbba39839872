// Package sysmon decodes Microsoft Sysmon events into normalized events, from
// the three forms SOC teams export them in: binary .evtx files, JSON lines
// (Winlogbeat/ECS documents or the flat shape of the OTRF Security-Datasets)
// and the XML that `wevtutil qe Microsoft-Windows-Sysmon/Operational /f:xml`
// prints.
//
// Sysmon is the most common endpoint source of DNS telemetry on Windows: EID
// 22 logs every DNS query with the process that made it, EID 3 network
// connections, EID 12/13/14 registry changes (resolver tampering) and EID 1
// process starts (command lines). Each form is read into one shared record
// (event ID, channel, computer, time and the EventData fields the mapping
// needs) and mapped by the same code, so the three forms give identical
// events. Records from other channels and other event IDs are skipped and
// counted, never reported as errors.
package sysmon

import (
	"unsafe"

	"github.com/dnsvigil/dnsvigil/internal/input"
)

// Formats returns the three Sysmon input formats: EVTX, JSON lines and XML.
func Formats() []input.Format {
	return []input.Format{FormatEVTX(), FormatJSON(), FormatXML()}
}

// sysmonChannel and sysmonProvider identify Sysmon records.
const (
	sysmonChannel  = "Microsoft-Windows-Sysmon/Operational"
	sysmonProvider = "Microsoft-Windows-Sysmon"
)

// maxAnswers caps the answers taken from one QueryResults field; the rest
// are dropped and counted.
const maxAnswers = 64

// base holds what the three decoders share: the input name, the record being
// decoded, the buffer behind the strings of the current event and the
// counters.
type base struct {
	name string
	rec  record
	// strs holds the bytes of every string placed in the current event.
	strs []byte
	n    counts
}

// counts are the decoder's counters, reported by Counts.
type counts struct {
	dns, conn, registry, process  int64
	otherEID, otherChannel        int64
	statusNotRCode, answersCapped int64
}

// Counts reports the events by kind and the records skipped.
func (b *base) Counts() []input.Count {
	return []input.Count{
		{Name: "dns queries (eid 22)", Value: b.n.dns},
		{Name: "network connections (eid 3)", Value: b.n.conn},
		{Name: "registry changes (eid 12-14)", Value: b.n.registry},
		{Name: "process starts (eid 1)", Value: b.n.process},
		{Name: "other event ids skipped", Value: b.n.otherEID},
		{Name: "other channels skipped", Value: b.n.otherChannel},
		{Name: "query status not a dns rcode", Value: b.n.statusNotRCode},
		{Name: "answers over cap dropped", Value: b.n.answersCapped},
	}
}

// str returns b.strs[start:] as a string sharing its bytes. It stays valid
// until b.strs is reset for the next event, even if b.strs grows meanwhile.
func (b *base) str(start int) string {
	if len(b.strs) == start {
		return ""
	}
	return unsafe.String(&b.strs[start], len(b.strs)-start)
}

// appendStr copies v into b.strs and returns it as a string.
func (b *base) appendStr(v []byte) string {
	start := len(b.strs)
	b.strs = append(b.strs, v...)
	return b.str(start)
}

// unsafeString views v as a string without copying, for parsers that do not
// keep their argument.
func unsafeString(v []byte) string {
	if len(v) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(v), len(v))
}
