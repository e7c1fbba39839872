// Package jsonscan validates and walks JSON text in place, without
// allocating and without decoding into Go values. Decoders use it to pick the
// raw values of the keys they know out of one record and to skip the rest.
//
// The grammar is RFC 8259's, except that strings are not checked for valid
// UTF-8. Nesting deeper than MaxDepth is rejected, so hostile input cannot
// drive the scanner into deep recursion.
package jsonscan

import (
	"bytes"
	"errors"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth bounds the nesting of the values the scanner skips. A value at
// depth MaxDepth may be a scalar or an empty container; deeper is rejected.
const MaxDepth = 32

// ErrBad is the error a decoder reports for a record the scanner rejects.
var ErrBad = errors.New("not a valid JSON object")

// Scanner walks JSON text B from position I. Methods advance I past what they
// consume; after a method reports false, I is somewhere inside the bad value
// and the walk should stop.
//
// Depth arguments count nesting: 0 for a top-level value, 1 for a member or
// element of a top-level object or array, and so on.
type Scanner struct {
	B []byte
	I int
}

// WS skips JSON white space.
func (s *Scanner) WS() {
	for s.I < len(s.B) {
		switch s.B[s.I] {
		case ' ', '\t', '\r', '\n':
			s.I++
		default:
			return
		}
	}
}

// Eat consumes c after optional white space and reports whether it was
// there.
func (s *Scanner) Eat(c byte) bool {
	s.WS()
	if s.I < len(s.B) && s.B[s.I] == c {
		s.I++
		return true
	}
	return false
}

// Value skips one value at depth starting at I (no leading white space) and
// reports whether it was valid.
func (s *Scanner) Value(depth int) bool {
	if s.I >= len(s.B) || depth > MaxDepth {
		return false
	}
	switch c := s.B[s.I]; {
	case c == '"':
		return s.str()
	case c == '{':
		return s.object(depth + 1)
	case c == '[':
		return s.array(depth + 1)
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	}
	return false
}

// RawValue skips optional white space and one value at depth, and returns
// the value as written (a view of B).
func (s *Scanner) RawValue(depth int) ([]byte, bool) {
	s.WS()
	start := s.I
	if !s.Value(depth) {
		return nil, false
	}
	return s.B[start:s.I], true
}

// Key reads `"key":` after optional white space, and the white space after
// it, returning the key's raw contents (between the quotes, escapes not
// decoded; a view of B).
func (s *Scanner) Key() ([]byte, bool) {
	s.WS()
	if s.I >= len(s.B) || s.B[s.I] != '"' {
		return nil, false
	}
	start := s.I + 1
	if !s.str() {
		return nil, false
	}
	key := s.B[start : s.I-1]
	if !s.Eat(':') {
		return nil, false
	}
	s.WS()
	return key, true
}

func (s *Scanner) literal(lit string) bool {
	if len(s.B)-s.I < len(lit) || string(s.B[s.I:s.I+len(lit)]) != lit {
		return false
	}
	s.I += len(lit)
	return true
}

func (s *Scanner) digits() bool {
	start := s.I
	for s.I < len(s.B) && s.B[s.I] >= '0' && s.B[s.I] <= '9' {
		s.I++
	}
	return s.I > start
}

func (s *Scanner) number() bool {
	if s.B[s.I] == '-' {
		s.I++
	}
	if s.I < len(s.B) && s.B[s.I] == '0' {
		s.I++
	} else if !s.digits() {
		return false
	}
	if s.I < len(s.B) && s.B[s.I] == '.' {
		s.I++
		if !s.digits() {
			return false
		}
	}
	if s.I < len(s.B) && (s.B[s.I] == 'e' || s.B[s.I] == 'E') {
		s.I++
		if s.I < len(s.B) && (s.B[s.I] == '+' || s.B[s.I] == '-') {
			s.I++
		}
		return s.digits()
	}
	return true
}

// str skips a string, checking its escapes.
func (s *Scanner) str() bool {
	s.I++ // opening quote
	for s.I < len(s.B) {
		c := s.B[s.I]
		switch {
		case c == '"':
			s.I++
			return true
		case c < 0x20:
			return false
		case c == '\\':
			if s.I+1 >= len(s.B) {
				return false
			}
			switch s.B[s.I+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.I += 2
			case 'u':
				if s.I+6 > len(s.B) {
					return false
				}
				for _, h := range s.B[s.I+2 : s.I+6] {
					if hexDigit(h) < 0 {
						return false
					}
				}
				s.I += 6
			default:
				return false
			}
		default:
			s.I++
		}
	}
	return false
}

// object skips an object whose members are at depth.
func (s *Scanner) object(depth int) bool {
	s.I++ // '{'
	if s.Eat('}') {
		return true
	}
	for {
		if _, ok := s.Key(); !ok {
			return false
		}
		if !s.Value(depth) {
			return false
		}
		if s.Eat(',') {
			continue
		}
		return s.Eat('}')
	}
}

// array skips an array whose elements are at depth.
func (s *Scanner) array(depth int) bool {
	s.I++ // '['
	if s.Eat(']') {
		return true
	}
	for {
		s.WS()
		if !s.Value(depth) {
			return false
		}
		if s.Eat(',') {
			continue
		}
		return s.Eat(']')
	}
}

// AppendString appends the decoded contents of the quoted JSON string raw,
// which the Scanner has accepted, to dst. A lone surrogate escape becomes
// U+FFFD; other bytes are copied as they are, valid UTF-8 or not.
func AppendString(dst, raw []byte) []byte {
	raw = raw[1 : len(raw)-1]
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		i++
		switch raw[i] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hex4(raw[i+1 : i+5])
			i += 4
			if utf16.IsSurrogate(r) && i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
				if r2 := utf16.DecodeRune(r, hex4(raw[i+3:i+7])); r2 != utf8.RuneError {
					r = r2
					i += 6
				}
			}
			dst = utf8.AppendRune(dst, r)
		default: // '"', '\\', '/'
			dst = append(dst, raw[i])
		}
	}
	return dst
}

// Text returns what the raw value the Scanner has accepted says: a
// string's contents with escapes decoded, nil for null, and anything else
// (a number, true, false) as written. A string without escapes and any
// other value come back as views of raw, with buf unchanged; an escaped
// string is decoded onto the end of buf, which Text returns, and text is
// that tail with its capacity cut so that later appends to buf leave it
// alone.
func Text(buf, raw []byte) (text, newBuf []byte) {
	switch {
	case string(raw) == "null":
		return nil, buf
	case raw[0] != '"':
		return raw, buf
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw[1 : len(raw)-1], buf
	}
	start := len(buf)
	buf = AppendString(buf, raw)
	return buf[start:len(buf):len(buf)], buf
}

// hex4 returns the value of four hex digits (already checked).
func hex4(b []byte) rune {
	var r rune
	for _, c := range b {
		r = r<<4 | hexDigit(c)
	}
	return r
}

// hexDigit returns the value of the hex digit c, or -1.
func hexDigit(c byte) rune {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0')
	case c >= 'a' && c <= 'f':
		return rune(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return rune(c-'A') + 10
	}
	return -1
}
