package querylog

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"time"
	"unsafe"

	"github.com/dnsvigil/dnsvigil/internal/dnsname"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

var (
	errNoFrom = errors.New("no \" from \" in query line")
	errNoTo   = errors.New("no \" to \" in forwarded line")
	errNoIs   = errors.New("no \" is \" in reply line")
)

// view returns b as a string without copying; the string must not outlive
// the bytes.
func view(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// handle decodes one line: a query line starts a pending query, forwarded
// and answer lines update the query they belong to, anything else is counted.
func (d *Decoder) handle(line []byte) error {
	if len(bytes.TrimSpace(line)) == 0 {
		return nil
	}
	t, rest, ok := d.stamp(line)
	if !ok {
		return d.lineError("bad syslog timestamp", line)
	}
	msg, tag := splitTag(rest)
	switch tag {
	case tagOther:
		d.c.foreign++
		return nil
	case tagDHCP:
		d.c.other++
		return nil
	}
	d.now = t
	if d.pend.headExpired(t, d.timeout) {
		// Queries that waited too long go out before this line is read,
		// so a late reply does not pair with them.
		d.held, d.hasHeld = line, true
		return nil
	}
	serial, client, msg := extraPrefix(msg)
	kw, body, _ := bytes.Cut(msg, []byte{' '})
	switch {
	case bytes.HasPrefix(kw, []byte("query[")) && kw[len(kw)-1] == ']':
		return d.query(line, t, serial, client, kw[len("query["):len(kw)-1], body)
	case string(kw) == "forwarded":
		return d.forwarded(line, serial, body)
	case string(kw) == "reply" || string(kw) == "cached" || string(kw) == "cached-stale" ||
		string(kw) == "config" || (len(kw) > 1 && kw[0] == '/'):
		return d.reply(line, t, serial, body)
	}
	d.c.other++
	return nil
}

// query handles `query[TYPE] NAME from ADDR`.
func (d *Decoder) query(line []byte, t time.Time, serial uint64, port netip.AddrPort, typ, body []byte) error {
	if d.pend.full() {
		// Emit the oldest query first; this line is handled on the next
		// call, once that query's slot is free.
		d.held, d.hasHeld = line, true
		d.c.evicted++
		return nil
	}
	i := bytes.LastIndex(body, []byte(" from "))
	if i < 0 {
		return d.recordError("bad query line", errNoFrom)
	}
	addr, err := netip.ParseAddr(view(bytes.TrimSpace(body[i+len(" from "):])))
	if err != nil {
		return d.lineError("bad client address", line)
	}
	qtype, known := typeCode(typ)
	if !known {
		d.c.unknownType++
	}
	name := body[:i]
	if len(name) > maxNameBytes {
		return d.recordError("name too long", fmt.Errorf("%d bytes", len(name)))
	}
	d.c.queries++
	if string(name) == "<name unprintable>" {
		d.c.unprintable++
	}
	d.scratch = dnsname.AppendPresentation(d.scratch[:0], view(name))
	e := d.pend.push(d.pend.key(serial, d.scratch))
	e.name = append(e.name, d.scratch...)
	e.time, e.line, e.off, e.qtype = t, d.lr.Line(), d.lr.Offset(), qtype
	e.rcode = event.RcodeUnknown
	e.client = netip.AddrPortFrom(addr, 0)
	if port.IsValid() && port.Addr() == addr {
		e.client = port
	}
	return nil
}

// forwarded handles `forwarded NAME to ADDR[#PORT]`.
func (d *Decoder) forwarded(line []byte, serial uint64, body []byte) error {
	i := bytes.LastIndex(body, []byte(" to "))
	if i < 0 {
		return d.recordError("bad forwarded line", errNoTo)
	}
	server, ok := parseServer(bytes.TrimSpace(body[i+len(" to "):]))
	if !ok {
		return d.lineError("bad server address", line)
	}
	e := d.find(serial, body[:i])
	if e == nil {
		d.c.forwarded++
		return nil
	}
	e.server = server
	return nil
}

// reply handles `reply|cached|config|/etc/hosts NAME is DATA`.
func (d *Decoder) reply(line []byte, t time.Time, serial uint64, body []byte) error {
	i := bytes.LastIndex(body, []byte(" is "))
	if i < 0 {
		return d.recordError("bad reply line", errNoIs)
	}
	name, data := body[:i], bytes.TrimSpace(body[i+len(" is "):])
	e := d.find(serial, name)
	chained := false
	if e == nil {
		e = d.chainTarget()
		if e == nil {
			d.c.unpaired++
			return nil
		}
		chained = true
	}
	d.c.paired++
	if !e.hasResponse {
		e.hasResponse, e.respTime = true, t
	}
	if chained {
		d.fillCNAME(e, d.scratch)
	}
	// find left the canonical name in d.scratch.
	d.addAnswer(e, d.scratch, data, chained)
	return nil
}

// find returns the open query for name (with the line's serial), or nil.
func (d *Decoder) find(serial uint64, name []byte) *entry {
	if len(name) > maxNameBytes {
		return nil
	}
	d.scratch = dnsname.AppendPresentation(d.scratch[:0], view(name))
	return d.pend.lookup(d.pend.key(serial, d.scratch), d.scratch)
}

// chainTarget returns the query whose last answer was `<CNAME>`: dnsmasq
// logs the chain's next name on the following reply line.
func (d *Decoder) chainTarget() *entry {
	if d.pend.n == 0 {
		return nil
	}
	e := &d.pend.slots[d.pend.ring[(d.pend.first+d.pend.n-1)%len(d.pend.ring)]]
	if !e.open || !e.lastIsCNAME {
		return nil
	}
	return e
}

// fillCNAME sets the data of e's trailing CNAME answer to target when it
// has none.
func (d *Decoder) fillCNAME(e *entry, target []byte) {
	a := &e.answers[len(e.answers)-1]
	if !a.noValue || e.dataOverflow || len(e.data)+len(target) > maxEntryData {
		return
	}
	a.dataStart = int32(len(e.data))
	e.data = append(e.data, target...)
	a.dataEnd = int32(len(e.data))
	a.noValue = false
}

// addAnswer records one answer line's data on e.
func (d *Decoder) addAnswer(e *entry, name, data []byte, chained bool) {
	e.lastIsCNAME = false
	switch string(data) {
	case "NXDOMAIN":
		e.rcode = event.RcodeNXDomain
		return
	case "NODATA", "NODATA-IPv4", "NODATA-IPv6":
		e.rcode = event.RcodeNoError
		return
	case "SERVFAIL":
		e.rcode = event.RcodeServFail
		return
	case "REFUSED":
		e.rcode = event.RcodeRefused
		return
	}
	e.rcode = event.RcodeNoError
	a := answer{typ: e.qtype, nameIsQName: !chained}
	if addr, err := netip.ParseAddr(view(data)); err == nil {
		a.typ = event.TypeA
		if addr.Is6() && !addr.Is4In6() {
			a.typ = event.TypeAAAA
		}
	} else if len(data) > 2 && data[0] == '<' && data[len(data)-1] == '>' {
		a.typ, _ = typeCode(data[1 : len(data)-1])
		a.noValue = true
		data = nil
		e.lastIsCNAME = a.typ == event.TypeCNAME
	}
	if len(e.answers) >= maxAnswers || len(e.data)+len(name)+len(data) > maxEntryData {
		e.dataOverflow = true
		d.c.dropped++
		return
	}
	if chained {
		a.nameStart = int32(len(e.data))
		e.data = append(e.data, name...)
		a.nameEnd = int32(len(e.data))
	}
	a.dataStart = int32(len(e.data))
	e.data = append(e.data, data...)
	a.dataEnd = int32(len(e.data))
	e.answers = append(e.answers, a)
}

// parseServer reads `ADDR` or `ADDR#PORT`; the port defaults to 53.
func parseServer(b []byte) (netip.AddrPort, bool) {
	port := uint16(53)
	if i := bytes.IndexByte(b, '#'); i >= 0 {
		p, ok := atou(b[i+1:])
		if !ok || p > 0xFFFF {
			return netip.AddrPort{}, false
		}
		port, b = uint16(p), b[:i]
	}
	addr, err := netip.ParseAddr(view(b))
	if err != nil {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(addr, port), true
}

// atou parses a decimal number of at most 19 digits.
func atou(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}

// fill places e in ev.
func (d *Decoder) fill(ev *event.Event, e *entry) {
	ev.Reset()
	ev.Kind = event.KindDNS
	ev.Time = e.time
	ev.Client, ev.Server = e.client, e.server
	ev.Source = event.Source{Name: d.name, Line: e.line, Offset: e.off}
	qname := view(e.name)
	dns := &ev.DNS
	dns.QName, dns.QType, dns.QClass = qname, e.qtype, 1
	dns.HasQuery, dns.HasResponse, dns.RCode = true, e.hasResponse, e.rcode
	if e.hasResponse {
		dns.Flags = event.FlagQR | event.FlagRD | event.FlagRA
		dns.RTT = e.respTime.Sub(e.time)
		if dns.RTT < 0 {
			dns.RTT = 0
		}
	} else {
		dns.Flags = event.FlagRD
	}
	for _, a := range e.answers {
		rr := event.RR{Name: qname, Type: a.typ, Class: 1, Data: view(e.data[a.dataStart:a.dataEnd])}
		if !a.nameIsQName {
			rr.Name = view(e.data[a.nameStart:a.nameEnd])
		}
		dns.Answers = append(dns.Answers, rr)
	}
}
