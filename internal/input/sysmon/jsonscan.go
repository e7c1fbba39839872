package sysmon

import (
	"errors"
	"unicode/utf8"
)

// maxJSONDepth bounds object and array nesting in one line.
const maxJSONDepth = 32

var (
	errJSONSyntax = errors.New("invalid json")
	errJSONDepth  = errors.New("json nested too deep")
)

// jsonScanner walks one JSON line. Strings without escapes are returned as
// views of the line; escaped ones are decoded into buf, which is sized to
// the line so that it never moves while the line is scanned.
type jsonScanner struct {
	b   []byte
	i   int
	buf []byte
}

func (s *jsonScanner) reset(line []byte) {
	s.b, s.i = line, 0
	if cap(s.buf) < len(line) {
		s.buf = make([]byte, 0, len(line))
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

// str reads a string at s.i and returns its decoded bytes.
func (s *jsonScanner) str() ([]byte, error) {
	if s.peek() != '"' {
		return nil, errJSONSyntax
	}
	s.i++
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
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
			return s.buf[out:], nil
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
			if utf16Surrogate(r) && s.i+1 < len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
				s.i += 2
				r2, ok := s.hex4()
				if !ok {
					return nil, errJSONSyntax
				}
				r = combineSurrogates(r, r2)
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
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	s.i += 4
	return r, true
}

func utf16Surrogate(r rune) bool { return r >= 0xd800 && r < 0xdc00 }

// combineSurrogates joins a surrogate pair; an invalid pair gives U+FFFD
// (utf8.AppendRune writes it for any rune that is not valid).
func combineSurrogates(hi, lo rune) rune {
	if lo < 0xdc00 || lo >= 0xe000 {
		return utf8.RuneError
	}
	return 0x10000 + (hi-0xd800)<<10 + (lo - 0xdc00)
}

// literal reads a number, true, false or null and returns its text.
func (s *jsonScanner) literal() ([]byte, error) {
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		if (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-' || c == '+' || c == '.' || c == 'E' {
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
	case v[0] == '-' || (v[0] >= '0' && v[0] <= '9'):
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
	switch s.peek() {
	case '"':
		_, err := s.str()
		return err
	case '{', '[':
		end := byte('}')
		if s.b[s.i] == '[' {
			end = ']'
		}
		obj := end == '}'
		s.i++
		s.ws()
		if s.peek() == end {
			s.i++
			return nil
		}
		for {
			s.ws()
			if obj {
				if _, err := s.str(); err != nil {
					return err
				}
				s.ws()
				if s.peek() != ':' {
					return errJSONSyntax
				}
				s.i++
				s.ws()
			}
			if err := s.skip(depth + 1); err != nil {
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
	_, err := s.literal()
	return err
}
