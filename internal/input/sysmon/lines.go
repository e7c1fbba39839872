package sysmon

import (
	"bufio"
	"errors"
	"io"
)

// errLineTooLong reports a line over the reader's limit; the line is
// skipped.
var errLineTooLong = errors.New("line too long")

// lineReader reads lines without allocating once warm. A line is valid until
// the next read.
type lineReader struct {
	br    *bufio.Reader
	long  []byte
	limit int
	// line is the 1-based number of the last line read, off its offset.
	line, off, next int64
}

func newLineReader(r io.Reader, limit int) lineReader {
	return lineReader{br: bufio.NewReaderSize(r, 64<<10), limit: limit}
}

// read returns the next line without its line ending.
func (l *lineReader) read() ([]byte, error) {
	l.line++
	l.off = l.next
	b, err := l.br.ReadSlice('\n')
	l.next += int64(len(b))
	tooLong := false
	if err == bufio.ErrBufferFull {
		l.long = append(l.long[:0], b...)
		for err == bufio.ErrBufferFull {
			b, err = l.br.ReadSlice('\n')
			l.next += int64(len(b))
			if len(l.long)+len(b) > l.limit {
				tooLong = true
				continue
			}
			l.long = append(l.long, b...)
		}
		b = l.long
	}
	if tooLong && (err == nil || err == io.EOF) {
		return nil, errLineTooLong
	}
	if err == io.EOF && len(b) > 0 {
		err = nil
	}
	if err != nil {
		return nil, err
	}
	if len(b) > l.limit {
		return nil, errLineTooLong
	}
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b, nil
}
