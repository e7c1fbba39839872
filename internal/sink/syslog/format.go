package syslog

import (
	"errors"
	"net/netip"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/sink/escape"
	"github.com/dnsvigil/dnsvigil/internal/sink/jsonl"
)

// Severity maps an alert severity to a syslog severity: critical to 2
// (critical), high to 3 (error), medium to 4 (warning), low to 5 (notice)
// and info (or anything else) to 6 (informational).
func Severity(s alert.Severity) int {
	switch s {
	case alert.SeverityCritical:
		return 2
	case alert.SeverityHigh:
		return 3
	case alert.SeverityMedium:
		return 4
	case alert.SeverityLow:
		return 5
	}
	return 6
}

// encoder builds RFC 5424 messages. Its buffers are reused: a message is
// valid until the next call.
type encoder struct {
	facility int
	hostname string // validated or sanitized PRINTUSASCII
	appName  string
	procID   string
	sdID     string
	json     bool
	max      int

	msg     []byte
	scratch []byte
}

// errUnsafe is returned if a message would carry a control byte; the
// escaping makes it impossible, and this check keeps it so.
var errUnsafe = errors.New("message holds a control character")

// encode returns the message for a and whether it was cut to fit max.
//
// Every string from the alert goes through appendText, which leaves no
// control or invisible character, so no newline or NUL can reach the wire
// and end the message early or start a forged one. SD-PARAM values are
// further escaped for '"', '\' and ']' (RFC 5424 section 6.3.3); header
// fields hold printable ASCII only.
func (e *encoder) encode(a *alert.Alert) ([]byte, bool, error) {
	b := e.msg[:0]
	b = append(b, '<')
	b = strconv.AppendInt(b, int64(e.facility*8+Severity(a.Severity)), 10)
	b = append(b, ">1 "...)
	b = appendTimestamp(b, a.Time)
	b = append(b, ' ')
	b = append(b, e.hostname...)
	b = append(b, ' ')
	b = append(b, e.appName...)
	b = append(b, ' ')
	b = append(b, e.procID...)
	b = append(b, ' ')
	b = appendHeaderField(b, a.RuleID, 32)
	b = append(b, ' ')
	headEnd := len(b)
	b = e.appendSD(b, a)
	if len(b) > e.max {
		b = append(b[:headEnd], '-') // the element alone is too long
	}
	cut := false
	if body := e.body(a); len(body) > 0 {
		b = append(b, ' ')
		if room := e.max - len(b); len(body) > room {
			body, cut = cutUTF8(body, max(room, 0)), true
		}
		b = append(b, body...)
	}
	e.msg = b
	for _, c := range b {
		if c < 0x20 || c == 0x7f {
			return nil, false, errUnsafe
		}
	}
	return b, cut, nil
}

// body returns MSG: the summary as safe text, or the alert as JSON.
func (e *encoder) body(a *alert.Alert) []byte {
	if e.json {
		out, err := jsonl.AppendAlert(e.scratch[:0], a)
		if err != nil {
			// An evidence value JSON cannot hold: say so rather than
			// send nothing.
			out = appendText(e.scratch[:0], a.Summary+" (alert not encodable as JSON: "+err.Error()+")")
		}
		e.scratch = out
		return out
	}
	e.scratch = appendText(e.scratch[:0], a.Summary)
	return e.scratch
}

// appendSD appends the structured-data element.
func (e *encoder) appendSD(b []byte, a *alert.Alert) []byte {
	b = append(b, '[')
	b = append(b, e.sdID...)
	b = e.appendParam(b, "rule", a.RuleID)
	b = e.appendParam(b, "severity", a.Severity.String())
	b = e.appendParam(b, "key", a.Key)
	b = e.appendParam(b, "technique", a.Technique)
	b = e.appendParam(b, "host", a.Host)
	b = appendAddr(b, "client", a.Client)
	b = appendAddr(b, "server", a.Server)
	if a.QName != "" {
		b = e.appendParam(b, "qname", escape.Name(a.QName))
	}
	return append(b, ']')
}

// appendParam appends ` name="value"` with value as safe text and then
// escaped for SD-PARAM; an empty value is left out.
func (e *encoder) appendParam(b []byte, name, value string) []byte {
	if value == "" {
		return b
	}
	b = append(b, ' ')
	b = append(b, name...)
	b = append(b, '=', '"')
	e.scratch = appendText(e.scratch[:0], value)
	for _, c := range e.scratch {
		if c == '"' || c == '\\' || c == ']' {
			b = append(b, '\\')
		}
		b = append(b, c)
	}
	return append(b, '"')
}

// appendAddr appends ` name="addr"` for a valid address, without an IPv6
// zone (as the JSON output writes it); its text needs no escaping.
func appendAddr(b []byte, name string, addr netip.Addr) []byte {
	if !addr.IsValid() {
		return b
	}
	b = append(b, ' ')
	b = append(b, name...)
	b = append(b, '=', '"')
	b = addr.WithZone("").AppendTo(b)
	return append(b, '"')
}

// appendTimestamp appends t in UTC with microseconds, the precision RFC
// 5424 allows, or the NILVALUE for the zero time and years it cannot write.
func appendTimestamp(b []byte, t time.Time) []byte {
	if t.IsZero() || t.Year() < 1 || t.Year() > 9999 {
		return append(b, '-')
	}
	return t.UTC().AppendFormat(b, "2006-01-02T15:04:05.000000Z07:00")
}

// appendHeaderField appends s as a header field: printable ASCII, other
// bytes as '_', at most max bytes; the NILVALUE when empty.
func appendHeaderField(b []byte, s string, max int) []byte {
	if s == "" {
		return append(b, '-')
	}
	for i := 0; i < len(s) && i < max; i++ {
		c := s[i]
		if c < 33 || c > 126 {
			c = '_'
		}
		b = append(b, c)
	}
	return b
}

// sanitizeHostname makes a host name a valid HOSTNAME field.
func sanitizeHostname(s string) string {
	if s == "" {
		return "-"
	}
	return string(appendHeaderField(nil, s, maxHostname))
}

// cutUTF8 returns the longest prefix of b of at most n bytes that does not
// end inside a UTF-8 sequence.
func cutUTF8(b []byte, n int) []byte {
	if n >= len(b) {
		return b
	}
	for n > 0 && !utf8.RuneStart(b[n]) {
		n--
	}
	return b[:n]
}

// appendText appends s with every character that escape.Visible refuses
// written as a Go escape (\n, \t, \x1b, \u202e, \xff for a byte that is not
// UTF-8). Unlike escape.Terminal it keeps a backslash as is, so text without
// such characters (keys, names in presentation form) reads the same as in
// the JSON output.
func appendText(dst []byte, s string) []byte {
	return escape.AppendControl(dst, s)
}
