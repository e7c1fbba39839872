package windns

import (
	"bufio"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// PowerShell 5 writes redirected output (`>`, Out-File) as UTF-16 with a
// byte order mark, which is how exported event XML and JSON often arrive.
// decodeUTF16 and sniffText turn such input into UTF-8 so that the decoders
// and sniffs see the same bytes as for a UTF-8 export.

// utf16BOM returns whether head starts with a UTF-16 byte order mark and
// whether it is big-endian.
func utf16BOM(head []byte) (isUTF16, bigEndian bool) {
	if len(head) < 2 {
		return false, false
	}
	switch {
	case head[0] == 0xFF && head[1] == 0xFE:
		return true, false
	case head[0] == 0xFE && head[1] == 0xFF:
		return true, true
	}
	return false, false
}

// sniffText returns head as UTF-8: unchanged, or decoded from UTF-16 when it
// starts with a byte order mark. A UTF-8 byte order mark is dropped.
func sniffText(head []byte) []byte {
	ok, be := utf16BOM(head)
	if !ok {
		if len(head) >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF {
			return head[3:]
		}
		return head
	}
	out := make([]byte, 0, len(head))
	var prev uint16
	for i := 2; i+1 < len(head); i += 2 {
		out, prev = appendUnit(out, prev, unit(head[i:], be))
	}
	return out
}

// decodeUTF16 returns r unchanged unless it starts with a UTF-16 byte order
// mark; then it returns a reader that yields the text as UTF-8. A UTF-8
// byte order mark is dropped.
func decodeUTF16(r io.Reader) io.Reader {
	br := bufio.NewReaderSize(r, readBufSize)
	head, _ := br.Peek(3)
	if len(head) == 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF {
		br.Discard(3)
		return br
	}
	ok, be := utf16BOM(head)
	if !ok {
		return br
	}
	br.Discard(2)
	return &utf16Reader{r: br, be: be}
}

// utf16Reader converts UTF-16 to UTF-8 as it reads.
type utf16Reader struct {
	r    *bufio.Reader
	be   bool
	prev uint16 // a high surrogate waiting for its pair
	out  []byte // converted bytes not yet returned
	err  error
}

func (u *utf16Reader) Read(p []byte) (int, error) {
	for len(u.out) == 0 {
		if u.err != nil {
			if u.prev != 0 {
				u.out, u.prev = utf8.AppendRune(u.out, utf8.RuneError), 0
				break
			}
			return 0, u.err
		}
		u.fill()
	}
	n := copy(p, u.out)
	u.out = u.out[n:]
	return n, nil
}

// fill converts the next chunk of input.
func (u *utf16Reader) fill() {
	var buf [4096]byte
	n, err := io.ReadFull(u.r, buf[:])
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	u.err = err
	u.out = u.out[:0]
	for i := 0; i+1 < n; i += 2 {
		u.out, u.prev = appendUnit(u.out, u.prev, unit(buf[i:], u.be))
	}
	if n%2 == 1 {
		u.out = utf8.AppendRune(u.out, utf8.RuneError)
	}
}

func unit(b []byte, be bool) uint16 {
	if be {
		return uint16(b[0])<<8 | uint16(b[1])
	}
	return uint16(b[1])<<8 | uint16(b[0])
}

// appendUnit appends one UTF-16 code unit, pairing surrogates; prev is a
// high surrogate seen last, 0 when none.
func appendUnit(out []byte, prev, c uint16) ([]byte, uint16) {
	switch {
	case prev != 0 && c >= 0xDC00 && c < 0xE000:
		return utf8.AppendRune(out, utf16.DecodeRune(rune(prev), rune(c))), 0
	case prev != 0:
		out = utf8.AppendRune(out, utf8.RuneError)
	}
	if c >= 0xD800 && c < 0xDC00 {
		return out, c
	}
	return utf8.AppendRune(out, rune(c)), 0
}
