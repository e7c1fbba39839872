package zeek

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// blockState is where the decoder stands in the current TSV header block.
type blockState uint8

const (
	blockNone   blockState = iota // no #fields yet
	blockReady                    // #fields read: data lines follow
	blockBad                      // the header was unusable: data lines are skipped
	blockClosed                   // #close read
)

// maxColumns caps the #fields list.
const maxColumns = 1024

// noField marks a #fields column the decoder does not read.
const noField fieldID = 0xFF

// header is the state of the current TSV header block. Its byte slices are
// owned copies, reused from block to block.
type header struct {
	state   blockState
	kind    logKind
	sep     []byte
	setSep  []byte
	empty   []byte
	unset   []byte
	path    []byte
	nfields int
	// colAt maps each #fields column to the field it holds, or noField.
	colAt []fieldID
	names [][]byte
}

// reset starts a block with Zeek's default separators.
func (h *header) reset() {
	h.state, h.kind, h.nfields = blockNone, logNone, 0
	h.sep = append(h.sep[:0], '\t')
	h.setSep = append(h.setSep[:0], ',')
	h.empty = append(h.empty[:0], "(empty)"...)
	h.unset = append(h.unset[:0], '-')
	h.path = h.path[:0]
}

// active reports whether TSV data lines are expected.
func (h *header) active() bool { return h.state == blockReady || h.state == blockBad }

// headerLine handles one line starting with '#'. Lines that are not Zeek
// directives are comments and are ignored.
func (d *Decoder) headerLine(line []byte) error {
	h := &d.hdr
	if v, ok := bytes.CutPrefix(line, []byte("#separator ")); ok {
		h.reset()
		d.nBlocks++
		h.sep = appendUnescaped(h.sep[:0], v)
		if len(h.sep) == 0 {
			h.sep = append(h.sep, '\t')
			return d.recordError("bad header", errors.New("empty #separator"))
		}
		return nil
	}
	key, val := directive(line[1:], h.sep)
	switch string(key) {
	case "set_separator":
		h.setSep = appendUnescaped(h.setSep[:0], val)
		if len(h.setSep) == 0 {
			h.setSep = append(h.setSep, ',')
			return d.recordError("bad header", errors.New("empty #set_separator"))
		}
	case "empty_field":
		h.empty = appendUnescaped(h.empty[:0], val)
		if len(h.empty) == 0 {
			h.empty = append(h.empty, "(empty)"...)
			return d.recordError("bad header", errors.New("empty #empty_field"))
		}
	case "unset_field":
		h.unset = appendUnescaped(h.unset[:0], val)
		if len(h.unset) == 0 {
			h.unset = append(h.unset, '-')
			return d.recordError("bad header", errors.New("empty #unset_field"))
		}
	case "path":
		h.path = append(h.path[:0], val...)
	case "fields":
		return d.fieldsLine(val)
	case "types":
		return d.typesLine(val)
	case "close":
		h.state = blockClosed
	}
	return nil
}

// directive splits "key<sep>value" (or "key value", as some tools write
// #open and #close) after the '#'.
func directive(s, sep []byte) (key, val []byte) {
	i := 0
	for i < len(s) && (s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')) {
		i++
	}
	key, rest := s[:i], s[i:]
	if v, ok := bytes.CutPrefix(rest, sep); ok {
		return key, v
	}
	if len(rest) > 0 && rest[0] == ' ' {
		return key, rest[1:]
	}
	return key, rest
}

// badHeader marks the block unusable and reports the header line. (A bad
// separator or marker line is reported without this: Zeek's default is kept
// and the block stays usable.)
func (d *Decoder) badHeader(err error) error {
	d.hdr.state = blockBad
	return d.recordError("bad header", err)
}

// fieldsLine maps the #fields columns to the fields the decoder reads, in
// whatever order they come; unknown columns are ignored.
func (d *Decoder) fieldsLine(val []byte) error {
	h := &d.hdr
	h.names = splitFields(h.names[:0], val, h.sep, maxColumns+1)
	if len(h.names) > maxColumns {
		return d.badHeader(fmt.Errorf("over %d columns", maxColumns))
	}
	h.nfields = len(h.names)
	h.colAt = h.colAt[:0]
	var seen, keys uint32
	for _, name := range h.names {
		id, ok := fieldByName(name)
		if !ok || seen&(1<<id) != 0 {
			h.colAt = append(h.colAt, noField)
			continue
		}
		seen |= 1 << id
		keys |= kindBit(id)
		if d.skipped(id) {
			id = noField
		}
		h.colAt = append(h.colAt, id)
	}
	h.kind = kindOf(h.path, keys)
	h.state = blockReady
	if h.kind == logOther {
		return nil
	}
	for _, id := range [...]fieldID{fTS, fOrigH, fRespH} {
		if seen&(1<<id) == 0 {
			return d.badHeader(fmt.Errorf("#fields lacks %s", id))
		}
	}
	return nil
}

// typesLine checks that #types matches #fields.
func (d *Decoder) typesLine(val []byte) error {
	h := &d.hdr
	if h.state != blockReady {
		return nil
	}
	if n := bytes.Count(val, h.sep) + 1; n != h.nfields {
		return d.badHeader(fmt.Errorf("#types has %d entries, #fields %d", n, h.nfields))
	}
	return nil
}

// splitFields appends the sep-separated fields of line to dst, at most max
// of them (the last one then holds the rest of the line).
func splitFields(dst [][]byte, line, sep []byte, max int) [][]byte {
	if len(sep) == 1 {
		return splitByte(dst, line, sep[0], max)
	}
	for len(dst) < max-1 {
		i := bytes.Index(line, sep)
		if i < 0 {
			break
		}
		dst = append(dst, line[:i])
		line = line[i+len(sep):]
	}
	return append(dst, line)
}

// tsvLine decodes one TSV data line into d.rec. It returns false without an
// error for lines of other logs.
func (d *Decoder) tsvLine(line []byte) (bool, error) {
	h := &d.hdr
	switch {
	case h.state == blockNone:
		return false, d.recordError("no header", errors.New("data line before #fields"))
	case h.state == blockClosed:
		return false, d.recordError("no header", errors.New("data line after #close"))
	case h.state == blockBad || h.kind == logOther:
		d.nOther++
		return false, nil
	}
	if n := bytes.Count(line, h.sep) + 1; n != h.nfields {
		return false, d.recordError("bad field count", fmt.Errorf("%d fields, #fields has %d", n, h.nfields))
	}
	r := &d.rec
	r.reset()
	r.kind = h.kind
	if err := d.walkFields(line); err != nil {
		return false, err
	}
	return true, d.requireFields()
}

// walkFields hands each field the header maps to tsvField, in one pass over
// the line (the field count is already checked). For a one-byte separator it
// finds separators eight bytes at a time, as splitByte does.
func (d *Decoder) walkFields(line []byte) error {
	h := &d.hdr
	cols := h.colAt[:h.nfields]
	sep := h.sep
	k, start := 0, 0
	if len(sep) > 1 {
		for {
			i := bytes.Index(line[start:], sep)
			end := start + i
			if i < 0 {
				end = len(line)
			}
			if id := cols[k]; id != noField {
				if err := d.tsvField(id, line[start:end]); err != nil {
					return err
				}
			}
			if i < 0 {
				return nil
			}
			k, start = k+1, end+len(sep)
		}
	}
	const ones, low7 = 0x0101010101010101, 0x7f7f7f7f7f7f7f7f
	pat := uint64(sep[0]) * ones
	i := 0
	for ; i+8 <= len(line); i += 8 {
		v := binary.LittleEndian.Uint64(line[i:]) ^ pat
		for m := ^(((v & low7) + low7) | v | low7); m != 0; m &= m - 1 {
			j := i + bits.TrailingZeros64(m)>>3
			if id := cols[k]; id != noField {
				if err := d.tsvField(id, line[start:j]); err != nil {
					return err
				}
			}
			k, start = k+1, j+1
		}
	}
	for ; i < len(line); i++ {
		if line[i] == sep[0] {
			if id := cols[k]; id != noField {
				if err := d.tsvField(id, line[start:i]); err != nil {
					return err
				}
			}
			k, start = k+1, i+1
		}
	}
	if id := cols[k]; id != noField {
		return d.tsvField(id, line[start:])
	}
	return nil
}

// tsvField stores one TSV value, honouring the unset and empty markers.
// Scalars take the short path: a marker check on the first byte, then
// setValue.
func (d *Decoder) tsvField(id fieldID, v []byte) error {
	h := &d.hdr
	if len(v) == 0 || (v[0] != h.unset[0] && v[0] != h.empty[0]) {
		if id == fAnswers || id == fTTLs {
			return d.setVector(id, v)
		}
		return d.setValue(id, v)
	}
	if isMarker(v, h.unset) {
		return nil
	}
	vector := id == fAnswers || id == fTTLs
	if isMarker(v, h.empty) {
		if vector {
			return nil
		}
		v = v[:0] // an empty string
	}
	if vector {
		return d.setVector(id, v)
	}
	return d.setValue(id, v)
}

// isMarker reports whether v is the unset or empty marker m; the first byte
// settles most fields without a call to compare memory.
func isMarker(v, m []byte) bool {
	return len(v) == len(m) && len(v) > 0 && v[0] == m[0] && bytes.Equal(v, m)
}

// setVector stores each element of a set or vector field.
func (d *Decoder) setVector(id fieldID, v []byte) error {
	sep := d.hdr.setSep
	for {
		var i int
		if len(sep) == 1 {
			i = bytes.IndexByte(v, sep[0])
		} else {
			i = bytes.Index(v, sep)
		}
		if i < 0 {
			return d.setValue(id, v)
		}
		if err := d.setValue(id, v[:i]); err != nil {
			return err
		}
		v = v[i+len(sep):]
	}
}

// splitByte is splitFields for a one-byte separator. Zeek fields are short,
// so instead of an IndexByte call per field it tests eight bytes at a time:
// in v = word ^ (c repeated), a byte is zero exactly where c was, and
// ^(((v & 0x7f..) + 0x7f..) | v | 0x7f..) sets the high bit of exactly those
// bytes (the addition cannot carry from one byte into the next).
func splitByte(dst [][]byte, line []byte, c byte, max int) [][]byte {
	const ones, low7 = 0x0101010101010101, 0x7f7f7f7f7f7f7f7f
	pat := uint64(c) * ones
	start, i := 0, 0
	for ; i+8 <= len(line); i += 8 {
		v := binary.LittleEndian.Uint64(line[i:]) ^ pat
		m := ^(((v & low7) + low7) | v | low7)
		for ; m != 0; m &= m - 1 {
			if len(dst) == max-1 {
				return append(dst, line[start:])
			}
			j := i + bits.TrailingZeros64(m)>>3
			dst = append(dst, line[start:j])
			start = j + 1
		}
	}
	for ; i < len(line); i++ {
		if line[i] == c {
			if len(dst) == max-1 {
				return append(dst, line[start:])
			}
			dst = append(dst, line[start:i])
			start = i + 1
		}
	}
	return append(dst, line[start:])
}
