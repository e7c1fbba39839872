package defender

import (
	"unsafe"

	"github.com/dnsvigil/dnsvigil/internal/input/jsonscan"
)

// jscan walks JSON text held in a string with a jsonscan.Scanner over a
// read-only view of the string's bytes, so it never allocates. Values and
// keys are returned raw, as views of the string.
type jscan struct {
	sc  jsonscan.Scanner
	bad bool
}

func newJscan(s string) jscan {
	return jscan{sc: jsonscan.Scanner{B: stringBytes(s)}}
}

// value skips one value after optional white space and returns it raw.
func (j *jscan) value(depth int) (string, bool) {
	v, ok := j.sc.RawValue(depth)
	if !ok {
		j.bad = true
		return "", false
	}
	return bufString(v), true
}

// objIter walks the members of one JSON object:
//
//	it := newObjIter(s)
//	for it.next() { use(it.key, it.val) }
//	if it.malformed() { ... }
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
	it := objIter{j: newJscan(s)}
	if !it.j.sc.Eat('{') {
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
		if j.sc.Eat('}') {
			return it.finish()
		}
	} else if !j.sc.Eat(',') {
		if !j.sc.Eat('}') {
			j.bad = true
		}
		return it.finish()
	}
	key, ok := j.sc.Key()
	if !ok {
		j.bad = true
		return it.finish()
	}
	it.key = bufString(key)
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
		it.j.sc.WS()
		it.j.bad = it.j.sc.I != len(it.j.sc.B)
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
	it := arrIter{j: newJscan(s)}
	if !it.j.sc.Eat('[') {
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
		if j.sc.Eat(']') {
			it.done = true
			return false
		}
	} else if !j.sc.Eat(',') {
		if !j.sc.Eat(']') {
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
			d.strs = jsonscan.AppendString(d.strs, stringBytes(raw))
			return bufString(d.strs[start:])
		}
	}
	return inner
}

// stringBytes views s as a byte slice without copying, for code that only
// reads it (the scanner). The slice must never be written to.
func stringBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
