// Package lineio reads a stream one line at a time with a cap on line
// length, and keeps the byte offset of every line so that a record can be
// located in its file and a reader of a growing file can resume exactly.
//
// A line ends at "\n". The "\n" is not part of the returned line, nor is a
// "\r" just before it (or just before the end of input). Offsets count bytes
// of the underlying reader from the point where the Reader was created, line
// ends included; line numbers start at 1.
package lineio

import (
	"bufio"
	"errors"
	"io"
)

// bufSize is the bufio buffer. Lines that fit are returned without a copy;
// longer ones (up to the limit) are assembled in Reader.long.
const bufSize = 64 << 10

// ErrTooLong reports a line over the limit. The Reader has already skipped
// to the next line, and Line and Offset name the long one.
var ErrTooLong = errors.New("line too long")

// Reader returns one line at a time from a reused buffer. A line longer than
// the limit is never held whole: the Reader keeps at most limit+2 bytes of
// it, discards the rest up to the newline and reports ErrTooLong, so a
// hostile 10 MB line costs no more memory than a legal one.
//
// The zero Reader is not usable; create one with NewReader.
type Reader struct {
	br    *bufio.Reader
	limit int
	long  []byte
	line  int64
	off   int64
	next  int64
}

// NewReader returns a Reader of r for lines of at most limit bytes, not
// counting the line end. limit should be positive: with zero only empty lines
// are accepted.
func NewReader(r io.Reader, limit int) Reader {
	return newReaderSize(r, limit, bufSize)
}

// newReaderSize is NewReader with a given bufio buffer size; tests use small
// ones to exercise lines longer than the buffer.
func newReaderSize(r io.Reader, limit, size int) Reader {
	return Reader{br: bufio.NewReaderSize(r, size), limit: limit}
}

// Limit returns the largest line length the Reader accepts.
func (lr *Reader) Limit() int { return lr.limit }

// Line returns the 1-based number of the line last returned (or reported
// as too long); 0 before the first Read.
func (lr *Reader) Line() int64 { return lr.line }

// Offset returns the byte offset at which the line last returned (or
// reported as too long) starts.
func (lr *Reader) Offset() int64 { return lr.off }

// NextOffset returns the byte offset just past the line last returned,
// line end included: where the next line starts. It equals the number of
// bytes consumed, so after io.EOF it is the length of the input.
func (lr *Reader) NextOffset() int64 { return lr.next }

// Read returns the next line without its line end. The slice is valid until
// the next call. A last line without "\n" is returned like any other. At the
// end of input Read returns io.EOF; a line over the limit gives ErrTooLong;
// any other error is an I/O failure from the underlying reader.
func (lr *Reader) Read() ([]byte, error) {
	b, err := lr.br.ReadSlice('\n')
	if err == io.EOF && len(b) == 0 {
		return nil, io.EOF
	}
	lr.line++
	lr.off = lr.next
	lr.next += int64(len(b))
	if err == bufio.ErrBufferFull {
		b, err = lr.readLong(b)
	}
	if err != nil && err != io.EOF {
		return nil, err
	}
	if len(b) > 0 && b[len(b)-1] == '\n' {
		b = b[:len(b)-1]
	}
	if len(b) > 0 && b[len(b)-1] == '\r' {
		b = b[:len(b)-1]
	}
	if len(b) > lr.limit {
		return nil, ErrTooLong
	}
	return b, nil
}

// readLong assembles a line longer than the bufio buffer in lr.long, up to
// the limit; past it the rest of the line is read and dropped.
//
// lr.long keeps at most limit+2 bytes: enough for Read to tell a line over
// the limit from one that fits once its "\r\n" is trimmed.
func (lr *Reader) readLong(first []byte) ([]byte, error) {
	lr.long = lr.long[:0]
	b, err := first, bufio.ErrBufferFull
	for {
		if room := lr.limit + 2 - len(lr.long); room > 0 {
			lr.long = append(lr.long, b[:min(room, len(b))]...)
		}
		if err != bufio.ErrBufferFull {
			return lr.long, err
		}
		b, err = lr.br.ReadSlice('\n')
		lr.next += int64(len(b))
	}
}
