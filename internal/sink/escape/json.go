package escape

import (
	"unicode/utf16"
	"unicode/utf8"
)

// JSONString returns s ready to be given to encoding/json as a string value.
// Each byte that is not part of valid UTF-8 is written as the four characters
// `\xNN` (lowercase hex) instead of being replaced by U+FFFD, so an analyst
// sees what was there. Valid UTF-8 is kept exactly, backslashes included, so a
// value matches the same string in other tools; a string that already held
// the text `\xNN` therefore reads the same as one that held the invalid byte.
// Control and invisible characters are left for encoding/json and
// AppendJSONSafe, which escape them without changing the decoded value.
func JSONString(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s)+16)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = appendHexByte(b, s[i])
		} else {
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return string(b)
}

// AppendJSONSafe appends src, the output of encoding/json, to dst with DEL
// and every non-ASCII character that is not Visible (C1 controls, bidi
// overrides and isolates, zero-width and other format characters, separators)
// rewritten as a \uXXXX escape (a surrogate pair above U+FFFF). JSON syntax
// outside strings is ASCII, so such characters only occur inside strings and
// the rewritten text decodes to the same value; what changes is that a
// terminal or viewer showing the raw line cannot be driven by them. A byte of
// invalid UTF-8, which encoding/json never writes, becomes \ufffd.
func AppendJSONSafe(dst, src []byte) []byte {
	i := jsonClean(src)
	dst = append(dst, src[:i]...)
	for i < len(src) {
		c := src[i]
		if c < utf8.RuneSelf {
			if c == 0x7f {
				dst = appendJSONEscape(dst, 0x7f)
			} else {
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(src[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			dst = appendJSONEscape(dst, utf8.RuneError)
		case Visible(r):
			dst = append(dst, src[i:i+n]...)
		case r > 0xffff:
			hi, lo := utf16.EncodeRune(r)
			dst = appendJSONEscape(appendJSONEscape(dst, hi), lo)
		default:
			dst = appendJSONEscape(dst, r)
		}
		i += n
	}
	return dst
}

func jsonClean(src []byte) int {
	for i := 0; i < len(src); {
		c := src[i]
		if c < utf8.RuneSelf {
			if c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(src[i:])
		if (r == utf8.RuneError && n == 1) || !Visible(r) {
			return i
		}
		i += n
	}
	return len(src)
}

func appendJSONEscape(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u',
		hexDigits[(r>>12)&0xf], hexDigits[(r>>8)&0xf], hexDigits[(r>>4)&0xf], hexDigits[r&0xf])
}
