package defender

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/input/jsonscan"
)

// jsonSource cuts row objects out of a JSON array or out of JSON lines as
// it reads, so an export of any size is never held whole. Each object is
// then walked by objIter. Inside an array, a malformed object is one bad row
// and the scan goes on at the next top-level '{'.
type jsonSource struct {
	br    *bufio.Reader
	limit int
	// line is the 1-based line of the next byte; off its offset.
	line, off int64
	mode      jsonMode
	buf       []byte
}

type jsonMode uint8

const (
	modeStart jsonMode = iota
	modeArray
	modeLines
	modeDone
)

// NewJSON returns a Decoder reading a JSON export from r, which must
// already be decompressed: a JSON array of row objects or one row object
// per line. opts.MaxLineBytes caps one row object (the default applies
// when it is not positive).
func NewJSON(r io.Reader, opts input.Options) *Decoder {
	limit := opts.MaxLineBytes
	if limit <= 0 {
		limit = input.DefaultOptions().MaxLineBytes
	}
	src := &jsonSource{br: bufio.NewReaderSize(r, 64<<10), limit: limit, line: 1}
	return &Decoder{name: opts.Name, json: src}
}

var (
	errTooLarge  = errors.New("row object over the size limit")
	errTruncated = errors.New("input ends inside a row object")
	errNotObject = errors.New("not a JSON object")
)

func (s *jsonSource) readByte() (byte, error) {
	c, err := s.br.ReadByte()
	if err == nil {
		s.off++
		if c == '\n' {
			s.line++
		}
	}
	return c, err
}

func (s *jsonSource) unread() {
	_ = s.br.UnreadByte()
	s.off--
	if b, _ := s.br.Peek(1); len(b) == 1 && b[0] == '\n' {
		s.line--
	}
}

// skipSpace consumes white space and a byte order mark.
func (s *jsonSource) skipSpace() (byte, error) {
	for {
		c, err := s.readByte()
		if err != nil {
			return 0, err
		}
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case 0xef, 0xbb, 0xbf:
			if s.off <= 3 {
				continue
			}
		}
		return c, nil
	}
}

// next reads the next row object into d.row and returns its line and
// offset.
func (s *jsonSource) next(d *Decoder) (int64, int64, error) {
	for {
		c, err := s.skipSpace()
		if err == io.EOF {
			if s.mode == modeArray {
				s.mode = modeDone
				return 0, 0, d.recordError(s.line, s.off, "bad json", errTruncated)
			}
			return 0, 0, io.EOF
		}
		if err != nil {
			return 0, 0, d.readError(err)
		}
		line, off := s.line, s.off-1
		switch {
		case s.mode == modeStart && c == '[':
			s.mode = modeArray
			continue
		case s.mode == modeStart:
			s.mode = modeLines
		case s.mode == modeDone:
			return 0, 0, d.recordError(line, off, "bad json", errors.New("data after the array"))
		case s.mode == modeArray && (c == ',' || c == ']'):
			if c == ']' {
				s.mode = modeDone
			}
			continue
		}
		if c != '{' {
			if err := s.skipJunk(); err != nil {
				return 0, 0, d.readError(err)
			}
			return 0, 0, d.recordError(line, off, "bad json", errNotObject)
		}
		err = s.object()
		switch {
		case errors.Is(err, errTooLarge), errors.Is(err, errTruncated):
			return 0, 0, d.recordError(line, off, "bad json", err)
		case err != nil:
			return 0, 0, d.readError(err)
		}
		if fe := d.jsonRow(s.buf); fe != nil {
			return 0, 0, d.recordError(line, off, fe.reason, fe.err)
		}
		return line, off, nil
	}
}

// skipJunk consumes bytes that cannot start a row: to the end of the line
// for JSON lines, to the next top-level '{' (left unread), ',' or ']'
// inside an array.
func (s *jsonSource) skipJunk() error {
	for {
		c, err := s.readByte()
		switch {
		case err == io.EOF:
			return nil
		case err != nil:
			return err
		case s.mode == modeLines && c == '\n':
			return nil
		case s.mode == modeArray && (c == '{' || c == ',' || c == ']'):
			s.unread()
			return nil
		}
	}
}

// object copies one object, whose '{' was just read, into s.buf. Strings
// are followed so braces inside them do not count. For JSON lines a raw
// newline ends the object: a row never spans lines there.
func (s *jsonSource) object() error {
	s.buf = append(s.buf[:0], '{')
	depth, inStr, esc, over := 1, false, false, false
	for depth > 0 {
		c, err := s.readByte()
		if err == io.EOF {
			return errTruncated
		}
		if err != nil {
			return err
		}
		if c == '\n' && s.mode == modeLines {
			return errTruncated
		}
		if !over {
			if len(s.buf) >= s.limit {
				over = true
			} else {
				s.buf = append(s.buf, c)
			}
		}
		switch {
		case esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case inStr:
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
		}
	}
	if over {
		return fmt.Errorf("%w (%d bytes)", errTooLarge, s.limit)
	}
	return nil
}

// jsonRow walks one row object and stores the values of known columns.
func (d *Decoder) jsonRow(b []byte) *fieldError {
	d.row = row{}
	it := newObjIter(bufString(b))
	for it.next() {
		c := colByName(it.key)
		if c == cNone || d.row.v[c] != "" {
			continue
		}
		d.row.v[c] = d.strValue(it.val)
	}
	if it.malformed() {
		return &fieldError{reason: "bad json", err: jsonscan.ErrBad}
	}
	return nil
}
