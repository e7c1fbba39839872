// Package escape makes attacker-chosen strings safe to show. Query names,
// host names and process paths in alerts come from the traffic and logs being
// analysed, so an adversary can put terminal control sequences, bidirectional
// overrides or invisible characters in them to hide, reorder or forge what an
// analyst reads. Every output writes such strings through this package.
//
// Three forms are offered, one per destination:
//
//   - Terminal writes every character that is not plainly visible as a Go
//     escape (`\x1b`, `\r`, `\u202e`, `\x80` for a byte that is not UTF-8) and
//     doubles the backslash, so the text can be read unambiguously and decoded
//     back exactly (it is the body of a Go string literal without the quotes).
//   - Name writes a DNS name in presentation format: printable ASCII is kept
//     (a backslash there already begins a presentation escape such as `\.` or
//     `\046`) and every other byte becomes `\DDD`, the presentation escape for
//     it. Canonical names (package dnsname) pass through unchanged.
//   - JSONString and AppendJSONSafe prepare strings for encoding/json, which
//     would replace invalid UTF-8 with U+FFFD and write DEL, C1 controls and
//     bidi overrides raw: invalid bytes become the text `\xNN`, and the others
//     are rewritten as `\uXXXX` escapes in the encoded output, which decode to
//     the same value.
//
// Each function returns its input unchanged, without allocating, when nothing
// needs escaping.
package escape

import (
	"unicode"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// Visible reports whether r may be written to a terminal as is: printable
// ASCII, or a printable non-ASCII character (letter, mark, number,
// punctuation, symbol) that is not default-ignorable. Control characters (C0,
// DEL, C1), format characters (category Cf: bidi overrides and isolates,
// zero-width characters, tag characters), line and paragraph separators,
// spaces other than U+0020, private-use, unassigned code points, variation
// selectors and fillers such as U+3164 are not visible.
func Visible(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 0x20 && r < 0x7f
	}
	if !unicode.IsPrint(r) {
		return false
	}
	return !unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) &&
		!unicode.Is(unicode.Variation_Selector, r)
}

// Terminal returns s with every character that is not Visible written as a
// Go escape and each backslash doubled. strconv.Unquote of the result in
// double quotes (with any '"' escaped) gives back s.
func Terminal(s string) string {
	i := terminalClean(s)
	if i == len(s) {
		return s
	}
	b := make([]byte, 0, len(s)+16)
	b = append(b, s[:i]...)
	return string(appendTerminal(b, s[i:]))
}

// AppendTerminal appends the Terminal form of s to dst.
func AppendTerminal(dst []byte, s string) []byte {
	i := terminalClean(s)
	dst = append(dst, s[:i]...)
	if i == len(s) {
		return dst
	}
	return appendTerminal(dst, s[i:])
}

// terminalClean returns the length of the prefix of s that Terminal keeps
// unchanged.
func terminalClean(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f || c == '\\' {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || !Visible(r) {
			return i
		}
		i += n
	}
	return len(s)
}

// AppendControl appends s with every character that is not Visible
// written as a Go escape, as Terminal does, but keeps backslashes as they
// are: for outputs (syslog) where a name in presentation form should read
// the same as in the JSON output and only control characters must go.
func AppendControl(dst []byte, s string) []byte {
	return appendEscaped(dst, s, false)
}

func appendTerminal(dst []byte, s string) []byte {
	return appendEscaped(dst, s, true)
}

func appendEscaped(dst []byte, s string, backslash bool) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c == '\\' && !backslash {
				dst = append(dst, c)
			} else {
				dst = appendTerminalASCII(dst, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			dst = appendHexByte(dst, c)
		case Visible(r):
			dst = append(dst, s[i:i+n]...)
		default:
			dst = appendRuneEscape(dst, r)
		}
		i += n
	}
	return dst
}

func appendTerminalASCII(dst []byte, c byte) []byte {
	switch c {
	case '\\':
		return append(dst, '\\', '\\')
	case '\a':
		return append(dst, '\\', 'a')
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	case '\v':
		return append(dst, '\\', 'v')
	}
	if c < 0x20 || c == 0x7f {
		return appendHexByte(dst, c)
	}
	return append(dst, c)
}

// appendHexByte appends \xNN, the escape of one byte.
func appendHexByte(dst []byte, c byte) []byte {
	return append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
}

// appendRuneEscape appends \uXXXX for a rune in the basic multilingual plane
// and \UXXXXXXXX above it.
func appendRuneEscape(dst []byte, r rune) []byte {
	digits := 4
	dst = append(dst, '\\', 'u')
	if r > 0xffff {
		digits = 8
		dst[len(dst)-1] = 'U'
	}
	for shift := (digits - 1) * 4; shift >= 0; shift -= 4 {
		dst = append(dst, hexDigits[(r>>shift)&0xf])
	}
	return dst
}
