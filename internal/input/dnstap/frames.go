package dnstap

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	framestream "github.com/farsightsec/golang-framestream"
)

// Frame errors, told apart by Next.
var (
	errTruncated = errors.New("stream ends inside a frame")
	errTooLarge  = fmt.Errorf("data frame over %d bytes", MaxFrameBytes)
	errControl   = errors.New("malformed control frame")
)

// countingReader counts the bytes read from r.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// frameReader reads the data frames of one unidirectional Frame Streams
// stream and tracks each frame's byte offset. framestream.Reader wraps the
// bufio.Reader given to it without adding its own, so the offset is the bytes
// counted below it minus those still buffered.
type frameReader struct {
	cr  countingReader
	br  *bufio.Reader
	fr  *framestream.Reader
	buf []byte
}

func (f *frameReader) open(r io.Reader) error {
	f.cr.r = r
	f.br = bufio.NewReaderSize(&f.cr, 64<<10)
	fr, err := framestream.NewReader(f.br, &framestream.ReaderOptions{
		ContentTypes: [][]byte{[]byte(ContentType)},
	})
	switch {
	case errors.Is(err, framestream.ErrContentTypeMismatch):
		return fmt.Errorf("content type is not %s: %w", ContentType, err)
	case err != nil:
		return fmt.Errorf("no frame streams start frame: %w", err)
	}
	f.fr = fr
	f.buf = make([]byte, MaxFrameBytes)
	return nil
}

// pos returns the offset of the next unread byte.
func (f *frameReader) pos() int64 { return f.cr.n - int64(f.br.Buffered()) }

// next returns the next data frame and its offset (that of its length
// prefix). The frame is valid until the next call. Control frames other than
// STOP are skipped; STOP and the end of the input give io.EOF.
func (f *frameReader) next() ([]byte, int64, error) {
	start := f.pos()
	// ReadFrame reports both a STOP frame and a data frame cut right after
	// its length as io.EOF; the length prefix tells them apart.
	head, _ := f.br.Peek(4)
	data := len(head) == 4 && binary.BigEndian.Uint32(head) != 0
	n, err := f.fr.ReadFrame(f.buf)
	off := f.pos() - int64(n) - 4
	switch {
	case err == nil:
		return f.buf[:n], off, nil
	case errors.Is(err, framestream.ErrDataFrameTooLarge):
		return nil, start, errTooLarge
	case errors.Is(err, framestream.ErrDecode):
		return nil, start, errControl
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF) && (data || len(head) > 0 && len(head) < 4):
		return nil, start, fmt.Errorf("%w (%d bytes left)", errTruncated, f.pos()-start)
	case errors.Is(err, io.EOF):
		return nil, start, io.EOF
	}
	return nil, start, err
}

// Sniff reports whether head starts with a Frame Streams START control frame
// announcing the dnstap content type: a zero escape, the control frame's
// length, the START type and a content-type field "protobuf:dnstap.Dnstap".
func Sniff(head []byte) bool {
	if len(head) < 12 || binary.BigEndian.Uint32(head) != 0 {
		return false
	}
	n := binary.BigEndian.Uint32(head[4:])
	if n < 4 || n > framestream.CONTROL_FRAME_LENGTH_MAX || binary.BigEndian.Uint32(head[8:]) != framestream.CONTROL_START {
		return false
	}
	fields := head[12:min(len(head), 8+int(n))]
	for len(fields) >= 8 {
		typ, l := binary.BigEndian.Uint32(fields), binary.BigEndian.Uint32(fields[4:])
		fields = fields[8:]
		if uint64(l) > uint64(len(fields)) {
			return false
		}
		if typ == framestream.CONTROL_FIELD_CONTENT_TYPE && string(fields[:l]) == ContentType {
			return true
		}
		fields = fields[l:]
	}
	return false
}
