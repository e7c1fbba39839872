package zeek

import (
	"errors"

	"github.com/dnsvigil/dnsvigil/internal/input/jsonscan"
)

// member is the raw value of one known key in the current JSON line.
type member struct {
	raw []byte // the value as written: a quoted string, a number, true, [...]
	set bool
}

// jsonLine decodes one JSON object line (Zeek's JSON writer, or a shipper's
// variant with "id_orig_h" keys and an "@stream" path) into d.rec. Values are
// kept raw until the log type is known, so lines of other logs are skipped
// without judging their fields. It returns false without an error for them.
func (d *Decoder) jsonLine(line []byte) (bool, error) {
	d.rec.reset()
	d.members = [nFields]member{}
	var path []byte
	var keys uint32
	s := jsonscan.Scanner{B: line, I: 1}
	if !s.Eat('}') {
		for {
			key, ok := s.Key()
			if !ok {
				return false, d.recordError("bad json", jsonscan.ErrBad)
			}
			val, ok := s.RawValue(1)
			if !ok {
				return false, d.recordError("bad json", jsonscan.ErrBad)
			}
			if id, known := fieldByName(key); known && !d.skipped(id) {
				null := val[0] == 'n'
				d.members[id] = member{raw: val, set: !null}
				if !null {
					keys |= kindBit(id)
				}
			} else if (string(key) == "_path" || string(key) == "@stream") && val[0] == '"' {
				path = val[1 : len(val)-1]
			}
			if s.Eat(',') {
				continue
			}
			if s.Eat('}') {
				break
			}
			return false, d.recordError("bad json", jsonscan.ErrBad)
		}
	}
	if s.WS(); s.I != len(line) {
		return false, d.recordError("bad json", errors.New("data after the object"))
	}
	d.rec.kind = kindOf(path, keys)
	if d.rec.kind == logOther {
		d.nOther++
		return false, nil
	}
	for id, m := range d.members {
		if !m.set {
			continue
		}
		if err := d.jsonValue(fieldID(id), m.raw); err != nil {
			return false, err
		}
	}
	return true, d.requireFields()
}

// jsonValue stores one raw JSON value. Strings are decoded; numbers and
// booleans are passed as their text; answers and TTLs are arrays.
func (d *Decoder) jsonValue(id fieldID, raw []byte) error {
	switch raw[0] {
	case '"':
		return d.setValue(id, d.jsonString(raw))
	case '{':
		return d.fieldError("bad json", id.String(), raw)
	case '[':
		if id != fAnswers && id != fTTLs {
			return d.fieldError("bad json", id.String(), raw)
		}
		s := jsonscan.Scanner{B: raw, I: 1}
		if s.Eat(']') {
			return nil
		}
		for {
			elem, _ := s.RawValue(1) // validated by jsonLine
			var err error
			switch elem[0] {
			case 'n':
			case '"':
				err = d.setValue(id, d.jsonString(elem))
			case '[', '{':
				err = d.fieldError("bad json", id.String(), elem)
			default:
				err = d.setValue(id, elem)
			}
			if err != nil {
				return err
			}
			if !s.Eat(',') {
				return nil
			}
		}
	}
	return d.setValue(id, raw)
}

// jsonString returns the decoded contents of a quoted JSON string: a view of
// raw when it has no escapes, else a copy in the record's scratch buffer.
func (d *Decoder) jsonString(raw []byte) []byte {
	inner := raw[1 : len(raw)-1]
	if !hasBackslash(inner) {
		return inner
	}
	r := &d.rec
	start := len(r.scratch)
	r.scratch = jsonscan.AppendString(r.scratch, raw)
	return r.scratch[start:]
}
