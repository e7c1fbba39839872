package rotate

import (
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkWrite writes 256-byte lines, rotating every 4096 of them.
func BenchmarkWrite(b *testing.B) {
	f, err := Open(filepath.Join(b.TempDir(), "a.jsonl"), Config{MaxBytes: 1 << 20, MaxFiles: 2, Sync: SyncNone})
	if err != nil {
		b.Fatal(err)
	}
	line := []byte(strings.Repeat("x", 255) + "\n")
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Write(line); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}
