package defender

import (
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds the nesting of JSON values the scanner walks.
const maxDepth = 32

// jscan walks JSON text held in a string. It checks the grammar of RFC 8259
// as it skips values (strings are not checked for valid UTF-8) and never
// allocates. Values are returned raw, as written.
type jscan struct {
	s   string
	i   int
	bad bool
}

func (j *jscan) ws() {
	for j.i < len(j.s) {
		switch j.s[j.i] {
		case ' ', '\t', '\r', '\n':
			j.i++
		default:
			return
		}
	}
}

// eat consumes c after optional white space.
func (j *jscan) eat(c byte) bool {
	j.ws()
	if j.i < len(j.s) && j.s[j.i] == c {
		j.i++
		return true
	}
	return false
}

// value skips one value after optional white space and returns it raw.
func (j *jscan) value(depth int) (string, bool) {
	j.ws()
	start := j.i
	if !j.skip(depth) {
		j.bad = true
		return "", false
	}
	return j.s[start:j.i], true
}

func (j *jscan) skip(depth int) bool {
	if j.i >= len(j.s) || depth > maxDepth {
		return false
	}
	switch c := j.s[j.i]; {
	case c == '"':
		return j.str()
	case c == '{':
		j.i++
		if j.eat('}') {
			return true
		}
		for {
			j.ws()
			if j.i >= len(j.s) || j.s[j.i] != '"' || !j.str() || !j.eat(':') {
				return false
			}
			if _, ok := j.value(depth + 1); !ok {
				return false
			}
			if !j.eat(',') {
				return j.eat('}')
			}
		}
	case c == '[':
		j.i++
		if j.eat(']') {
			return true
		}
		for {
			if _, ok := j.value(depth + 1); !ok {
				return false
			}
			if !j.eat(',') {
				return j.eat(']')
			}
		}
	case c == '-' || (c >= '0' && c <= '9'):
		return j.number()
	case c == 't':
		return j.literal("true")
	case c == 'f':
		return j.literal("false")
	case c == 'n':
		return j.literal("null")
	}
	return false
}

func (j *jscan) literal(lit string) bool {
	if len(j.s)-j.i < len(lit) || j.s[j.i:j.i+len(lit)] != lit {
		return false
	}
	j.i += len(lit)
	return true
}

func (j *jscan) digits() bool {
	start := j.i
	for j.i < len(j.s) && j.s[j.i] >= '0' && j.s[j.i] <= '9' {
		j.i++
	}
	return j.i > start
}

func (j *jscan) number() bool {
	if j.s[j.i] == '-' {
		j.i++
	}
	if j.i < len(j.s) && j.s[j.i] == '0' {
		j.i++
	} else if !j.digits() {
		return false
	}
	if j.i < len(j.s) && j.s[j.i] == '.' {
		j.i++
		if !j.digits() {
			return false
		}
	}
	if j.i < len(j.s) && (j.s[j.i] == 'e' || j.s[j.i] == 'E') {
		j.i++
		if j.i < len(j.s) && (j.s[j.i] == '+' || j.s[j.i] == '-') {
			j.i++
		}
		return j.digits()
	}
	return true
}

// str skips a string, checking its escapes.
func (j *jscan) str() bool {
	j.i++
	for j.i < len(j.s) {
		c := j.s[j.i]
		switch {
		case c == '"':
			j.i++
			return true
		case c < 0x20:
			return false
		case c == '\\':
			if j.i+1 >= len(j.s) {
				return false
			}
			switch j.s[j.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j.i += 2
			case 'u':
				if j.i+6 > len(j.s) {
					return false
				}
				for k := j.i + 2; k < j.i+6; k++ {
					if _, ok := unhex(j.s[k]); !ok {
						return false
					}
				}
				j.i += 6
			default:
				return false
			}
		default:
			j.i++
		}
	}
	return false
}

// objIter walks the members of one JSON object:
//
//	it := newObjIter(s)
//	for it.next() { use(it.key, it.val) }
//	if it.bad { ... }
//
// key is the raw key between its quotes (escapes not decoded); val the raw
// value. A top-level object must be followed by white space only.
type objIter struct {
	j        jscan
	key, val string
	started  bool
	done     bool
}

func newObjIter(s string) objIter {
	it := objIter{j: jscan{s: s}}
	if !it.j.eat('{') {
		it.j.bad, it.done = true, true
	}
	return it
}

func (it *objIter) next() bool {
	if it.done {
		return false
	}
	j := &it.j
	if !it.started {
		it.started = true
		if j.eat('}') {
			return it.finish()
		}
	} else if !j.eat(',') {
		if !j.eat('}') {
			j.bad = true
		}
		return it.finish()
	}
	j.ws()
	start := j.i
	if j.i >= len(j.s) || j.s[j.i] != '"' || !j.str() {
		j.bad = true
		return it.finish()
	}
	it.key = j.s[start+1 : j.i-1]
	if !j.eat(':') {
		j.bad = true
		return it.finish()
	}
	v, ok := j.value(1)
	if !ok {
		return it.finish()
	}
	it.val = v
	return true
}

// finish ends the walk and checks that nothing but white space follows.
func (it *objIter) finish() bool {
	it.done = true
	if !it.j.bad {
		it.j.ws()
		it.j.bad = it.j.i != len(it.j.s)
	}
	return false
}

// malformed reports whether the object was malformed.
func (it *objIter) malformed() bool { return it.j.bad }

// arrIter walks the elements of one JSON array in the same way.
type arrIter struct {
	j       jscan
	val     string
	started bool
	done    bool
}

func newArrIter(s string) arrIter {
	it := arrIter{j: jscan{s: s}}
	if !it.j.eat('[') {
		it.j.bad, it.done = true, true
	}
	return it
}

func (it *arrIter) next() bool {
	if it.done {
		return false
	}
	j := &it.j
	if !it.started {
		it.started = true
		if j.eat(']') {
			it.done = true
			return false
		}
	} else if !j.eat(',') {
		if !j.eat(']') {
			j.bad = true
		}
		it.done = true
		return false
	}
	v, ok := j.value(1)
	if !ok {
		it.done = true
		return false
	}
	it.val = v
	return true
}

// appendUnquoted appends the decoded contents of the quoted JSON string raw
// (already checked by jscan) to dst. A lone surrogate becomes U+FFFD.
func appendUnquoted(dst []byte, raw string) []byte {
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
		default:
			dst = append(dst, raw[i])
		}
	}
	return dst
}

func hex4(s string) rune {
	var r rune
	for k := 0; k < len(s); k++ {
		v, _ := unhex(s[k])
		r = r<<4 | rune(v)
	}
	return r
}

func unhex(c byte) (byte, bool) {
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

// strValue returns the text of a raw JSON value: a string's decoded
// contents (aliasing raw when it has no escapes, else appended to d.strs),
// "" for null, and any other value as written.
func (d *Decoder) strValue(raw string) string {
	switch {
	case raw == "null":
		return ""
	case raw == "" || raw[0] != '"':
		return raw
	}
	inner := raw[1 : len(raw)-1]
	for k := 0; k < len(inner); k++ {
		if inner[k] == '\\' {
			start := len(d.strs)
			d.strs = appendUnquoted(d.strs, raw)
			return bufString(d.strs[start:])
		}
	}
	return inner
}
