package lineio

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

// result is one Read call as the tests see it.
type result struct {
	Text          string
	Err           string
	Line          int64
	Offset, After int64
}

// readAll reads lr to io.EOF (or the first I/O error) and returns every
// result, then checks that NextOffset counts the whole input.
func readAll(t *testing.T, lr *Reader) []result {
	t.Helper()
	var out []result
	for {
		b, err := lr.Read()
		if err == io.EOF {
			return out
		}
		r := result{Text: string(b), Line: lr.Line(), Offset: lr.Offset(), After: lr.NextOffset()}
		if err != nil {
			r.Text, r.Err = "", err.Error()
		}
		out = append(out, r)
		if err != nil && !errors.Is(err, ErrTooLong) {
			return out
		}
	}
}

func TestRead(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		limit int
		size  int // bufio buffer; 0 for the default
		want  []result
	}{
		{name: "empty input", in: "", limit: 10},
		{
			name: "lines with and without a final newline", in: "ab\ncde\nf", limit: 10,
			want: []result{
				{Text: "ab", Line: 1, Offset: 0, After: 3},
				{Text: "cde", Line: 2, Offset: 3, After: 7},
				{Text: "f", Line: 3, Offset: 7, After: 8},
			},
		},
		{
			name: "final newline gives no empty line", in: "ab\n", limit: 10,
			want: []result{{Text: "ab", Line: 1, Offset: 0, After: 3}},
		},
		{
			name: "empty lines", in: "\n\r\n\n", limit: 10,
			want: []result{
				{Line: 1, Offset: 0, After: 1},
				{Line: 2, Offset: 1, After: 3},
				{Line: 3, Offset: 3, After: 4},
			},
		},
		{
			name: "CRLF is trimmed and counted", in: "ab\r\ncd\r\n", limit: 10,
			want: []result{
				{Text: "ab", Line: 1, Offset: 0, After: 4},
				{Text: "cd", Line: 2, Offset: 4, After: 8},
			},
		},
		{
			name: "only one CR is trimmed", in: "ab\r\r\n", limit: 10,
			want: []result{{Text: "ab\r", Line: 1, Offset: 0, After: 5}},
		},
		{
			name: "CR inside a line is kept", in: "a\rb\n", limit: 10,
			want: []result{{Text: "a\rb", Line: 1, Offset: 0, After: 4}},
		},
		{
			name: "final CR without newline is trimmed", in: "ab\r", limit: 10,
			want: []result{{Text: "ab", Line: 1, Offset: 0, After: 3}},
		},
		{
			name: "line of exactly the limit", in: "abcd\nabcd\r\nabcd", limit: 4,
			want: []result{
				{Text: "abcd", Line: 1, Offset: 0, After: 5},
				{Text: "abcd", Line: 2, Offset: 5, After: 11},
				{Text: "abcd", Line: 3, Offset: 11, After: 15},
			},
		},
		{
			name: "line one over the limit", in: "abcde\nab\nabcde\r\nabcde", limit: 4,
			want: []result{
				{Err: "line too long", Line: 1, Offset: 0, After: 6},
				{Text: "ab", Line: 2, Offset: 6, After: 9},
				{Err: "line too long", Line: 3, Offset: 9, After: 16},
				{Err: "line too long", Line: 4, Offset: 16, After: 21},
			},
		},
		{
			name: "zero limit accepts empty lines only", in: "\na\n\r\n", limit: 0,
			want: []result{
				{Line: 1, Offset: 0, After: 1},
				{Err: "line too long", Line: 2, Offset: 1, After: 3},
				{Line: 3, Offset: 3, After: 5},
			},
		},
		{
			name: "lines longer than the buffer, under the limit", size: 16, limit: 40,
			in: strings.Repeat("x", 39) + "\r\n" + strings.Repeat("y", 40) + "\nz",
			want: []result{
				{Text: strings.Repeat("x", 39), Line: 1, Offset: 0, After: 41},
				{Text: strings.Repeat("y", 40), Line: 2, Offset: 41, After: 82},
				{Text: "z", Line: 3, Offset: 82, After: 83},
			},
		},
		{
			name: "lines longer than the buffer and over the limit", size: 16, limit: 20,
			in: strings.Repeat("x", 21) + "\r\n" + strings.Repeat("y", 100) + "\n" + strings.Repeat("z", 20) + "\r\n" + strings.Repeat("w", 21),
			want: []result{
				{Err: "line too long", Line: 1, Offset: 0, After: 23},
				{Err: "line too long", Line: 2, Offset: 23, After: 124},
				{Text: strings.Repeat("z", 20), Line: 3, Offset: 124, After: 146},
				{Err: "line too long", Line: 4, Offset: 146, After: 167},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			size := tc.size
			if size == 0 {
				size = bufSize
			}
			lr := newReaderSize(strings.NewReader(tc.in), tc.limit, size)
			if diff := cmp.Diff(tc.want, readAll(t, &lr)); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
			if lr.NextOffset() != int64(len(tc.in)) {
				t.Errorf("NextOffset after EOF = %d, want %d", lr.NextOffset(), len(tc.in))
			}
			// Read keeps returning io.EOF at the end.
			if _, err := lr.Read(); err != io.EOF {
				t.Errorf("Read after EOF: %v", err)
			}
		})
	}
}

func TestLongLineMemory(t *testing.T) {
	tests := []struct {
		name    string
		limit   int
		longLen int
	}{
		{"10 MB line, 1 MB limit", 1 << 20, 10 << 20},
		{"line just over a small limit", 300, 301},
		{"line longer than the read buffer but under the limit", 1 << 20, 200 << 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := "first\n" + strings.Repeat("x", tc.longLen) + "\nlast\n"
			lr := NewReader(strings.NewReader(in), tc.limit)
			got := readAll(t, &lr)
			want := []result{
				{Text: "first", Line: 1, Offset: 0, After: 6},
				{Text: strings.Repeat("x", tc.longLen), Line: 2, Offset: 6, After: 7 + int64(tc.longLen)},
				{Text: "last", Line: 3, Offset: 7 + int64(tc.longLen), After: 12 + int64(tc.longLen)},
			}
			if tc.longLen > tc.limit {
				want[1].Text, want[1].Err = "", "line too long"
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
			if c := cap(lr.long); c > 2*tc.limit+bufSize {
				t.Errorf("line buffer grew to %d bytes for a limit of %d", c, tc.limit)
			}
		})
	}
}

func TestIOError(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name string
		r    io.Reader
		want []result
	}{
		{
			name: "error after a whole line",
			r:    io.MultiReader(strings.NewReader("ab\n"), iotest.ErrReader(boom)),
			want: []result{
				{Text: "ab", Line: 1, Offset: 0, After: 3},
				{Err: "boom", Line: 2, Offset: 3, After: 3},
			},
		},
		{
			name: "error inside a line",
			r:    io.MultiReader(strings.NewReader("ab\ncd"), iotest.ErrReader(boom)),
			want: []result{
				{Text: "ab", Line: 1, Offset: 0, After: 3},
				{Err: "boom", Line: 2, Offset: 3, After: 5},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lr := NewReader(tc.r, 10)
			if diff := cmp.Diff(tc.want, readAll(t, &lr)); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadAllocs(t *testing.T) {
	in := strings.Repeat("some line of text\r\n", 64)
	r := strings.NewReader(in)
	lr := NewReader(r, 1024)
	allocs := testing.AllocsPerRun(100, func() {
		r.Reset(in)
		lr.br.Reset(r)
		for {
			if _, err := lr.Read(); err != nil {
				break
			}
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per pass, want 0", allocs)
	}
}

// reference splits data the way Read is documented to, without a buffer or
// a limit on what it holds.
func reference(data []byte, limit int) []result {
	var out []result
	for off := 0; off < len(data); {
		end := len(data)
		if i := bytes.IndexByte(data[off:], '\n'); i >= 0 {
			end = off + i + 1
		}
		text := bytes.TrimSuffix(data[off:end], []byte{'\n'})
		text = bytes.TrimSuffix(text, []byte{'\r'})
		r := result{Text: string(text), Line: int64(len(out) + 1), Offset: int64(off), After: int64(end)}
		if len(text) > limit {
			r.Text, r.Err = "", ErrTooLong.Error()
		}
		out = append(out, r)
		off = end
	}
	return out
}

// FuzzRead checks Read against reference for any input, limit, buffer size
// and chunking of the underlying reader.
func FuzzRead(f *testing.F) {
	f.Add([]byte("ab\ncde\r\nf"), uint16(4), uint8(0), uint8(0))
	f.Add([]byte(strings.Repeat("x", 40)+"\r\n\n\r"), uint16(20), uint8(3), uint8(1))
	f.Add([]byte("\r\r\n\n"+strings.Repeat("y", 70)), uint16(69), uint8(10), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, limit uint16, size, chunking uint8) {
		var r io.Reader = bytes.NewReader(data)
		switch chunking % 3 {
		case 1:
			r = iotest.OneByteReader(r)
		case 2:
			r = iotest.HalfReader(r)
		}
		lr := newReaderSize(r, int(limit), 16+int(size))
		if diff := cmp.Diff(reference(data, int(limit)), readAll(t, &lr)); diff != "" {
			t.Fatalf("lines (-reference +Read):\n%s", diff)
		}
		if lr.NextOffset() != int64(len(data)) {
			t.Fatalf("NextOffset after EOF = %d, want %d", lr.NextOffset(), len(data))
		}
		if c := cap(lr.long); c > 2*(int(limit)+2)+16+int(size) {
			t.Fatalf("line buffer grew to %d bytes for a limit of %d", c, limit)
		}
	})
}
