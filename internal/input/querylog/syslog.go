package querylog

import (
	"bytes"
	"net/netip"
	"time"
)

// stamp parses the BSD syslog timestamp `Mmm dd hh:mm:ss ` at the start of
// line (day space- or zero-padded) and returns the rest. The year is d.year,
// advanced by one when the month drops by more than six (a year boundary).
// The time zone is taken as UTC.
func (d *Decoder) stamp(line []byte) (time.Time, []byte, bool) {
	if len(line) < 16 || line[3] != ' ' || line[6] != ' ' || line[9] != ':' || line[12] != ':' || line[15] != ' ' {
		return time.Time{}, nil, false
	}
	mon := month(line[:3])
	day, ok1 := num2(line[4], line[5])
	h, ok2 := num2(line[7], line[8])
	m, ok3 := num2(line[10], line[11])
	s, ok4 := num2(line[13], line[14])
	if mon == 0 || !ok1 || !ok2 || !ok3 || !ok4 || day < 1 || day > 31 || h > 23 || m > 59 || s > 60 {
		return time.Time{}, nil, false
	}
	if d.prevMonth != 0 && mon+6 < d.prevMonth {
		d.year++
	}
	d.prevMonth = mon
	return time.Date(d.year, mon, day, h, m, s, 0, time.UTC), line[16:], true
}

// num2 parses a two-character number whose first character may be a space.
func num2(a, b byte) (int, bool) {
	if b < '0' || b > '9' {
		return 0, false
	}
	switch {
	case a == ' ':
		return int(b - '0'), true
	case a >= '0' && a <= '9':
		return int(a-'0')*10 + int(b-'0'), true
	}
	return 0, false
}

func month(b []byte) time.Month {
	switch string(b) {
	case "Jan":
		return time.January
	case "Feb":
		return time.February
	case "Mar":
		return time.March
	case "Apr":
		return time.April
	case "May":
		return time.May
	case "Jun":
		return time.June
	case "Jul":
		return time.July
	case "Aug":
		return time.August
	case "Sep":
		return time.September
	case "Oct":
		return time.October
	case "Nov":
		return time.November
	case "Dec":
		return time.December
	}
	return 0
}

// Kinds of syslog program tags.
const (
	tagDNS   = iota // dnsmasq[PID]: or dnsmasq:
	tagDHCP         // dnsmasq-dhcp, dnsmasq-tftp, ...
	tagOther        // another program
)

// splitTag finds the program tag after the timestamp, skipping one host
// name token when the first token is not a dnsmasq tag, and returns the
// message after it.
func splitTag(rest []byte) ([]byte, int) {
	for try := 0; try < 2; try++ {
		tok, after, _ := bytes.Cut(rest, []byte{' '})
		if k, ok := tagKind(tok); ok {
			return after, k
		}
		rest = after
	}
	return nil, tagOther
}

// tagKind classifies `dnsmasq[123]:`, `dnsmasq:`, `dnsmasq-dhcp[1]:`.
func tagKind(tok []byte) (int, bool) {
	rest, ok := bytes.CutPrefix(tok, []byte("dnsmasq"))
	if !ok || len(rest) == 0 || rest[len(rest)-1] != ':' {
		return 0, false
	}
	rest = rest[:len(rest)-1]
	kind := tagDNS
	if len(rest) > 0 && rest[0] == '-' {
		kind = tagDHCP
		i := bytes.IndexByte(rest, '[')
		if i < 0 {
			i = len(rest)
		}
		rest = rest[i:]
	}
	if len(rest) == 0 {
		return kind, true
	}
	if len(rest) < 3 || rest[0] != '[' || rest[len(rest)-1] != ']' {
		return 0, false
	}
	if _, ok := atou(rest[1 : len(rest)-1]); !ok {
		return 0, false
	}
	return kind, true
}

// extraPrefix strips the `log-queries=extra` prefix `SERIAL ADDR/PORT ` and
// returns the serial and the client address with its port; without the
// prefix the serial is 0 and the address invalid.
func extraPrefix(msg []byte) (uint64, netip.AddrPort, []byte) {
	if len(msg) == 0 || msg[0] < '0' || msg[0] > '9' {
		return 0, netip.AddrPort{}, msg
	}
	tok, rest, _ := bytes.Cut(msg, []byte{' '})
	serial, ok := atou(tok)
	if !ok {
		return 0, netip.AddrPort{}, msg
	}
	ap, rest2, _ := bytes.Cut(rest, []byte{' '})
	i := bytes.LastIndexByte(ap, '/')
	if i < 0 {
		return 0, netip.AddrPort{}, msg
	}
	addr, err := netip.ParseAddr(view(ap[:i]))
	port, ok := atou(ap[i+1:])
	if err != nil || !ok || port > 0xFFFF {
		return 0, netip.AddrPort{}, msg
	}
	return serial, netip.AddrPortFrom(addr, uint16(port)), rest2
}

// Sniff reports whether head, the first bytes of an input, looks like a
// dnsmasq query log: it holds a `dnsmasq[` tag and a `query[` line. The file
// name plays no part.
func Sniff(head []byte) bool {
	return bytes.Contains(head, []byte("dnsmasq[")) && bytes.Contains(head, []byte("query["))
}
