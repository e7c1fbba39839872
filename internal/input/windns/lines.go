package windns

import (
	"bufio"
	"errors"
	"io"
)

// readBufSize is the bufio buffer. Lines that fit are returned without a
// copy; longer ones (up to the limit) are assembled in lineReader.long.
const readBufSize = 64 << 10

// errLineTooLong reports a line over the limit; the reader has already
// skipped to the next newline.
var errLineTooLong = errors.New("line too long")

// lineReader returns one line at a time from a reused buffer. A line longer
// than the limit is never held whole: at most limit+2 bytes are kept and the
// rest is discarded up to the newline, so a hostile 10 MB line costs no more
// memory than a legal one. unread hands the last line back once more, which
// lets a decoder stop at a line that belongs to the next record.
type lineReader struct {
	br    *bufio.Reader
	limit int
	long  []byte
	last  []byte
	// line is the 1-based number of the line last returned; off is the byte
	// offset where it started and next where the following one starts.
	line, off, next int64
	again           bool
}

func newLineReader(r io.Reader, limit int) lineReader {
	return lineReader{br: bufio.NewReaderSize(r, readBufSize), limit: limit}
}

// read returns the next line without its "\n" or "\r\n". The slice is valid
// until the next call. At the end of input it returns io.EOF; a line over the
// limit gives errLineTooLong (with line and off set to it), and any other
// error is an I/O failure.
func (lr *lineReader) read() ([]byte, error) {
	if lr.again {
		lr.again = false
		return lr.last, nil
	}
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
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	if len(b) > lr.limit {
		return nil, errLineTooLong
	}
	lr.last = b
	return b, nil
}

// unread makes the next read return the line just read again, with the same
// number and offset. It must follow a successful read.
func (lr *lineReader) unread() { lr.again = true }

// readLong assembles a line longer than the bufio buffer in lr.long, up to
// limit+2 bytes (enough to tell a line over the limit from one that fits
// once its "\r\n" is trimmed); past that the rest of the line is dropped.
func (lr *lineReader) readLong(first []byte) ([]byte, error) {
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
