package eve

import (
	"strconv"
	"unsafe"

	"github.com/miekg/dns"

	"github.com/dnsvigil/dnsvigil/internal/dnsname"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

// rawRR holds the raw values of one logged record.
type rawRR struct {
	rrname, rrtype, ttl, rdata, soa, srv, sshfp []byte
}

// sections fills Answers, Authority and Additional. When a record carries
// only the grouped form (answers by type, without owner or TTL), the answers
// are taken from it with an empty owner name.
func (d *Decoder) sections(dd *event.DNS) error {
	f := &d.dns
	var err error
	if dd.Answers, err = d.records("dns.answers", f.answers, dd.Answers); err != nil {
		return err
	}
	if dd.Authority, err = d.records("dns.authorities", f.authorities, dd.Authority); err != nil {
		return err
	}
	if dd.Additional, err = d.records("dns.additionals", f.additionals, dd.Additional); err != nil {
		return err
	}
	if f.answers == nil && f.grouped != nil {
		return d.grouped(dd)
	}
	return nil
}

func (d *Decoder) total(dd *event.DNS) int {
	return len(dd.Answers) + len(dd.Authority) + len(dd.Additional)
}

// records appends the records of the array raw to dst.
func (d *Decoder) records(field string, raw []byte, dst []event.RR) ([]event.RR, error) {
	if raw == nil || string(raw) == "null" {
		return dst, nil
	}
	if raw[0] != '[' {
		return dst, d.fieldError("bad field", field, raw)
	}
	var err error
	eachElem(raw, func(elem []byte) bool {
		if elem[0] != '{' {
			err = d.fieldError("bad field", field, elem)
			return false
		}
		if len(dst) >= maxRecords {
			d.c.dropped++
			return true
		}
		var rr event.RR
		if rr, err = d.record(field, elem); err != nil {
			return false
		}
		dst = append(dst, rr)
		return true
	})
	return dst, err
}

// record maps one logged record.
func (d *Decoder) record(field string, raw []byte) (event.RR, error) {
	var r rawRR
	eachMember(raw, func(key, val []byte) {
		switch string(key) {
		case "rrname":
			r.rrname = val
		case "rrtype":
			r.rrtype = val
		case "ttl":
			r.ttl = val
		case "rdata":
			r.rdata = val
		case "soa":
			r.soa = val
		case "srv":
			r.srv = val
		case "sshfp":
			r.sshfp = val
		}
	})
	rr := event.RR{Class: 1}
	var err error
	if rr.Name, err = d.canonName(field, ".rrname", r.rrname); err != nil {
		return rr, err
	}
	if r.rrtype != nil {
		rr.Type = d.rrType(r.rrtype)
	}
	if r.ttl != nil && string(r.ttl) != "null" {
		ttl, ok := parseUint(r.ttl, 1<<32-1)
		if !ok {
			return rr, d.fieldError("bad field", field+".ttl", r.ttl)
		}
		rr.TTL = uint32(ttl)
	}
	start := len(d.buf)
	switch {
	case r.soa != nil && r.soa[0] == '{':
		err = d.appendObject(field, ".soa", r.soa, soaKeys[:], soaNames)
	case r.srv != nil && r.srv[0] == '{':
		err = d.appendObject(field, ".srv", r.srv, srvKeys[:], srvNames)
	case r.sshfp != nil && r.sshfp[0] == '{':
		err = d.appendObject(field, ".sshfp", r.sshfp, sshfpKeys[:], 0)
	case r.rdata != nil && r.rdata[0] == '"':
		d.appendData(rr.Type, d.jsonString(r.rdata))
	}
	rr.Data = d.str(start)
	return rr, err
}

// The parts of the structured rdata objects, in presentation order, and a
// bit set of the parts that are names.
var (
	soaKeys   = [...]string{"mname", "rname", "serial", "refresh", "retry", "expire", "minimum"}
	srvKeys   = [...]string{"priority", "weight", "port", "name"}
	sshfpKeys = [...]string{"algo", "type", "fingerprint"}
)

const (
	soaNames = 1<<0 | 1<<1
	srvNames = 1 << 3
)

// appendObject writes the members of obj named by keys, space separated,
// names in canonical form, numbers and other strings as written.
func (d *Decoder) appendObject(field, sub string, obj []byte, keys []string, names uint) error {
	var vals [8][]byte
	eachMember(obj, func(key, val []byte) {
		for i, k := range keys {
			if string(key) == k {
				vals[i] = val
			}
		}
	})
	for i := range keys {
		v := vals[i]
		if v == nil {
			return d.fieldError("bad field", field+sub, obj)
		}
		if i > 0 {
			d.buf = append(d.buf, ' ')
		}
		switch {
		case v[0] == '"' && names&(1<<i) != 0:
			d.buf = dnsname.AppendPresentation(d.buf, bstr(d.jsonString(v)))
		case v[0] == '"':
			d.buf = append(d.buf, d.jsonString(v)...)
		case v[0] >= '0' && v[0] <= '9':
			d.buf = append(d.buf, v...)
		default:
			return d.fieldError("bad field", field+sub, obj)
		}
	}
	return nil
}

// appendData writes rdata as logged in presentation form: names
// canonical, text quoted, other data (addresses, opaque data) as written.
func (d *Decoder) appendData(typ uint16, s []byte) {
	switch typ {
	case event.TypeCNAME, event.TypeNS, event.TypePTR, event.TypeMX, dns.TypeDNAME:
		if len(s) > 0 {
			d.buf = dnsname.AppendPresentation(d.buf, bstr(s))
		}
	case event.TypeTXT:
		d.buf = appendQuoted(d.buf, s)
	default:
		d.buf = append(d.buf, s...)
	}
}

// appendQuoted writes s as one quoted character-string: '"' and '\' are
// escaped with a backslash, bytes outside printable ASCII as \DDD.
func appendQuoted(dst, s []byte) []byte {
	dst = append(dst, '"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20 || c > 0x7e:
			dst = append(dst, '\\', '0'+c/100, '0'+c/10%10, '0'+c%10)
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// grouped fills Answers from the grouped object: {"A":["1.2.3.4"], ...}.
func (d *Decoder) grouped(dd *event.DNS) error {
	if d.dns.grouped[0] != '{' {
		return d.fieldError("bad field", "dns.grouped", d.dns.grouped)
	}
	d.c.grouped++
	eachMember(d.dns.grouped, func(key, val []byte) {
		if val[0] != '[' {
			return
		}
		typ := d.typeByName(key)
		eachElem(val, func(elem []byte) bool {
			if d.total(dd) >= maxRecords {
				d.c.dropped++
				return true
			}
			if elem[0] != '"' {
				return true
			}
			start := len(d.buf)
			d.appendData(typ, d.jsonString(elem))
			dd.Answers = append(dd.Answers, event.RR{Type: typ, Class: 1, Data: d.str(start)})
			return true
		})
	})
	return nil
}

// rrType maps a logged type (a quoted mnemonic such as "AAAA", "TYPE65280",
// or a number) to its number; unknown names give 0 and are counted.
func (d *Decoder) rrType(raw []byte) uint16 {
	if raw[0] != '"' {
		if v, ok := parseUint(raw, 0xffff); ok {
			return uint16(v)
		}
		d.c.unknownType++
		return 0
	}
	return d.typeByName(raw[1 : len(raw)-1])
}

// typeByName maps an unquoted type mnemonic (any case) to its number.
func (d *Decoder) typeByName(s []byte) uint16 {
	var up [16]byte
	if len(s) == 0 || len(s) > len(up) {
		d.c.unknownType++
		return 0
	}
	for i, c := range s {
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		up[i] = c
	}
	u := up[:len(s)]
	if t, ok := dns.StringToType[string(u)]; ok {
		return t
	}
	if len(u) > 4 && string(u[:4]) == "TYPE" {
		u = u[4:]
	}
	if v, ok := parseUint(u, 0xffff); ok {
		return uint16(v)
	}
	d.c.unknownType++
	return 0
}

// rcodeByName maps an rcode mnemonic ("NXDOMAIN") or a number to its value.
func rcodeByName(s []byte) (uint16, bool) {
	if rc, ok := dns.StringToRcode[string(s)]; ok && rc >= 0 && rc <= 0xfff {
		return uint16(rc), true
	}
	v, err := strconv.ParseUint(bstr(s), 10, 12)
	return uint16(v), err == nil
}

// bstr views b as a string for a call that does not keep it.
func bstr(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
