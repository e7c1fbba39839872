package defender

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"

	"github.com/dnsvigil/dnsvigil/internal/input"
)

// csvSource reads rows with encoding/csv: RFC 4180 quoting, quoted newlines
// inside fields, strict quotes (LazyQuotes off) and every record checked
// against the header's field count.
type csvSource struct {
	cr *csv.Reader
	// idx maps each field position to its column, cNone for columns not read.
	idx    []col
	header bool
}

// NewCSV returns a Decoder reading a CSV export from r, which must already
// be decompressed. The first record is the header; a UTF-8 byte order mark
// before it is skipped. opts.Name names the input in errors and in Source.
func NewCSV(r io.Reader, opts input.Options) *Decoder {
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(3); err == nil && string(b) == "\xef\xbb\xbf" {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	return &Decoder{name: opts.Name, csv: &csvSource{cr: cr}}
}

var errNoTimestamp = errors.New("header has no Timestamp column")

// next reads the next data record into d.row and returns its first line and
// byte offset.
func (s *csvSource) next(d *Decoder) (int64, int64, error) {
	for {
		off := s.cr.InputOffset()
		rec, err := s.cr.Read()
		if err == io.EOF {
			return 0, 0, io.EOF
		}
		if err != nil {
			return 0, 0, s.fail(d, err, len(rec), off)
		}
		if !s.header {
			if err := s.readHeader(rec); err != nil {
				return 0, 0, fmt.Errorf("defender: %s: %w", d.name, err)
			}
			continue
		}
		d.row = row{}
		for i, c := range s.idx {
			if c != cNone && d.row.v[c] == "" {
				d.row.v[c] = rec[i]
			}
		}
		line, _ := s.cr.FieldPos(0)
		return int64(line), off, nil
	}
}

// readHeader maps the header's column names.
func (s *csvSource) readHeader(rec []string) error {
	s.header = true
	s.idx = make([]col, len(rec))
	found := false
	for i, name := range rec {
		s.idx[i] = colByName(name)
		found = found || s.idx[i] == cTimestamp
	}
	if !found {
		return errNoTimestamp
	}
	return nil
}

// fail turns a read error into a RecordError for one bad record, or into a
// stream error for a bad header or an I/O failure. Kept apart from next so
// the error value it takes the address of does not escape on the good path.
func (s *csvSource) fail(d *Decoder, err error, fields int, off int64) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return d.readError(err)
	}
	reason := "bad csv"
	if errors.Is(pe.Err, csv.ErrFieldCount) {
		reason = "bad field count"
		err = fmt.Errorf("%d fields, header has %d", fields, len(s.idx))
	}
	if !s.header {
		return fmt.Errorf("defender: %s: header: %w", d.name, err)
	}
	return d.recordError(int64(pe.StartLine), off, reason, err)
}
