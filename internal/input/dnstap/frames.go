package dnstap

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	framestream "github.com/farsightsec/golang-framestream"
)

// Frame errors, told apart by the readers of frames.
var (
	errTruncated  = errors.New("stream ends inside a frame")
	errTooLarge   = fmt.Errorf("data frame over %d bytes", MaxFrameBytes)
	errControl    = errors.New("malformed control frame")
	errNotControl = errors.New("data frame where a control frame was expected")
)

// readBufferSize is the size of a stream's read buffer. Data frames up to
// this size are decoded in place; longer ones are copied into a buffer of
// MaxFrameBytes allocated on first use.
const readBufferSize = 64 << 10

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

// frameReader reads the frames of one Frame Streams stream and tracks each
// frame's byte offset: the bytes counted below the buffer minus those still
// buffered. Data frames are read without copying or allocating; control
// frames, rare, are decoded by golang-framestream's ControlFrame.
// golang-framestream's Reader is not used: it reads each frame's length with
// binary.Read, which allocates; it hides how much input is buffered, which a
// socket must know before a read that may block; and in bidirectional mode
// it refuses a sender that starts with START instead of READY.
type frameReader struct {
	cr countingReader
	br *bufio.Reader
	// big holds a data frame longer than br's buffer.
	big []byte
	// large is the length of a data frame over MaxFrameBytes that next
	// refused and skipLarge may discard.
	large int
}

func (f *frameReader) init(r io.Reader) {
	f.cr.r = r
	f.br = bufio.NewReaderSize(&f.cr, readBufferSize)
}

// open reads the START control frame of a unidirectional stream (a file)
// and checks its content type.
func (f *frameReader) open(r io.Reader) error {
	f.init(r)
	cf, err := f.readControl()
	switch {
	case err != nil:
		return fmt.Errorf("no frame streams start frame: %w", err)
	case cf.ControlType != framestream.CONTROL_START:
		return fmt.Errorf("no frame streams start frame: control frame of type %d", cf.ControlType)
	case !cf.MatchContentType([]byte(ContentType)):
		return fmt.Errorf("content type is not %s: %w", ContentType, framestream.ErrContentTypeMismatch)
	}
	return nil
}

// pos returns the offset of the next unread byte.
func (f *frameReader) pos() int64 { return f.cr.n - int64(f.br.Buffered()) }

// next returns the next frame and its offset (that of its length prefix): a
// data frame, valid until the next call, or for a control frame a nil frame
// and the control type. Errors: io.EOF at the end of the input between
// frames, errTruncated when the input ends inside a frame, errTooLarge for
// a data frame over MaxFrameBytes (left unread, see skipLarge), errControl
// for a malformed control frame, and the reader's own errors.
func (f *frameReader) next() ([]byte, uint32, int64, error) {
	off := f.pos()
	head, err := f.br.Peek(4)
	if err != nil {
		return nil, 0, off, f.cut(err, off, len(head) > 0)
	}
	n := binary.BigEndian.Uint32(head)
	_, _ = f.br.Discard(4)
	if n == 0 {
		cf, err := f.control(off)
		return nil, cf.ControlType, off, err
	}
	if n > MaxFrameBytes {
		f.large = int(n)
		return nil, 0, off, errTooLarge
	}
	frame, err := f.data(int(n), off)
	return frame, 0, off, err
}

// data reads a data frame of n bytes, in place when it fits in the buffer.
func (f *frameReader) data(n int, off int64) ([]byte, error) {
	if n <= f.br.Size() {
		p, err := f.br.Peek(n)
		if err != nil {
			return nil, f.cut(err, off, true)
		}
		_, _ = f.br.Discard(n)
		return p, nil
	}
	if f.big == nil {
		f.big = make([]byte, MaxFrameBytes)
	}
	if _, err := io.ReadFull(f.br, f.big[:n]); err != nil {
		return nil, f.cut(err, off, true)
	}
	return f.big[:n], nil
}

// skipLarge discards the data frame next refused as too large; it returns
// the reader's error, io.EOF when the input ends inside it.
func (f *frameReader) skipLarge() error {
	n := f.large
	f.large = 0
	_, err := f.br.Discard(n)
	return err
}

// readControl reads a control frame where the protocol requires one (the
// handshake): the zero escape, then the frame.
func (f *frameReader) readControl() (framestream.ControlFrame, error) {
	off := f.pos()
	head, err := f.br.Peek(4)
	if err != nil {
		return framestream.ControlFrame{}, f.cut(err, off, len(head) > 0)
	}
	if binary.BigEndian.Uint32(head) != 0 {
		return framestream.ControlFrame{}, errNotControl
	}
	_, _ = f.br.Discard(4)
	return f.control(off)
}

// control decodes the control frame after its zero escape.
func (f *frameReader) control(off int64) (framestream.ControlFrame, error) {
	var cf framestream.ControlFrame
	err := cf.Decode(f.br)
	switch {
	case err == nil:
		return cf, nil
	case errors.Is(err, framestream.ErrDecode):
		return cf, errControl
	}
	return cf, f.cut(err, off, true)
}

// cut maps an error of reading the frame at off: the end of the input is
// errTruncated inside a frame and io.EOF between frames; other errors pass
// through.
func (f *frameReader) cut(err error, off int64, inside bool) error {
	if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return err
	}
	if !inside {
		return io.EOF
	}
	return fmt.Errorf("%w (%d bytes left)", errTruncated, f.cr.n-off)
}

// buffered reports whether the next data frame is complete in the read
// buffer, so that reading it cannot block. It is false for a control frame.
func (f *frameReader) buffered() bool {
	b := f.br.Buffered()
	if b < 4 {
		return false
	}
	head, _ := f.br.Peek(4)
	n := binary.BigEndian.Uint32(head)
	return n != 0 && uint64(b) >= 4+uint64(n)
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
