package rotate

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzWrite writes data in pieces of the fuzzed sizes and checks that the
// files, oldest first, hold exactly data (a final partial line ended by
// Close), that every file but the live one ends with a newline, and that a
// file is larger than MaxBytes only when it holds a single line.
func FuzzWrite(f *testing.F) {
	f.Add([]byte("a\nbb\nccc\n"), uint8(4), []byte{1, 2, 3})
	f.Add([]byte("0123456789\n0123456789\nx"), uint8(10), []byte{7})
	f.Add([]byte(strings.Repeat("long line without end ", 20)), uint8(16), []byte{5, 50})
	f.Add([]byte("\n\n\n\n"), uint8(1), []byte{})
	f.Fuzz(func(t *testing.T, data []byte, maxBytes uint8, cuts []byte) {
		if len(data) > 1024 {
			return
		}
		maxBytes = 8 + maxBytes%64 // at most 128 files
		path := filepath.Join(t.TempDir(), "f")
		const keep = 1000
		rf, err := Open(path, Config{MaxBytes: int64(maxBytes), MaxFiles: keep, Sync: SyncNone})
		if err != nil {
			t.Fatal(err)
		}
		rest := data
		for i := 0; len(rest) > 0; i++ {
			n := len(rest)
			if len(cuts) > 0 {
				n = min(n, 1+int(cuts[i%len(cuts)]))
			}
			if _, err := rf.Write(rest[:n]); err != nil {
				t.Fatal(err)
			}
			rest = rest[n:]
		}
		if err := rf.Close(); err != nil {
			t.Fatal(err)
		}
		all := files(t, path, keep)
		want := string(data)
		if len(want) > 0 && !strings.HasSuffix(want, "\n") {
			want += "\n"
		}
		if got := strings.Join(all, ""); got != want {
			t.Fatalf("files hold %q, want %q", got, want)
		}
		for i, content := range all {
			if content == "" && i == len(all)-1 {
				continue
			}
			if !strings.HasSuffix(content, "\n") {
				t.Errorf("file %d does not end with a newline: %q", i, content)
			}
			if len(content) > int(maxBytes) && bytes.Count([]byte(content), []byte("\n")) != 1 {
				t.Errorf("file %d holds %d bytes in several lines, max %d", i, len(content), maxBytes)
			}
		}
	})
}
