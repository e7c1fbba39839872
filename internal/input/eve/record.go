package eve

import (
	"bytes"
	"errors"
	"net/netip"
	"unsafe"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input/jsonscan"
)

// topFields are the raw values of the top-level keys read; nil when absent.
type topFields struct {
	timestamp, eventType, srcIP, srcPort, destIP, destPort, proto, dns []byte
}

// dnsFields are the raw values of the keys of the "dns" object.
type dnsFields struct {
	typ, id, rrname, rrtype, rcode, flags, opcode, queries []byte
	answers, authorities, additionals, grouped             []byte
	qr, aa, tc, rd, ra, ad, cd                             []byte
}

// eachMember calls fn for each key and raw value of the object raw, which
// the scanner has validated. Keys are raw (escapes not decoded).
func eachMember(raw []byte, fn func(key, val []byte)) {
	s := jsonscan.Scanner{B: raw, I: 1}
	if s.Eat('}') {
		return
	}
	for {
		key, _ := s.Key()
		val, _ := s.RawValue(1)
		fn(key, val)
		if !s.Eat(',') {
			return
		}
	}
}

// eachElem calls fn for each raw element of the array raw (validated).
func eachElem(raw []byte, fn func(elem []byte) bool) {
	s := jsonscan.Scanner{B: raw, I: 1}
	if s.Eat(']') {
		return
	}
	for {
		elem, _ := s.RawValue(1)
		if !fn(elem) || !s.Eat(',') {
			return
		}
	}
}

// decode reads one line. It returns true when ev holds a dns event, false
// without an error for a record of another event type.
func (d *Decoder) decode(line []byte, ev *event.Event) (bool, error) {
	line = bytes.TrimLeft(line, " \t")
	s := jsonscan.Scanner{B: line}
	if len(line) == 0 || line[0] != '{' || !s.Value(0) {
		return false, d.recordError("bad json", jsonscan.ErrBad)
	}
	if s.WS(); s.I != len(line) {
		return false, d.recordError("bad json", errors.New("data after the object"))
	}
	t := &d.top
	*t = topFields{}
	eachMember(line, func(key, val []byte) {
		switch string(key) {
		case "timestamp":
			t.timestamp = val
		case "event_type":
			t.eventType = val
		case "src_ip":
			t.srcIP = val
		case "src_port":
			t.srcPort = val
		case "dest_ip":
			t.destIP = val
		case "dest_port":
			t.destPort = val
		case "proto":
			t.proto = val
		case "dns":
			t.dns = val
		}
	})
	switch {
	case t.eventType == nil:
		return false, d.recordError("no event_type", nil)
	case string(t.eventType) != `"dns"`:
		d.c.other++
		return false, nil
	}
	ev.Reset()
	d.buf = d.buf[:0]
	if err := d.fill(ev); err != nil {
		ev.Reset()
		return false, err
	}
	d.c.dns++
	return true, nil
}

// fill maps the top-level fields and the dns object into ev.
func (d *Decoder) fill(ev *event.Event) error {
	t := &d.top
	ev.Kind = event.KindDNS
	ev.Source = event.Source{Name: d.name, Line: d.lr.Line(), Offset: d.lr.Offset()}
	if t.timestamp == nil || t.timestamp[0] != '"' {
		return d.fieldError("bad timestamp", "timestamp", t.timestamp)
	}
	ts, ok := parseTime(t.timestamp[1 : len(t.timestamp)-1])
	if !ok {
		return d.fieldError("bad timestamp", "timestamp", t.timestamp)
	}
	ev.Time = ts
	if t.dns == nil || t.dns[0] != '{' {
		return d.fieldError("no dns object", "dns", t.dns)
	}
	src, err := d.endpoint("src", t.srcIP, t.srcPort)
	if err != nil {
		return err
	}
	dst, err := d.endpoint("dest", t.destIP, t.destPort)
	if err != nil {
		return err
	}
	ev.Client, ev.Server = src, dst
	switch string(t.proto) {
	case `"UDP"`, `"udp"`, `"17"`, "17":
		ev.Transport = event.TransportUDP
	case `"TCP"`, `"tcp"`, `"6"`, "6":
		ev.Transport = event.TransportTCP
	}
	if err := d.fillDNS(&ev.DNS); err != nil {
		return err
	}
	// Suricata versions that log a response in packet direction name the
	// server as src: a response from port 53 to another port is turned
	// round so that Client is always the asker.
	if ev.DNS.HasResponse && src.Port() == 53 && dst.Port() != 53 {
		ev.Client, ev.Server = dst, src
	}
	return nil
}

// endpoint parses an address and port; both may be absent (zero AddrPort),
// an absent port alone leaves port 0.
func (d *Decoder) endpoint(side string, ip, port []byte) (netip.AddrPort, error) {
	if ip == nil || string(ip) == "null" {
		return netip.AddrPort{}, nil
	}
	if ip[0] != '"' || len(ip) < 3 {
		return netip.AddrPort{}, d.fieldError("bad address", side+"_ip", ip)
	}
	inner := ip[1 : len(ip)-1]
	a, err := netip.ParseAddr(unsafe.String(&inner[0], len(inner)))
	if err != nil {
		return netip.AddrPort{}, d.fieldError("bad address", side+"_ip", ip)
	}
	var p uint64
	if port != nil && string(port) != "null" {
		var ok bool
		if p, ok = parseUint(port, 0xffff); !ok {
			return netip.AddrPort{}, d.fieldError("bad port", side+"_port", port)
		}
	}
	return netip.AddrPortFrom(a.Unmap(), uint16(p)), nil
}

// parseUint parses a JSON non-negative integer up to max.
func parseUint(b []byte, max uint64) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
		if v > max {
			return 0, false
		}
	}
	return v, true
}

// str returns the bytes appended to d.buf since start as a string sharing
// d.buf's memory; the bytes are never written again before the next record.
func (d *Decoder) str(start int) string {
	if len(d.buf) == start {
		return ""
	}
	return unsafe.String(&d.buf[start], len(d.buf)-start)
}

// jsonString returns the decoded contents of the quoted JSON string raw:
// a view of raw when it has no escapes, else a copy in d.tmp (valid until
// the next call).
func (d *Decoder) jsonString(raw []byte) []byte {
	inner := raw[1 : len(raw)-1]
	for _, c := range inner {
		if c == '\\' {
			d.tmp = jsonscan.AppendString(d.tmp[:0], raw)
			return d.tmp
		}
	}
	return inner
}
