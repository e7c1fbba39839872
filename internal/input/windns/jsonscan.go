package windns

import (
	"errors"
	"unicode/utf8"
)

// maxJSONDepth bounds object and array nesting in one record.
const maxJSONDepth = 32

var (
	errJSONSyntax = errors.New("invalid json")
	errJSONDepth  = errors.New("json nested too deep")
)

// jsonScanner walks one JSON object. Strings without escapes are returned as
// views of the input; escaped ones are decoded into buf, which is sized to
// the input so that it never moves while the object is scanned.
type jsonScanner struct {
	b   []byte
	i   int
	buf []byte
}

func (s *jsonScanner) reset(b []byte) {
	s.b, s.i = b, 0
	if cap(s.buf) < 2*len(b) {
		// Byte arrays turned into hex take twice their text at most.
		s.buf = make([]byte, 0, 2*len(b))
	}
	s.buf = s.buf[:0]
}

func (s *jsonScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		default:
			return
		}
	}
}

func (s *jsonScanner) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// expect consumes c (after white space) or fails.
func (s *jsonScanner) expect(c byte) error {
	s.ws()
	if s.peek() != c {
		return errJSONSyntax
	}
	s.i++
	return nil
}

// str reads a string and returns its decoded bytes.
func (s *jsonScanner) str() ([]byte, error) {
	if s.peek() != '"' {
		return nil, errJSONSyntax
	}
	s.i++
	start := s.i
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			return s.b[start : s.i-1], nil
		case c == '\\':
			return s.escaped(start)
		case c < 0x20:
			return nil, errJSONSyntax
		}
		s.i++
	}
	return nil, errJSONSyntax
}

// escaped decodes a string holding escapes, from start, into s.buf.
func (s *jsonScanner) escaped(start int) ([]byte, error) {
	out := len(s.buf)
	s.buf = append(s.buf, s.b[start:s.i]...)
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return s.buf[out:len(s.buf):len(s.buf)], nil
		case c < 0x20:
			return nil, errJSONSyntax
		case c != '\\':
			s.buf = append(s.buf, c)
			s.i++
			continue
		}
		if s.i+1 >= len(s.b) {
			return nil, errJSONSyntax
		}
		e := s.b[s.i+1]
		s.i += 2
		switch e {
		case '"', '\\', '/':
			s.buf = append(s.buf, e)
		case 'b':
			s.buf = append(s.buf, '\b')
		case 'f':
			s.buf = append(s.buf, '\f')
		case 'n':
			s.buf = append(s.buf, '\n')
		case 'r':
			s.buf = append(s.buf, '\r')
		case 't':
			s.buf = append(s.buf, '\t')
		case 'u':
			r, ok := s.hex4()
			if !ok {
				return nil, errJSONSyntax
			}
			if r >= 0xD800 && r < 0xDC00 && s.i+1 < len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
				s.i += 2
				lo, ok := s.hex4()
				if !ok {
					return nil, errJSONSyntax
				}
				r = pairSurrogates(r, lo)
			}
			s.buf = utf8.AppendRune(s.buf, r)
		default:
			return nil, errJSONSyntax
		}
	}
	return nil, errJSONSyntax
}

func (s *jsonScanner) hex4() (rune, bool) {
	if s.i+4 > len(s.b) {
		return 0, false
	}
	var r rune
	for _, c := range s.b[s.i : s.i+4] {
		v, ok := hexDigit(c)
		if !ok {
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	s.i += 4
	return r, true
}

// pairSurrogates joins a surrogate pair; an invalid pair gives U+FFFD.
func pairSurrogates(hi, lo rune) rune {
	if lo < 0xDC00 || lo >= 0xE000 {
		return utf8.RuneError
	}
	return 0x10000 + (hi-0xD800)<<10 + (lo - 0xDC00)
}

// literal reads a number, true, false or null and returns its text.
func (s *jsonScanner) literal() ([]byte, error) {
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		if isDigit(c) || (c >= 'a' && c <= 'z') || c == '-' || c == '+' || c == '.' || c == 'E' {
			s.i++
			continue
		}
		break
	}
	v := s.b[start:s.i]
	switch {
	case len(v) == 0:
		return nil, errJSONSyntax
	case string(v) == "true", string(v) == "false", string(v) == "null":
		return v, nil
	case v[0] == '-' || isDigit(v[0]):
		for _, c := range v {
			if c >= 'a' && c <= 'z' && c != 'e' {
				return nil, errJSONSyntax
			}
		}
		return v, nil
	}
	return nil, errJSONSyntax
}

// skip reads and drops one value of any kind.
func (s *jsonScanner) skip(depth int) error {
	if depth > maxJSONDepth {
		return errJSONDepth
	}
	s.ws()
	switch s.peek() {
	case '"':
		_, err := s.str()
		return err
	case '{':
		return s.each(depth, true, func(_ []byte) error { return s.skip(depth + 1) })
	case '[':
		return s.each(depth, false, func(_ []byte) error { return s.skip(depth + 1) })
	}
	_, err := s.literal()
	return err
}

// each walks the object or array at s.i, calling fn for each member (with
// its key) or element (with a nil key); fn must consume the value.
func (s *jsonScanner) each(depth int, obj bool, fn func(key []byte) error) error {
	if depth > maxJSONDepth {
		return errJSONDepth
	}
	end := byte(']')
	if obj {
		end = '}'
	}
	s.i++
	s.ws()
	if s.peek() == end {
		s.i++
		return nil
	}
	for {
		var key []byte
		if obj {
			s.ws()
			k, err := s.str()
			if err != nil {
				return err
			}
			if err := s.expect(':'); err != nil {
				return err
			}
			key = k
		}
		s.ws()
		if err := fn(key); err != nil {
			return err
		}
		s.ws()
		switch s.peek() {
		case ',':
			s.i++
		case end:
			s.i++
			return nil
		default:
			return errJSONSyntax
		}
	}
}

// scalar reads a string or literal value; null gives nil, true.
func (s *jsonScanner) scalar() ([]byte, bool, error) {
	if s.peek() == '"' {
		v, err := s.str()
		return v, true, err
	}
	v, err := s.literal()
	if string(v) == "null" {
		return nil, true, err
	}
	return v, true, err
}
