package pcap

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
	"time"
)

// classicFile builds a little-endian microsecond pcap with the given snaplen
// and records (each: capture length, original length, data filled to the
// capture length when full is set).
func classicFile(snaplen uint32, recs ...[3]uint32) []byte {
	var b bytes.Buffer
	hdr := make([]byte, 24)
	copy(hdr, pcapMagics[0][:])
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], snaplen)
	binary.LittleEndian.PutUint32(hdr[20:], 1)
	b.Write(hdr)
	for i, r := range recs {
		rh := make([]byte, 16)
		binary.LittleEndian.PutUint32(rh[0:], 1_700_000_000+uint32(i))
		binary.LittleEndian.PutUint32(rh[4:], 250_000)
		binary.LittleEndian.PutUint32(rh[8:], r[0])
		binary.LittleEndian.PutUint32(rh[12:], r[1])
		b.Write(rh)
		b.Write(bytes.Repeat([]byte{byte(i + 1)}, int(r[2])))
	}
	return b.Bytes()
}

func TestClassicReader(t *testing.T) {
	big := uint32(readBufferSize + 4096) // larger than the read-ahead buffer
	tests := []struct {
		name    string
		file    []byte
		lens    []int // capture lengths read before the end
		wantErr error // error after them (io.EOF for a clean end)
	}{
		{"records then end", classicFile(65535, [3]uint32{60, 60, 60}, [3]uint32{1500, 1514, 1500}), []int{60, 1500}, io.EOF},
		{"record larger than the buffer", classicFile(big, [3]uint32{big, big, big}, [3]uint32{10, 10, 10}), []int{int(big), 10}, io.EOF},
		{"capture over snap length", classicFile(65535, [3]uint32{60, 60, 60}, [3]uint32{maxEagerCapture + 1, maxEagerCapture + 1, 0}), []int{60}, errCaptureLength},
		{"capture over original length", classicFile(65535, [3]uint32{100, 60, 100}), nil, nil},
		{"record cut short", classicFile(65535, [3]uint32{60, 60, 30}), nil, io.ErrUnexpectedEOF},
		{"header cut short", classicFile(65535, [3]uint32{60, 60, 60})[:24+16+60+7], []int{60}, io.ErrUnexpectedEOF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			br := bufio.NewReaderSize(bytes.NewReader(tc.file[24:]), readBufferSize)
			c := newClassicReader(br, pcapMagics[0], binary.LittleEndian.Uint32(tc.file[16:]))
			for i, want := range tc.lens {
				c.skip()
				data, ts, _, err := c.read()
				if err != nil {
					t.Fatalf("record %d: %v", i, err)
				}
				if len(data) != want || data[0] != byte(i+1) || data[len(data)-1] != byte(i+1) {
					t.Fatalf("record %d: %d bytes starting %d, want %d bytes of %d", i, len(data), data[0], want, i+1)
				}
				if wantTS := time.Unix(1_700_000_000+int64(i), 250_000_000).UTC(); !ts.Equal(wantTS) {
					t.Errorf("record %d time %v, want %v", i, ts, wantTS)
				}
			}
			c.skip()
			_, _, _, err := c.read()
			switch {
			case tc.wantErr == nil && err == nil:
				t.Error("want an error after the records")
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			}
		})
	}
}
