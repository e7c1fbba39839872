package pcap

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// classicReader reads the packet records of a classic pcap file straight out
// of the read-ahead buffer, without copying: the record is peeked whole and
// discarded on the next read, so the returned data stays valid until then.
// pcapgo parses the file header; this replaces only its per-record loop,
// which copies every packet and costs about twice as much. It applies
// pcapgo's checks: a capture length over max(snaplen, 256 KiB) or over the
// original length is a bad record header.
type classicReader struct {
	br      *bufio.Reader
	order   binary.ByteOrder
	nanoMul int64 // 1 for nanosecond files, 1000 for microsecond files
	maxCap  uint32
	pending int    // bytes of the last record still to discard
	big     []byte // a record larger than the read-ahead buffer, copied
}

// maxEagerCapture is pcapgo's lower bound on the capture length it accepts;
// maxCapture bounds what a snaplen can raise it to, so a damaged length
// cannot make the reader allocate without limit.
const (
	maxEagerCapture = 262144
	maxCapture      = 16 << 20
)

var errCaptureLength = errors.New("capture length exceeds snap length")

// newClassicReader prepares a reader for the records that follow the file
// header whose magic is magic (already consumed from br by pcapgo).
func newClassicReader(br *bufio.Reader, magic [4]byte, snaplen uint32) *classicReader {
	c := &classicReader{br: br, order: binary.LittleEndian, nanoMul: 1000, maxCap: min(max(snaplen, maxEagerCapture), maxCapture)}
	switch magic {
	case pcapMagics[1]:
		c.order = binary.BigEndian
	case pcapMagics[2]:
		c.nanoMul = 1
	case pcapMagics[3]:
		c.order, c.nanoMul = binary.BigEndian, 1
	}
	return c
}

// skip discards the previous record, so the buffer position is the start of
// the next one.
func (c *classicReader) skip() {
	if c.pending > 0 {
		_, _ = c.br.Discard(c.pending)
		c.pending = 0
	}
}

// read returns the next record; call skip first. io.EOF means a clean end,
// io.ErrUnexpectedEOF a record cut short.
func (c *classicReader) read() ([]byte, time.Time, int, error) {
	h, err := c.br.Peek(16)
	if err != nil {
		if len(h) == 0 && err == io.EOF {
			return nil, time.Time{}, 0, io.EOF
		}
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, time.Time{}, 0, err
	}
	sec, frac := c.order.Uint32(h[0:]), c.order.Uint32(h[4:])
	incl, orig := c.order.Uint32(h[8:]), c.order.Uint32(h[12:])
	if incl > c.maxCap {
		return nil, time.Time{}, 0, fmt.Errorf("%w: %d > %d", errCaptureLength, incl, c.maxCap)
	}
	if incl > orig {
		return nil, time.Time{}, 0, fmt.Errorf("capture length exceeds original packet length: %d > %d", incl, orig)
	}
	n := 16 + int(incl)
	if n > c.br.Size() {
		return c.readBig(n, sec, frac, orig)
	}
	rec, err := c.br.Peek(n)
	if err != nil {
		if err == io.EOF || err == bufio.ErrBufferFull {
			err = io.ErrUnexpectedEOF
		}
		return nil, time.Time{}, 0, err
	}
	c.pending = n
	t := time.Unix(int64(sec), int64(frac)*c.nanoMul).UTC()
	return rec[16:n:n], t, int(orig), nil
}

// readBig copies a record that does not fit in the read-ahead buffer.
func (c *classicReader) readBig(n int, sec, frac, orig uint32) ([]byte, time.Time, int, error) {
	if cap(c.big) < n {
		c.big = make([]byte, n)
	}
	b := c.big[:n]
	if _, err := io.ReadFull(c.br, b); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, time.Time{}, 0, err
	}
	return b[16:], time.Unix(int64(sec), int64(frac)*c.nanoMul).UTC(), int(orig), nil
}
