package escape

// Name returns the DNS name s in presentation format with every byte that is
// not printable ASCII (below 0x21 or above 0x7e, space included) written as
// the presentation escape \DDD (three decimal digits). A backslash is kept:
// in presentation format it already begins an escape. A name in dnsvigil's
// canonical form is returned unchanged; a name a decoder left raw is shown the
// way the canonical form would have written it, so a NUL byte is `\000` and a
// Cyrillic letter is two `\DDD` escapes, never a look-alike glyph.
func Name(s string) string {
	i := nameClean(s)
	if i == len(s) {
		return s
	}
	b := make([]byte, 0, len(s)+16)
	b = append(b, s[:i]...)
	return string(appendName(b, s[i:]))
}

// AppendName appends the Name form of s to dst.
func AppendName(dst []byte, s string) []byte {
	i := nameClean(s)
	dst = append(dst, s[:i]...)
	if i == len(s) {
		return dst
	}
	return appendName(dst, s[i:])
}

func nameClean(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x21 || c > 0x7e {
			return i
		}
	}
	return len(s)
}

func appendName(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e {
			dst = append(dst, '\\', '0'+c/100, '0'+c/10%10, '0'+c%10)
			continue
		}
		dst = append(dst, c)
	}
	return dst
}
