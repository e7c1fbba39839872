// Package dnsname holds dnsvigil's canonical form of domain names and the
// label-aware operations on it: walking labels, counting them, and finding the
// registrable domain from the public suffix list.
//
// The canonical form is the DNS presentation format of RFC 1035 §5.1,
// lowercased, without the trailing dot (the root is "."). Bytes that are not
// plain in a label are escaped the way miekg/dns writes them: a dot inside a
// label is `\.`, a backslash `\\`, the specials space " ( ) ; @ $ as `\X`, and
// bytes below 0x21 or above 0x7E as `\DDD` (decimal). So a label that carries a
// dot or a NUL byte is never merged with its neighbour or dropped, and the
// canonical form of the same wire name is the same whichever decoder read it.
package dnsname

// AppendWireLabel appends one raw wire label to dst in canonical form,
// preceded by a dot when dst is not empty.
func AppendWireLabel(dst, label []byte) []byte {
	if len(dst) > 0 {
		dst = append(dst, '.')
	}
	for _, c := range label {
		dst = appendByte(dst, c)
	}
	return dst
}

func appendByte(dst []byte, c byte) []byte {
	switch {
	case c >= 'A' && c <= 'Z':
		return append(dst, c+('a'-'A'))
	case c == '.' || c == '\\' || c == ' ' || c == '"' || c == '(' || c == ')' || c == ';' || c == '@' || c == '$':
		return append(dst, '\\', c)
	case c < 0x21 || c > 0x7e:
		return append(dst, '\\', '0'+c/100, '0'+c/10%10, '0'+c%10)
	default:
		return append(dst, c)
	}
}

// AppendDotted appends a name given as raw label bytes joined by dots, where
// no label contains a dot (as golang.org/x/net/dns/dnsmessage guarantees), in
// canonical form. A trailing dot is dropped; an empty name or "." is the root.
func AppendDotted(dst []byte, name []byte) []byte {
	if len(name) > 0 && name[len(name)-1] == '.' {
		name = name[:len(name)-1]
	}
	if len(name) == 0 {
		return append(dst, '.')
	}
	for _, c := range name {
		if c == '.' {
			dst = append(dst, '.')
			continue
		}
		dst = appendByte(dst, c)
	}
	return dst
}

// AppendPresentation appends a name that is already in presentation format
// (escapes kept as written, such as miekg/dns output or a log field) in
// canonical form: ASCII letters lowercased, the trailing unescaped dot
// dropped, raw bytes that would be ambiguous or unprintable escaped as \DDD.
// Escape sequences are copied unchanged except that escaped letters are
// lowercased, so `\.` stays a dot inside a label.
func AppendPresentation(dst []byte, name string) []byte {
	n := len(name)
	if n > 0 && name[n-1] == '.' && !escapedAt(name, n-1) {
		n--
	}
	if n == 0 {
		return append(dst, '.')
	}
	for i := 0; i < n; i++ {
		c := name[i]
		switch {
		case c == '\\' && i+1 < n:
			dst = append(dst, '\\')
			i++
			c = name[i]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
		case c == '\\':
			dst = append(dst, '\\', '\\')
		case c >= 'A' && c <= 'Z':
			dst = append(dst, c+('a'-'A'))
		case c < 0x20 || c > 0x7e:
			dst = append(dst, '\\', '0'+c/100, '0'+c/10%10, '0'+c%10)
		case c == ' ':
			dst = append(dst, '\\', ' ')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// escapedAt reports whether the byte at i is preceded by an odd number of
// backslashes.
func escapedAt(s string, i int) bool {
	k := 0
	for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
		k++
	}
	return k%2 == 1
}

// Canonical returns the canonical form of a presentation-format name.
func Canonical(name string) string {
	return string(AppendPresentation(make([]byte, 0, len(name)+1), name))
}
