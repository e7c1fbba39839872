package querylog

import (
	"bytes"
	"io"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

// This file holds the line helpers that the BIND and Unbound decoders share:
// a syslog clock that supplies the missing year, field splitting, and the
// mnemonic tables for classes and rcodes.

// syslogClock parses BSD syslog timestamps (`Mmm dd hh:mm:ss `), which have
// no year. It starts at year and advances it by one when a line's month is
// more than six months before the previous line's (December, then January).
type syslogClock struct {
	year int
	prev time.Month
}

func newSyslogClock(year int) syslogClock {
	if year <= 0 {
		year = 1970
	}
	return syslogClock{year: year}
}

// parse reads the timestamp at the start of line and returns the rest after
// it. The time zone is taken as UTC.
func (c *syslogClock) parse(line []byte) (time.Time, []byte, bool) {
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
	if c.prev != 0 && mon+6 < c.prev {
		c.year++
	}
	c.prev = mon
	return time.Date(c.year, mon, day, h, m, s, 0, time.UTC), line[16:], true
}

// maxFields is the most space-separated fields a BIND or Unbound query line
// is split into; longer lines are not query lines.
const maxFields = 12

// splitFields splits b at runs of spaces and tabs into dst and returns the
// number of fields, or -1 when there are more than len(dst).
func splitFields(dst *[maxFields][]byte, b []byte) int {
	n := 0
	for {
		for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
			b = b[1:]
		}
		if len(b) == 0 {
			return n
		}
		if n == len(dst) {
			return -1
		}
		i := bytes.IndexAny(b, " \t")
		if i < 0 {
			i = len(b)
		}
		dst[n] = b[:i]
		n++
		b = b[i:]
	}
}

// rrTypeCode maps a type mnemonic or the generic `TYPEnnn` form (RFC 3597)
// to its number.
func rrTypeCode(b []byte) (uint16, bool) {
	if len(b) > 4 && string(b[:4]) == "TYPE" {
		n, ok := atou(b[4:])
		if ok && n <= 0xFFFF {
			return uint16(n), true
		}
		return 0, false
	}
	return typeCode(b)
}

// classCode maps a class mnemonic or the generic `CLASSnnn` form to its
// number.
func classCode(b []byte) (uint16, bool) {
	switch string(b) {
	case "IN":
		return 1, true
	case "CH", "CHAOS":
		return 3, true
	case "HS":
		return 4, true
	case "NONE":
		return 254, true
	case "ANY":
		return 255, true
	}
	if len(b) > 5 && string(b[:5]) == "CLASS" {
		n, ok := atou(b[5:])
		if ok && n <= 0xFFFF {
			return uint16(n), true
		}
	}
	return 0, false
}

// rcodeCode maps an rcode mnemonic (as ldns/sldns and BIND write them) or
// `RCODEnnn` to its number.
func rcodeCode(b []byte) (uint16, bool) {
	switch string(b) {
	case "NOERROR":
		return 0, true
	case "FORMERR":
		return 1, true
	case "SERVFAIL":
		return 2, true
	case "NXDOMAIN":
		return 3, true
	case "NOTIMPL", "NOTIMP":
		return 4, true
	case "REFUSED":
		return 5, true
	case "YXDOMAIN":
		return 6, true
	case "YXRRSET":
		return 7, true
	case "NXRRSET":
		return 8, true
	case "NOTAUTH":
		return 9, true
	case "NOTZONE":
		return 10, true
	case "BADVERS", "BADSIG":
		return 16, true
	case "BADCOOKIE":
		return 23, true
	}
	if len(b) > 5 && string(b[:5]) == "RCODE" {
		n, ok := atou(b[5:])
		if ok && n <= 0xFFF {
			return uint16(n), true
		}
	}
	return 0, false
}

// parseSeconds reads a decimal number of seconds such as `0.001704` (at most
// nine fraction digits, at most a day).
func parseSeconds(b []byte) (time.Duration, bool) {
	whole, frac, _ := bytes.Cut(b, []byte{'.'})
	s, ok := atou(whole)
	if !ok || s > 86400 || len(frac) > 9 {
		return 0, false
	}
	d := time.Duration(s) * time.Second
	scale := time.Duration(100 * time.Millisecond)
	for _, c := range frac {
		if c < '0' || c > '9' {
			return 0, false
		}
		d += time.Duration(c-'0') * scale
		scale /= 10
	}
	return d, true
}

// lineDecoder is what sniffDecodes needs from a decoder.
type lineDecoder interface {
	Next(ev *event.Event) error
}

// sniffDecodes reports whether dec yields at least one event; bad lines
// are passed over. Reading stops at the first event or after 256 results.
func sniffDecodes(dec lineDecoder) bool {
	var ev event.Event
	for range 256 {
		err := dec.Next(&ev)
		switch {
		case err == nil:
			return true
		case err == io.EOF:
			return false
		case !input.IsRecordError(err):
			return false
		}
	}
	return false
}

// headLines returns head without its last line when head is longer than
// one line and does not end in a newline: the sniffer sees only a prefix of
// the input, so its last line may be cut short.
func headLines(head []byte) []byte {
	if len(head) == 0 || head[len(head)-1] == '\n' {
		return head
	}
	if i := bytes.LastIndexByte(head, '\n'); i >= 0 {
		return head[:i+1]
	}
	return head
}
