package dnswire

import (
	"encoding/binary"
	"strconv"
)

// appendUints appends the decimal values separated by single spaces.
func appendUints(dst []byte, vs ...uint32) []byte {
	for i, v := range vs {
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = strconv.AppendUint(dst, uint64(v), 10)
	}
	return dst
}

// appendTXT appends TXT rdata in presentation form: each character-string
// quoted, separated by a space, with `"` and `\` escaped by a backslash and
// bytes outside printable ASCII as \DDD, the form miekg/dns writes. It reports
// false when the strings do not exactly fill rdata.
func appendTXT(dst, rdata []byte) ([]byte, bool) {
	for i := 0; i < len(rdata); {
		n := int(rdata[i])
		i++
		if i+n > len(rdata) {
			return dst, false
		}
		if i > 1 {
			dst = append(dst, ' ')
		}
		dst = append(dst, '"')
		dst = appendTXTBytes(dst, rdata[i:i+n])
		dst = append(dst, '"')
		i += n
	}
	return dst, true
}

// appendTXTBytes escapes one character-string, copying runs of plain bytes
// in one append.
func appendTXTBytes(dst, s []byte) []byte {
	run := 0
	for i, c := range s {
		if c >= ' ' && c <= '~' && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[run:i]...)
		run = i + 1
		if c == '"' || c == '\\' {
			dst = append(dst, '\\', c)
			continue
		}
		dst = append(dst, '\\', '0'+c/100, '0'+c/10%10, '0'+c%10)
	}
	return append(dst, s[run:]...)
}

// skipName returns the offset just past the wire name at off, or -1 when the
// name runs past the message or uses a reserved label type.
func skipName(msg []byte, off int) int {
	for off >= 0 && off < len(msg) {
		c := int(msg[off])
		switch {
		case c == 0:
			return off + 1
		case c&0xC0 == 0xC0:
			return off + 2
		case c&0xC0 != 0:
			return -1
		}
		off += 1 + c
	}
	return -1
}

// locate returns the wire offset of record number n (counting from the first
// answer) or -1.
func locate(msg []byte, n int) int {
	off := 12
	for range qdcount(msg) {
		if off = skipName(msg, off); off < 0 {
			return -1
		}
		off += 4
	}
	for range n {
		if off = skipName(msg, off); off < 0 || off+10 > len(msg) {
			return -1
		}
		off += 10 + int(binary.BigEndian.Uint16(msg[off+8:]))
	}
	return off
}

// rdataOffset returns the wire offset of the current record's data. The
// record start is found once per message, on the first record that needs it,
// and then kept up to date by advance, so a message full of TXT records costs
// one pass.
func (p *Parser) rdataOffset() (int, bool) {
	if p.cursor < 0 {
		p.cursor = locate(p.raw, p.rrSeen)
	}
	off := skipName(p.raw, p.cursor)
	if p.cursor < 0 || off < 0 {
		p.cursor = -1
		return 0, false
	}
	return off + 10, true
}

// advance moves past the current record, whose data is length bytes long.
func (p *Parser) advance(length uint16) {
	p.rrSeen++
	if p.cursor < 0 {
		return
	}
	if off := skipName(p.raw, p.cursor); off >= 0 {
		p.cursor = off + 10 + int(length)
		return
	}
	p.cursor = -1
}
