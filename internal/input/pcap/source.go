package pcap

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// readBufferSize is the read-ahead buffer; 1 MiB lets pcapgo's zero-copy
// reads run at memory speed.
const readBufferSize = 1 << 20

// Magic numbers as the first four bytes of a file.
var (
	pcapMagics = [...][4]byte{
		{0xd4, 0xc3, 0xb2, 0xa1}, {0xa1, 0xb2, 0xc3, 0xd4}, // microseconds, LE and BE
		{0x4d, 0x3c, 0xb2, 0xa1}, {0xa1, 0xb2, 0x3c, 0x4d}, // nanoseconds, LE and BE
	}
	pcapngMagic = [4]byte{0x0a, 0x0d, 0x0d, 0x0a}
)

// Sniff reports whether head starts like a pcap file (either byte order,
// micro- or nanosecond timestamps) or a pcapng section header block.
func Sniff(head []byte) bool {
	if len(head) < 4 {
		return false
	}
	m := [4]byte(head[:4])
	if m == pcapngMagic {
		if len(head) < 12 {
			return true
		}
		bom := binary.LittleEndian.Uint32(head[8:12])
		return bom == 0x1a2b3c4d || bom == 0x4d3c2b1a
	}
	for _, pm := range pcapMagics {
		if m == pm {
			return true
		}
	}
	return false
}

// record is one packet as read from the file. data is owned by the reader and
// valid until the next read.
type record struct {
	data   []byte
	time   time.Time
	wire   int   // original length on the wire
	offset int64 // byte offset of the record, -1 when unknown
}

// source reads packet records from a pcap or pcapng stream and keeps track of
// byte offsets.
type source struct {
	cr   countingReader
	br   *bufio.Reader
	pcap *pcapgo.Reader
	raw  *classicReader // the records of a classic pcap, after pcapgo read its header
	ng   *pcapgo.NgReader
	link layers.LinkType
}

// countingReader counts the bytes read from r and keeps the first error that
// is not io.EOF, so a failure of the underlying stream can be told apart from
// a damaged file.
type countingReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}

// errNotPcap is the cause of a RecordError for a stream with neither magic.
var errNotPcap = errors.New("neither pcap nor pcapng magic")

func openSource(r io.Reader) (*source, error) {
	s := &source{cr: countingReader{r: r}}
	s.br = bufio.NewReaderSize(&s.cr, readBufferSize)
	head, err := s.br.Peek(4)
	if err != nil && len(head) < 4 {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	switch {
	case [4]byte(head) == pcapngMagic:
		opts := pcapgo.NgReaderOptions{ErrorOnMismatchingLinkType: true, SkipUnknownVersion: true}
		if s.ng, err = pcapgo.NewNgReader(s.br, opts); err == nil {
			s.link = s.ng.LinkType()
		}
	case Sniff(head):
		magic := [4]byte(head)
		if s.pcap, err = pcapgo.NewReader(s.br); err == nil {
			s.link = s.pcap.LinkType()
			s.raw = newClassicReader(s.br, magic, s.pcap.Snaplen())
		}
	default:
		err = errNotPcap
	}
	return s, err
}

// pos is the offset of the next unread byte.
func (s *source) pos() int64 { return s.cr.n - int64(s.br.Buffered()) }

// read returns the next packet record. The offset of a pcapng record is
// known only when the next block is a packet block (other blocks are read
// inside pcapgo); otherwise it is -1. On error the record's offset is where
// the failed read began.
func (s *source) read() (record, error) {
	if s.raw != nil {
		s.raw.skip()
	}
	start := s.pos()
	off := start
	if s.ng != nil && !s.packetBlockNext() {
		off = -1
	}
	var rec record
	var err error
	if s.ng != nil {
		rec.data, rec.time, rec.wire, err = ngRead(s.ng)
	} else {
		rec.data, rec.time, rec.wire, err = s.raw.read()
	}
	rec.offset = off
	if err != nil {
		rec.offset = start
	}
	return rec, err
}

func (s *source) packetBlockNext() bool {
	b, err := s.br.Peek(4)
	if err != nil {
		return false
	}
	le, be := binary.LittleEndian.Uint32(b), binary.BigEndian.Uint32(b)
	isPacket := func(t uint32) bool { return t == 2 || t == 3 || t == 6 }
	return isPacket(le) || isPacket(be)
}

func ngRead(r *pcapgo.NgReader) ([]byte, time.Time, int, error) {
	data, ci, err := r.ZeroCopyReadPacketData()
	return data, ci.Timestamp, ci.Length, err
}
