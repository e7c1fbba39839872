package zeek

import (
	"fmt"
	"math"

	"github.com/dnsvigil/dnsvigil/internal/event"
)

// fieldID names a Zeek column (TSV) or key (JSON) the decoder reads.
type fieldID uint8

const (
	fTS fieldID = iota
	fOrigH
	fOrigP
	fRespH
	fRespP
	fProto
	fTransID
	fRTT
	fQuery
	fQClass
	fQType
	fRCode
	fOpcode
	fAA
	fTC
	fRD
	fRA
	fAnswers
	fTTLs
	fService
	fDuration
	fOrigBytes
	fRespBytes
	fConnState
	fHistory
	fOrigPkts
	fRespPkts
	nFields
)

// fieldNames returns the column names, indexed by fieldID, in the dotted
// style Zeek writes by default.
func fieldNames() [nFields]string {
	return [nFields]string{
		"ts", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto",
		"trans_id", "rtt", "query", "qclass", "qtype", "rcode", "opcode",
		"AA", "TC", "RD", "RA", "answers", "TTLs",
		"service", "duration", "orig_bytes", "resp_bytes", "conn_state", "history",
		"orig_pkts", "resp_pkts",
	}
}

func (id fieldID) String() string {
	if id < nFields {
		return fieldNames()[id]
	}
	return "unknown"
}

// fieldByName maps a column name or JSON key to its fieldID. Both the dotted
// names ("id.orig_h") and the underscore variant some exporters write
// ("id_orig_h") are accepted.
func fieldByName(name []byte) (fieldID, bool) {
	switch string(name) {
	case "ts":
		return fTS, true
	case "id.orig_h", "id_orig_h":
		return fOrigH, true
	case "id.orig_p", "id_orig_p":
		return fOrigP, true
	case "id.resp_h", "id_resp_h":
		return fRespH, true
	case "id.resp_p", "id_resp_p":
		return fRespP, true
	case "proto":
		return fProto, true
	case "trans_id":
		return fTransID, true
	case "rtt":
		return fRTT, true
	case "query":
		return fQuery, true
	case "qclass":
		return fQClass, true
	case "qtype":
		return fQType, true
	case "rcode":
		return fRCode, true
	case "opcode":
		return fOpcode, true
	case "AA":
		return fAA, true
	case "TC":
		return fTC, true
	case "RD":
		return fRD, true
	case "RA":
		return fRA, true
	case "answers":
		return fAnswers, true
	case "TTLs":
		return fTTLs, true
	case "service":
		return fService, true
	case "duration":
		return fDuration, true
	case "orig_bytes":
		return fOrigBytes, true
	case "resp_bytes":
		return fRespBytes, true
	case "conn_state":
		return fConnState, true
	case "history":
		return fHistory, true
	case "orig_pkts":
		return fOrigPkts, true
	case "resp_pkts":
		return fRespPkts, true
	}
	return 0, false
}

// kindBit returns the presence bit that mark a dns.log or a conn.log
// field set: columns no other standard Zeek log has.
func kindBit(id fieldID) uint32 {
	switch id {
	case fTransID, fQuery, fQClass, fQType, fRCode:
		return hasDNSKey
	case fConnState, fHistory, fOrigPkts, fRespPkts:
		return hasConnKey
	}
	return 0
}

// kindOf decides the log type from a path ("dns", "conn") or, for any other
// path, from the field set.
func kindOf(path []byte, has uint32) logKind {
	switch string(path) {
	case "dns":
		return logDNS
	case "conn":
		return logConn
	}
	switch {
	case has&hasDNSKey != 0 && has&hasConnKey == 0:
		return logDNS
	case has&hasConnKey != 0 && has&hasDNSKey == 0:
		return logConn
	}
	return logOther
}

// maxAnswers caps the answers kept per record; Zeek logs the whole answer
// section, and a hostile line could list millions.
const maxAnswers = 1024

// setValue stores the text value v of field id in d.rec. v is not the unset
// marker; for TSV it is the raw field (Zeek escapes still in), for JSON the
// decoded string or the number's text.
func (d *Decoder) setValue(id fieldID, v []byte) error {
	r := &d.rec
	ok, reason := true, "bad number"
	switch id {
	case fTS:
		r.ts, ok = parseTime(v)
		r.has |= hasTS
		reason = "bad timestamp"
	case fOrigH:
		r.origH, ok = d.origCache.parse(v)
		r.has |= hasOrigH
		reason = "bad address"
	case fRespH:
		r.respH, ok = d.respCache.parse(v)
		r.has |= hasRespH
		reason = "bad address"
	case fOrigP:
		r.origP, ok = parseU16(v)
		reason = "bad port"
	case fRespP:
		r.respP, ok = parseU16(v)
		reason = "bad port"
	case fProto:
		r.proto = v
	case fTransID:
		r.transID, ok = parseU16(v)
	case fRTT:
		r.rtt, ok = parseInterval(v)
		r.has |= hasRTT
	case fQuery:
		r.query = r.unescape(v)
		r.has |= hasQuery
	case fQClass:
		r.qclass, ok = parseU16(v)
		r.has |= hasQClass
	case fQType:
		r.qtype, ok = parseU16(v)
		r.has |= hasQType
	case fRCode:
		r.rcode, ok = parseU16(v)
		r.has |= hasRCode
		ok = ok && r.rcode != event.RcodeUnknown
	case fOpcode:
		var n uint64
		n, ok = parseUint(v, math.MaxUint8)
		r.opcode = uint8(n)
	case fAA, fTC, fRD, fRA:
		return d.setBool(id, v)
	case fAnswers:
		if len(r.answers) < maxAnswers {
			r.answers = append(r.answers, r.unescape(v))
		} else {
			d.nDropped++
		}
	case fTTLs:
		var ttl uint32
		ttl, ok = parseTTL(v)
		if len(r.ttls) < maxAnswers {
			r.ttls = append(r.ttls, ttl)
		}
	case fService:
		r.service = r.unescape(v)
	case fConnState:
		r.state = r.unescape(v)
	case fDuration:
		r.duration, ok = parseInterval(v)
	case fOrigBytes, fRespBytes, fOrigPkts, fRespPkts:
		return d.setCount(id, v)
	}
	if !ok {
		return d.fieldError(reason, id.String(), v)
	}
	return nil
}

func (d *Decoder) setBool(id fieldID, v []byte) error {
	var b bool
	switch {
	case len(v) == 1 && v[0] == 'T', string(v) == "true":
		b = true
	case len(v) == 1 && v[0] == 'F', string(v) == "false":
	default:
		return d.fieldError("bad bool", id.String(), v)
	}
	r := &d.rec
	switch id {
	case fAA:
		r.aa = b
	case fTC:
		r.tc = b
	case fRD:
		r.rd = b
		r.has |= hasRD
	case fRA:
		r.ra = b
	}
	return nil
}

func (d *Decoder) setCount(id fieldID, v []byte) error {
	n, ok := parseUint(v, math.MaxInt64)
	if !ok {
		return d.fieldError("bad number", id.String(), v)
	}
	r := &d.rec
	switch id {
	case fOrigBytes:
		r.origBytes = int64(n)
	case fRespBytes:
		r.respBytes = int64(n)
	case fOrigPkts:
		r.origPkts = int64(n)
	case fRespPkts:
		r.respPkts = int64(n)
	}
	return nil
}

func parseU16(v []byte) (uint16, bool) {
	n, ok := parseUint(v, math.MaxUint16)
	return uint16(n), ok
}

// requireFields checks that a dns or conn record has the values every event
// needs.
func (d *Decoder) requireFields() error {
	for _, f := range [...]struct {
		bit uint32
		id  fieldID
	}{{hasTS, fTS}, {hasOrigH, fOrigH}, {hasRespH, fRespH}} {
		if d.rec.has&f.bit == 0 {
			return d.recordError("missing field", fmt.Errorf("no %s", f.id))
		}
	}
	return nil
}
