package windns

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"

	"github.com/dnsvigil/dnsvigil/internal/event"
)

var errTruncated = errors.New("block ends before its ADDITIONAL SECTION")

// section is the part of a details block being read.
type section uint8

const (
	secHeader section = iota
	secQuestion
	secAnswer
	secAuthority
	secAdditional
)

// block is the state of one packet details block: the resource record being
// read and the SOA fields that arrive on lines of their own.
type block struct {
	sec      section
	complete bool
	rr       event.RR
	open     bool
	hasType  bool
	// mname and rname are the ranges of strs holding the SOA names, which
	// arrive on lines of their own after the DATA line.
	mname, rname [2]int
	soa          [5]uint32
	soaSeen      uint8
}

// details reads the packet details block that follows a packet line when
// the log was written with details: the remote port, the message length
// and the resource records, which go straight into ev. A packet line not
// followed by a block is left as it is. A block that ends (next packet line
// or end of input) before its ADDITIONAL SECTION is a record error and the
// packet is dropped.
func (d *DebugDecoder) details(ev *event.Event, m *message) error {
	line, err := d.lr.read()
	switch {
	case err == io.EOF:
		return nil
	case err == errLineTooLong:
		d.held = d.lineError(d.lr.line, d.lr.off, "line too long", fmt.Errorf("over %d bytes", d.lr.limit))
		return nil
	case err != nil:
		return fmt.Errorf("windns: read %s: %w", d.name, err)
	}
	if !detailsStart(line) {
		d.lr.unread()
		return nil
	}
	d.c.details++
	d.blk = block{}
	for {
		line, err := d.lr.read()
		switch {
		case err == io.EOF:
			return d.endBlock(ev, m)
		case err == errLineTooLong:
			if d.held == nil {
				d.held = d.lineError(d.lr.line, d.lr.off, "line too long", fmt.Errorf("over %d bytes", d.lr.limit))
			}
			continue
		case err != nil:
			return fmt.Errorf("windns: read %s: %w", d.name, err)
		}
		if len(bytes.TrimSpace(line)) == 0 {
			return d.endBlock(ev, m)
		}
		if isDigit(line[0]) {
			d.lr.unread()
			return d.endBlock(ev, m)
		}
		d.detailLine(ev, m, line)
	}
}

// detailsStart reports whether line opens a details block
// (`UDP response info at 000001A7B5E5F010`).
func detailsStart(line []byte) bool {
	return (bytes.HasPrefix(line, []byte("UDP ")) || bytes.HasPrefix(line, []byte("TCP "))) &&
		bytes.Contains(line, []byte(" info at "))
}

// endBlock closes the block.
func (d *DebugDecoder) endBlock(ev *event.Event, m *message) error {
	d.finishRR(ev)
	if !d.blk.complete {
		return d.lineError(m.line, m.off, "truncated details block", errTruncated)
	}
	return nil
}

// detailLine reads one line of a details block. Lines it does not know are
// skipped, so a server that writes more keeps working.
func (d *DebugDecoder) detailLine(ev *event.Event, m *message, line []byte) {
	cur := cursor{b: line}
	key := cur.next()
	cur.skip()
	val := bytes.TrimRight(cur.b, " \t")
	b := &d.blk
	switch string(key) {
	case "Remote":
		m.remote = netip.AddrPortFrom(m.remote.Addr(), remotePort(val, m.remote.Port()))
	case "Msg":
		if n, ok := parenNumber(val); ok {
			m.size = int(n)
		}
	case "QUESTION", "ANSWER", "AUTHORITY", "ADDITIONAL":
		if string(val) == "SECTION:" {
			d.finishRR(ev)
			b.sec = sectionOf(key)
			b.complete = b.complete || b.sec == secAdditional
		}
	case "Offset":
		d.finishRR(ev)
		b.open = b.sec >= secAnswer
	case "QCLASS":
		if n, ok := atou(firstToken(val)); ok && n <= 0xFFFF {
			m.qclass = uint16(n)
		}
	default:
		if b.open {
			d.rrLine(key, val)
		}
	}
}

// rrLine reads one line of a resource record.
func (d *DebugDecoder) rrLine(key, val []byte) {
	b := &d.blk
	switch string(key) {
	case "Name":
		b.rr.Name = d.detailName(unquote(val))
	case "TYPE":
		if n, ok := parenNumber(val); ok && n <= 0xFFFF {
			b.rr.Type, b.hasType = uint16(n), true
		} else if t, ok := typeCode(firstToken(val)); ok {
			b.rr.Type, b.hasType = t, true
		}
	case "CLASS":
		if n, ok := atou(firstToken(val)); ok && n <= 0xFFFF {
			b.rr.Class = uint16(n)
		}
	case "TTL":
		if n, ok := atou(firstToken(val)); ok && n <= 0xFFFFFFFF {
			b.rr.TTL = uint32(n)
		}
	case "DATA":
		b.rr.Data = d.rrData(b.rr.Type, val)
	case "PrimaryServer:":
		b.mname = d.nameRange(val)
	case "Administrator:":
		b.rname = d.nameRange(val)
	case "SerialNo", "Refresh", "Retry", "Expire", "MinimumTTL":
		i := soaField(key)
		if n, ok := atou(bytes.TrimSpace(bytes.TrimPrefix(val, []byte("=")))); ok && n <= 0xFFFFFFFF {
			b.soa[i] = uint32(n)
			b.soaSeen |= 1 << i
		}
	}
}

// rrData returns the presentation form of the data of a record of type t
// written on its DATA line: addresses and names are decoded, other types
// give an empty string.
func (d *DebugDecoder) rrData(t uint16, val []byte) string {
	switch t {
	case event.TypeA, event.TypeAAAA:
		addr, err := netip.ParseAddr(view(val))
		if err != nil || addr.Is4() != (t == event.TypeA) {
			return ""
		}
		start := len(d.strs)
		d.strs = addr.AppendTo(d.strs)
		return view(d.strs[start:])
	case event.TypeNS, event.TypeCNAME, event.TypePTR, 39: // 39 DNAME
		return d.detailName(val)
	case event.TypeMX:
		pref := firstToken(val)
		n, ok := atou(pref)
		if !ok || n > 0xFFFF {
			return ""
		}
		start := len(d.strs)
		d.strs = append(d.strs, pref...)
		d.strs = append(d.strs, ' ')
		cur := cursor{b: val[len(pref):]}
		cur.skip()
		var err error
		if d.strs, err = d.names.appendName(d.strs, cur.b); err != nil {
			d.strs = d.strs[:start]
			return ""
		}
		return view(d.strs[start:])
	}
	return ""
}

// detailName decodes a name of a details block into strs; an unreadable name
// gives "".
func (d *DebugDecoder) detailName(val []byte) string {
	r := d.nameRange(val)
	return view(d.strs[r[0]:r[1]])
}

// nameRange decodes a name into strs and returns its range.
func (d *DebugDecoder) nameRange(val []byte) [2]int {
	start := len(d.strs)
	var err error
	if len(val) == 0 || len(d.strs)+len(val) > maxRecordBytes {
		return [2]int{start, start}
	}
	if d.strs, err = d.names.appendName(d.strs, val); err != nil {
		d.strs = d.strs[:start]
	}
	return [2]int{start, len(d.strs)}
}

// finishRR adds the record being read to its section of ev.
func (d *DebugDecoder) finishRR(ev *event.Event) {
	b := &d.blk
	rr, keep := b.rr, b.open && b.hasType && b.rr.Type != 41 // 41: OPT, not a record
	if keep && rr.Type == event.TypeSOA {
		rr.Data = d.soaData()
	}
	b.rr, b.open, b.hasType, b.soaSeen = event.RR{}, false, false, 0
	if !keep {
		return
	}
	dns := &ev.DNS
	if len(dns.Answers)+len(dns.Authority)+len(dns.Additional) >= maxRecords {
		d.c.recordsDropped++
		return
	}
	switch b.sec {
	case secAnswer:
		dns.Answers = append(dns.Answers, rr)
	case secAuthority:
		dns.Authority = append(dns.Authority, rr)
	case secAdditional:
		dns.Additional = append(dns.Additional, rr)
	}
}

// sectionOf maps a section header's first word to its section.
func sectionOf(key []byte) section {
	switch string(key) {
	case "QUESTION":
		return secQuestion
	case "ANSWER":
		return secAnswer
	case "AUTHORITY":
		return secAuthority
	}
	return secAdditional
}

// soaField maps the key of an SOA data line to its place in block.soa.
func soaField(key []byte) int {
	switch string(key) {
	case "SerialNo":
		return 0
	case "Refresh":
		return 1
	case "Retry":
		return 2
	case "Expire":
		return 3
	}
	return 4
}

// soaData joins the SOA fields read on their own lines into the
// presentation form "MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM", or ""
// when a part is missing.
func (d *DebugDecoder) soaData() string {
	b := &d.blk
	if b.mname[1] == b.mname[0] || b.rname[1] == b.rname[0] || b.soaSeen != 0x1F {
		return ""
	}
	start := len(d.strs)
	d.strs = append(d.strs, d.strs[b.mname[0]:b.mname[1]]...)
	d.strs = append(d.strs, ' ')
	d.strs = append(d.strs, d.strs[b.rname[0]:b.rname[1]]...)
	for _, v := range b.soa {
		d.strs = append(d.strs, ' ')
		d.strs = appendUint(d.strs, uint64(v))
	}
	return view(d.strs[start:])
}

// remotePort reads `addr ADDR, port N` and returns N, or def.
func remotePort(val []byte, def uint16) uint16 {
	i := bytes.LastIndex(val, []byte("port "))
	if i < 0 {
		return def
	}
	n, ok := atou(bytes.TrimSpace(val[i+len("port "):]))
	if !ok || n > 0xFFFF {
		return def
	}
	return uint16(n)
}

// parenNumber reads the decimal number in parentheses at the end of val, as
// in `0x0021 (33)` or `A  (1)`.
func parenNumber(val []byte) (uint64, bool) {
	i, j := bytes.LastIndexByte(val, '('), bytes.LastIndexByte(val, ')')
	if i < 0 || j < i {
		return 0, false
	}
	return atou(val[i+1 : j])
}

// unquote strips the double quotes around a details Name.
func unquote(val []byte) []byte {
	if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
		return val[1 : len(val)-1]
	}
	return val
}

func firstToken(val []byte) []byte {
	c := cursor{b: val}
	return c.next()
}

// appendUint appends v in decimal.
func appendUint(dst []byte, v uint64) []byte {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(dst, buf[i:]...)
}
