// Package ascii holds the byte-level helpers that decoders of text log
// formats share: small functions over single ASCII characters, with no
// knowledge of any format. It imports nothing outside the standard library.
package ascii

// HexDigit returns the value of the hexadecimal digit c (0-9, a-f, A-F)
// and true, or 0 and false when c is not one.
func HexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
