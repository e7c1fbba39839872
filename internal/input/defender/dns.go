package defender

import (
	"strconv"

	"github.com/dnsvigil/dnsvigil/internal/dnsname"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

// maxAnswers caps the answers kept from one DnsQueryResponse row; the rest
// are counted and dropped.
const maxAnswers = 64

// dns maps a DeviceEvents DnsQueryResponse row. Its AdditionalFields column
// is JSON text such as
//
//	{"DnsQueryString":"cdn.example","DnsQueryResult":[{"DnsQueryType":"A","Result":"192.0.2.1"}]}
//
// DnsQueryResult may also arrive as a string holding that array, and a
// DnsQueryType member beside DnsQueryString, when present, names the type
// asked for.
func (d *Decoder) dns(ev *event.Event, r *row) *fieldError {
	af := r.v[cAdditionalFields]
	var qname, qtype, results string
	it := newObjIter(af)
	for it.next() {
		switch it.key {
		case "DnsQueryString":
			qname = d.strValue(it.val)
		case "DnsQueryType":
			qtype = it.val
		case "DnsQueryResult":
			results = it.val
		}
	}
	if it.malformed() {
		return badField("bad additional fields", cAdditionalFields, af)
	}
	if qname == "" {
		return badField("dns query without name", cAdditionalFields, af)
	}
	ev.Kind = event.KindDNS
	start := len(d.strs)
	d.strs = dnsname.AppendPresentation(d.strs, qname)
	ev.DNS.QName = bufString(d.strs[start:])
	ev.DNS.QClass = 1
	ev.DNS.HasQuery, ev.DNS.HasResponse = true, true
	if results != "" && results[0] == '"' {
		results = d.strValue(results)
	}
	if results != "" && results != "null" {
		if !d.answers(ev, results) {
			return badField("bad additional fields", cAdditionalFields, af)
		}
	}
	switch {
	case qtype != "":
		ev.DNS.QType = d.rrType(qtype)
	case len(ev.DNS.Answers) > 0:
		// A CNAME chain ends at the type asked for.
		ev.DNS.QType = ev.DNS.Answers[len(ev.DNS.Answers)-1].Type
	}
	ev.DNS.RCode = event.RcodeUnknown
	if len(ev.DNS.Answers) > 0 {
		ev.DNS.RCode = event.RcodeNoError
	}
	return nil
}

// answers reads the DnsQueryResult array into ev.DNS.Answers.
func (d *Decoder) answers(ev *event.Event, arr string) bool {
	it := newArrIter(arr)
	for it.next() {
		var typ, result string
		o := newObjIter(it.val)
		for o.next() {
			switch o.key {
			case "DnsQueryType":
				typ = o.val
			case "Result":
				result = d.strValue(o.val)
			}
		}
		if o.malformed() {
			return false
		}
		if len(ev.DNS.Answers) >= maxAnswers {
			d.nDropped++
			continue
		}
		rr := event.RR{Name: ev.DNS.QName, Type: d.rrType(typ), Class: 1, Data: result}
		switch rr.Type {
		case event.TypeCNAME, event.TypeNS, event.TypePTR:
			if result != "" {
				start := len(d.strs)
				d.strs = dnsname.AppendPresentation(d.strs, result)
				rr.Data = bufString(d.strs[start:])
			}
		}
		ev.DNS.Answers = append(ev.DNS.Answers, rr)
	}
	return !it.j.bad
}

// rrType reads a record type given as a number (1), a numeric string ("1")
// or a name ("A", "AAAA", and Windows' "TEXT" for TXT); 0 when unknown.
func (d *Decoder) rrType(raw string) uint16 {
	s := d.strValue(raw)
	if s != "" && s[0] >= '0' && s[0] <= '9' {
		if n, err := strconv.ParseUint(s, 10, 16); err == nil {
			return uint16(n)
		}
	}
	switch s {
	case "A":
		return event.TypeA
	case "NS":
		return event.TypeNS
	case "CNAME":
		return event.TypeCNAME
	case "SOA":
		return event.TypeSOA
	case "NULL":
		return event.TypeNULL
	case "PTR":
		return event.TypePTR
	case "MX":
		return event.TypeMX
	case "TXT", "TEXT":
		return event.TypeTXT
	case "AAAA":
		return event.TypeAAAA
	case "SRV":
		return event.TypeSRV
	case "SVCB":
		return 64
	case "HTTPS":
		return event.TypeHTTPS
	case "ANY", "ALL":
		return event.TypeANY
	}
	d.nUnknownType++
	return 0
}
