package windns

import (
	"errors"

	"github.com/dnsvigil/dnsvigil/internal/dnsname"
)

// maxNameBytes caps a name as written in a log: a 255-byte wire name with
// every byte escaped as \DDD, plus its length prefixes, takes about 1100.
const maxNameBytes = 1280

var (
	errNameEmpty  = errors.New("empty name")
	errNameLong   = errors.New("name too long")
	errNameSyntax = errors.New("not a (n)label name")
)

// nameBuilder turns names as Windows writes them into canonical form. Its
// buffers are reused, so decoding a name allocates nothing once warm.
type nameBuilder struct {
	labels []byte // the canonical name being built
	raw    []byte // one label with its escapes decoded
	// mismatched counts labels whose text did not match their length.
	mismatched int64
}

// appendName appends the canonical form of s to dst. Windows writes a name label
// by label with its length in parentheses, `(3)www(7)example(3)com(0)`, and
// inside packet details marks compression pointers with `[C00C]`; older
// servers write the dotted form `.www.example.com.`. A label is taken by its
// length, so a dot, a space or a parenthesis inside it stays inside it
// (`(3)a.b` is the one label `a\.b`). When the bytes after the length do not
// end where the next length starts, the label is read again with backslash
// escapes (`\.`, `\DDD`) counted as one byte each, and failing that up to
// the next `(n)` (counted as a mismatch).
func (nb *nameBuilder) appendName(dst, s []byte) ([]byte, error) {
	switch {
	case len(s) == 0:
		return dst, errNameEmpty
	case len(s) > maxNameBytes:
		return dst, errNameLong
	case s[0] != '(' && s[0] != '[':
		if len(s) > 1 && s[0] == '.' {
			s = s[1:]
		}
		return dnsname.AppendPresentation(dst, view(s)), nil
	}
	nb.labels = nb.labels[:0]
	for len(s) > 0 {
		if s[0] == '[' {
			rest, ok := skipPointer(s)
			if !ok {
				return dst, errNameSyntax
			}
			s = rest
			continue
		}
		n, rest, ok := labelLength(s)
		if !ok {
			return dst, errNameSyntax
		}
		if n == 0 {
			if !trailer(rest) {
				return dst, errNameSyntax
			}
			break
		}
		s = nb.label(rest, n)
	}
	if len(nb.labels) == 0 {
		return append(dst, '.'), nil
	}
	return append(dst, nb.labels...), nil
}

// label appends the label of length n at the start of s and returns what
// follows it.
func (nb *nameBuilder) label(s []byte, n int) []byte {
	if n <= len(s) && boundary(s[n:]) {
		nb.labels = appendLabel(nb.labels, s[:n])
		return s[n:]
	}
	if raw, rest, ok := unescape(nb.raw[:0], s, n); ok {
		nb.raw = raw
		nb.labels = appendLabel(nb.labels, raw)
		return rest
	}
	nb.mismatched++
	i := 0
	for i < len(s) && !boundary(s[i:]) {
		i++
	}
	nb.labels = appendLabel(nb.labels, s[:i])
	return s[i:]
}

// appendLabel appends one raw label in canonical form. Labels of letters,
// digits, '-' and '_' (nearly all) are lowercased through a table; any
// other byte sends the label to dnsname for escaping.
func appendLabel(dst, label []byte) []byte {
	if len(dst) > 0 {
		dst = append(dst, '.')
	}
	start := len(dst)
	dst = append(dst, label...)
	out := dst[start:]
	for i, c := range out {
		m := plainByte[c]
		if m == 0 {
			// dnsname writes the separating dot itself.
			return dnsname.AppendWireLabel(dst[:max(start-1, 0)], label)
		}
		out[i] = m
	}
	return dst
}

// plainByte maps the bytes a canonical label holds unchanged (after
// lowercasing) to themselves lowercased, and every other byte to 0.
var plainByte = func() (t [256]byte) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = byte(c), byte(c)
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c)
	}
	t['-'], t['_'] = '-', '_'
	return t
}()

// unescape decodes n bytes of s, where `\DDD` and `\X` stand for one byte
// each, and reports whether they end at a label boundary.
func unescape(dst, s []byte, n int) ([]byte, []byte, bool) {
	i := 0
	for k := 0; k < n; k++ {
		switch {
		case i >= len(s):
			return dst, nil, false
		case s[i] == '\\' && i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]):
			v := int(s[i+1]-'0')*100 + int(s[i+2]-'0')*10 + int(s[i+3]-'0')
			if v > 255 {
				return dst, nil, false
			}
			dst = append(dst, byte(v))
			i += 4
		case s[i] == '\\' && i+1 < len(s):
			dst = append(dst, s[i+1])
			i += 2
		default:
			dst = append(dst, s[i])
			i++
		}
	}
	return dst, s[i:], boundary(s[i:])
}

// labelLength reads `(n)` at the start of s.
func labelLength(s []byte) (int, []byte, bool) {
	if len(s) < 3 || s[0] != '(' {
		return 0, nil, false
	}
	n, i := 0, 1
	for ; i < len(s) && isDigit(s[i]); i++ {
		if i > 3 {
			return 0, nil, false
		}
		n = n*10 + int(s[i]-'0')
	}
	if i == 1 || i >= len(s) || s[i] != ')' {
		return 0, nil, false
	}
	return n, s[i+1:], true
}

// skipPointer skips a `[XXXX]` compression pointer mark.
func skipPointer(s []byte) ([]byte, bool) {
	if len(s) < 6 || s[0] != '[' || s[5] != ']' {
		return nil, false
	}
	for _, c := range s[1:5] {
		if _, ok := hexDigit(c); !ok {
			return nil, false
		}
	}
	return s[6:], true
}

// boundary reports whether s starts where a label may end: the end of the
// name, a length or a pointer mark.
func boundary(s []byte) bool {
	if len(s) == 0 {
		return true
	}
	if s[0] == '[' {
		_, ok := skipPointer(s)
		return ok
	}
	_, _, ok := labelLength(s)
	return ok
}

// trailer reports whether s, what follows `(0)`, holds nothing but pointer
// marks.
func trailer(s []byte) bool {
	for len(s) > 0 {
		rest, ok := skipPointer(s)
		if !ok {
			return false
		}
		s = rest
	}
	return true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// hexDigit returns the value of one hexadecimal digit.
func hexDigit(c byte) (byte, bool) {
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
