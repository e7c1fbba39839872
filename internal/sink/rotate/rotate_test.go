package rotate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/config"
	"github.com/dnsvigil/dnsvigil/internal/sink/jsonl"
)

// files returns the contents of path.MaxFiles ... path.1, path (oldest
// first), skipping those that do not exist.
func files(t testing.TB, path string, maxFiles int) []string {
	t.Helper()
	var out []string
	for i := maxFiles + 1; i >= 0; i-- {
		name := path
		if i > 0 {
			name = fmt.Sprintf("%s.%d", path, i)
		}
		b, err := os.ReadFile(name)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	return out
}

func line(n int, tag string) string {
	return tag + strings.Repeat("x", n-len(tag)-1) + "\n"
}

// chunkers cut the same bytes into Writes in different ways.
var chunkers = []struct {
	name string
	cut  func(p []byte) [][]byte
}{
	{"one write", func(p []byte) [][]byte { return [][]byte{p} }},
	{"line by line", func(p []byte) [][]byte { return bytes.SplitAfter(p, []byte("\n")) }},
	{"byte by byte", func(p []byte) [][]byte {
		out := make([][]byte, len(p))
		for i := range p {
			out[i] = p[i : i+1]
		}
		return out
	}},
	{"random pieces", func(p []byte) [][]byte {
		r := rand.New(rand.NewPCG(1, 2))
		var out [][]byte
		for len(p) > 0 {
			n := min(len(p), 1+r.IntN(37))
			out, p = append(out, p[:n]), p[n:]
		}
		return out
	}},
}

func TestRotationBoundaries(t *testing.T) {
	tests := []struct {
		name  string
		max   int64
		lines []string
		want  []string // oldest file first
	}{
		{"exactly full files", 30,
			[]string{line(10, "a"), line(10, "b"), line(10, "c"), line(10, "d")},
			[]string{line(10, "a") + line(10, "b") + line(10, "c"), line(10, "d")}},
		{"line that would pass the limit starts the next file", 30,
			[]string{line(12, "a"), line(12, "b"), line(12, "c"), line(5, "d")},
			[]string{line(12, "a") + line(12, "b"), line(12, "c") + line(5, "d")}},
		{"line of exactly max bytes", 30,
			[]string{line(5, "a"), line(30, "b"), line(5, "c")},
			[]string{line(5, "a"), line(30, "b"), line(5, "c")}},
		{"line longer than max is alone", 30,
			[]string{line(5, "a"), line(45, "b"), line(5, "c"), line(5, "d")},
			[]string{line(5, "a"), line(45, "b"), line(5, "c") + line(5, "d")}},
		{"long line first", 30,
			[]string{line(31, "a"), line(29, "b")},
			[]string{line(31, "a"), line(29, "b")}},
		{"no rotation under the limit", 1000,
			[]string{line(10, "a"), line(10, "b")},
			[]string{line(10, "a") + line(10, "b")}},
	}
	for _, tc := range tests {
		for _, ch := range chunkers {
			t.Run(tc.name+"/"+ch.name, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "alerts.jsonl")
				f, err := Open(path, Config{MaxBytes: tc.max, MaxFiles: 10})
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range ch.cut([]byte(strings.Join(tc.lines, ""))) {
					if n, err := f.Write(p); err != nil || n != len(p) {
						t.Fatalf("Write = %d, %v", n, err)
					}
				}
				if err := f.Close(); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tc.want, files(t, path, 10)); diff != "" {
					t.Errorf("files, oldest first (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestMaxFilesRetention(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.log")
	f, err := Open(path, Config{MaxBytes: 20, MaxFiles: 3})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 { // two 9-byte lines per file: 10 files' worth
		if _, err := fmt.Fprintf(f, "line %03d\n", i); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := 12; i < 20; i += 2 {
		want = append(want, fmt.Sprintf("line %03d\nline %03d\n", i, i+1))
	}
	if diff := cmp.Diff(want, files(t, path, 5)); diff != "" {
		t.Errorf("kept files, oldest first (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(path + ".4"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s.4 exists beyond max_files: %v", path, err)
	}
}

// TestJSONLinesAcrossRotations writes 10,000 alerts through jsonl, whose
// buffer cuts lines anywhere, and finds each exactly once, in order, in
// files that hold only whole lines and at most MaxBytes.
func TestJSONLinesAcrossRotations(t *testing.T) {
	const n, maxBytes, maxFiles = 10_000, 64 << 10, 1000
	path := filepath.Join(t.TempDir(), "alerts.jsonl")
	f, err := Open(path, Config{MaxBytes: maxBytes, MaxFiles: maxFiles, Sync: SyncNone})
	if err != nil {
		t.Fatal(err)
	}
	w := jsonl.New(f)
	for i := range n {
		a := &alert.Alert{RuleID: "DNSV-TEST-001", Key: fmt.Sprint(i), Summary: strings.Repeat("s", i%300)}
		if err := w.Write(a); err != nil {
			t.Fatal(err)
		}
		if i%1000 == 0 {
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	all := files(t, path, maxFiles)
	if len(all) < 10 {
		t.Fatalf("only %d files: the test does not rotate enough", len(all))
	}
	next := 0
	for fi, content := range all {
		if len(content) > maxBytes {
			t.Errorf("file %d holds %d bytes, more than %d", fi, len(content), maxBytes)
		}
		if !strings.HasSuffix(content, "\n") {
			t.Errorf("file %d does not end with a whole line", fi)
		}
		for l := range strings.SplitSeq(strings.TrimSuffix(content, "\n"), "\n") {
			var doc struct {
				DNSVigil struct{ Key string } `json:"dnsvigil"`
			}
			if err := json.Unmarshal([]byte(l), &doc); err != nil {
				t.Fatalf("file %d: %v in %q", fi, err, l)
			}
			if doc.DNSVigil.Key != fmt.Sprint(next) {
				t.Fatalf("file %d: key %s, want %d (lost or duplicated)", fi, doc.DNSVigil.Key, next)
			}
			next++
		}
	}
	if next != n {
		t.Errorf("found %d lines, want %d", next, n)
	}
}

func TestOpenExistingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.log")
	if err := os.WriteFile(path, []byte("old 1\nold 2 cut"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path, Config{MaxBytes: 20, MaxFiles: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("new 1\nnew 2\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("held")); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	want := []string{"old 1\nold 2 cut\n", "new 1\nnew 2\nheld\n"}
	if diff := cmp.Diff(want, files(t, path, 2)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := st.Mode().Perm(); perm&^FileMode != 0 || perm&0o600 != 0o600 {
		t.Errorf("new file mode %v, want 0640 or less (umask), owner read-write", perm)
	}
}

func TestErrorsNameThePath(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		path string
		want string
	}{
		{"missing directory", filepath.Join(dir, "nope", "a.log"), filepath.Join(dir, "nope", "a.log")},
		{"a directory", dir, dir},
		{"not a regular file", os.DevNull, "not a regular file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(tc.path, Config{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Open = %v, want an error naming %s", err, tc.want)
			}
		})
	}
}

func TestRotateFailureIsReported(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.log")
	f, err := Open(path, Config{MaxBytes: 10, MaxFiles: 1})
	if err != nil {
		t.Fatal(err)
	}
	// A directory where path.1 goes makes the rename fail.
	if err := os.MkdirAll(filepath.Join(path+".1", "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("123456789\n")); err != nil {
		t.Fatal(err)
	}
	_, err = f.Write([]byte("abc\n"))
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Write needing a failed rotation = %v, want an error naming the path", err)
	}
	if err := os.RemoveAll(path + ".1"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("abc\n")); err != nil {
		t.Fatalf("Write after the obstacle is gone = %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"123456789\n", "abc\n"}, files(t, path, 1)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}

func TestLifecycle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.log")
	f, err := Open(path, Config{Sync: SyncWrite})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("a\n")); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := f.Rotate(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("b\n")); !errors.Is(err, ErrClosed) || !strings.Contains(err.Error(), path) {
		t.Errorf("Write after Close = %v, want ErrClosed naming the path", err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if diff := cmp.Diff([]string{"a\n", ""}, files(t, path, 5)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"defaults", DefaultConfig(), nil},
		{"zero", Config{}, nil},
		{"bad", Config{MaxBytes: -1, MaxFiles: MaxMaxFiles + 1, Sync: "often"}, []string{
			"max_bytes: must be positive (0 for 104857600), got -1",
			"max_files: must be between 1 and 1000 (0 for 5), got 1001",
			`sync: must be rotate, write or none, got "often"`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, err := range tc.cfg.Validate() {
				var p config.Problem
				if !errors.As(err, &p) {
					t.Errorf("%v is not a config.Problem", err)
				}
				got = append(got, err.Error())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}
