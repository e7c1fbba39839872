package eve

import (
	"errors"

	"github.com/dnsvigil/dnsvigil/internal/dnsname"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

// readDNS collects the raw values of the dns object's keys.
func (d *Decoder) readDNS(raw []byte) {
	f := &d.dns
	*f = dnsFields{}
	eachMember(raw, func(key, val []byte) {
		switch string(key) {
		case "type":
			f.typ = val
		case "id":
			f.id = val
		case "rrname":
			f.rrname = val
		case "rrtype":
			f.rrtype = val
		case "rcode":
			f.rcode = val
		case "flags":
			f.flags = val
		case "opcode":
			f.opcode = val
		case "queries":
			f.queries = val
		case "answers":
			f.answers = val
		case "authorities":
			f.authorities = val
		case "additionals":
			f.additionals = val
		case "grouped":
			f.grouped = val
		case "qr":
			f.qr = val
		case "aa":
			f.aa = val
		case "tc":
			f.tc = val
		case "rd":
			f.rd = val
		case "ra":
			f.ra = val
		case "ad":
			f.ad = val
		case "cd":
			f.cd = val
		}
	})
}

// fillDNS maps the dns object into dd.
func (d *Decoder) fillDNS(dd *event.DNS) error {
	d.readDNS(d.top.dns)
	f := &d.dns
	switch string(f.typ) {
	case `"query"`, `"request"`:
		dd.HasQuery = true
		d.c.queries++
	case `"answer"`, `"response"`:
		dd.HasResponse = true
		d.c.responses++
	default:
		return d.fieldError("unknown dns type", "dns.type", f.typ)
	}
	if f.id != nil {
		id, ok := parseUint(f.id, 0xffff)
		if !ok {
			return d.fieldError("bad field", "dns.id", f.id)
		}
		dd.ID = uint16(id)
	}
	if f.opcode != nil {
		op, ok := parseUint(f.opcode, 15)
		if !ok {
			return d.fieldError("bad field", "dns.opcode", f.opcode)
		}
		dd.Opcode = uint8(op)
	}
	if err := d.question(dd); err != nil {
		return err
	}
	if err := d.header(dd); err != nil {
		return err
	}
	if d.headerOnly || !dd.HasResponse {
		return nil
	}
	return d.sections(dd)
}

// question sets QName and QType from rrname/rrtype (v2) or the first entry
// of queries (v3); further queries are counted.
func (d *Decoder) question(dd *event.DNS) error {
	f := &d.dns
	name, typ := f.rrname, f.rrtype
	if f.queries != nil {
		if f.queries[0] != '[' {
			return d.fieldError("bad field", "dns.queries", f.queries)
		}
		n := 0
		var bad bool
		eachElem(f.queries, func(q []byte) bool {
			n++
			if n > 1 {
				return true
			}
			if q[0] != '{' {
				bad = true
				return false
			}
			eachMember(q, func(key, val []byte) {
				switch string(key) {
				case "rrname":
					name = val
				case "rrtype":
					typ = val
				}
			})
			return true
		})
		if bad {
			return d.fieldError("bad field", "dns.queries", f.queries)
		}
		if n > 1 {
			d.c.extraQueries += int64(n - 1)
		}
	}
	dd.QClass = 1
	var err error
	if dd.QName, err = d.canonName("dns.rrname", "", name); err != nil {
		return err
	}
	if typ != nil {
		dd.QType = d.rrType(typ)
	}
	return nil
}

// canonName decodes a JSON string holding a name into its canonical form in
// d.buf; field and sub name it in errors. An absent or null name gives "".
func (d *Decoder) canonName(field, sub string, raw []byte) (string, error) {
	if raw == nil || string(raw) == "null" {
		return "", nil
	}
	if raw[0] != '"' {
		return "", d.fieldError("bad field", field+sub, raw)
	}
	s := d.jsonString(raw)
	if len(s) == 0 {
		return "", nil
	}
	if len(s) > maxNameBytes {
		return "", d.fieldError("name too long", field+sub, raw)
	}
	start := len(d.buf)
	d.buf = dnsname.AppendPresentation(d.buf, bstr(s))
	return d.str(start), nil
}

var errBadFlags = errors.New("not a 4-digit hex flags word")

// header sets Flags, FlagsKnown and RCode. The hex "flags" word gives every
// header bit; the boolean keys (qr, aa, tc, rd, ra, ad, cd) set or clear
// single bits. A query record's rcode is RcodeUnknown: no response was seen.
func (d *Decoder) header(dd *event.DNS) error {
	f := &d.dns
	dd.RCode = event.RcodeUnknown
	var wireRCode uint16
	hasWire := false
	if f.flags != nil {
		w, ok := parseHexFlags(f.flags)
		if !ok {
			return d.recordError("bad field", errBadFlags)
		}
		dd.Flags, dd.FlagsKnown, hasWire = flagsFromWire(w), true, true
		wireRCode = w & 0x0f
	}
	for _, b := range [...]struct {
		raw  []byte
		flag event.Flags
	}{{f.qr, event.FlagQR}, {f.aa, event.FlagAA}, {f.tc, event.FlagTC}, {f.rd, event.FlagRD},
		{f.ra, event.FlagRA}, {f.ad, event.FlagAD}, {f.cd, event.FlagCD}} {
		switch string(b.raw) {
		case "true":
			dd.Flags |= b.flag
			dd.FlagsKnown = true
		case "false":
			dd.Flags &^= b.flag
			dd.FlagsKnown = true
		}
	}
	if !dd.HasResponse {
		return nil
	}
	switch {
	case f.rcode != nil && f.rcode[0] == '"':
		rc, ok := rcodeByName(d.jsonString(f.rcode))
		if !ok {
			return d.fieldError("unknown rcode", "dns.rcode", f.rcode)
		}
		dd.RCode = rc
	case f.rcode != nil && string(f.rcode) != "null":
		rc, ok := parseUint(f.rcode, 0xfff)
		if !ok {
			return d.fieldError("unknown rcode", "dns.rcode", f.rcode)
		}
		dd.RCode = uint16(rc)
	case hasWire:
		dd.RCode = wireRCode
	}
	return nil
}

// parseHexFlags reads Suricata's flags word, a quoted hex string ("81a0").
func parseHexFlags(raw []byte) (uint16, bool) {
	if len(raw) < 3 || len(raw) > 6 || raw[0] != '"' {
		return 0, false
	}
	var w uint16
	for _, c := range raw[1 : len(raw)-1] {
		v, ok := unhex(c)
		if !ok {
			return 0, false
		}
		w = w<<4 | uint16(v)
	}
	return w, true
}

// flagsFromWire maps the header's flag bits to event.Flags.
func flagsFromWire(w uint16) event.Flags {
	var f event.Flags
	for _, b := range [...]struct {
		bit  uint16
		flag event.Flags
	}{{15, event.FlagQR}, {10, event.FlagAA}, {9, event.FlagTC}, {8, event.FlagRD},
		{7, event.FlagRA}, {5, event.FlagAD}, {4, event.FlagCD}} {
		if w&(1<<b.bit) != 0 {
			f |= b.flag
		}
	}
	return f
}
