// Package rotate writes a file of lines that is rotated by size, for JSON
// lines written by a long-running `dnsvigil serve`:
//
//	f, err := rotate.Open("/var/log/dnsvigil/alerts.jsonl", rotate.Config{MaxBytes: 100 << 20, MaxFiles: 5})
//	...
//	w := jsonl.New(f)
//
// When the next line would take the file past MaxBytes, the file is closed
// and renamed to file.1 (file.1 becomes file.2 and so on; file.MaxFiles is
// deleted), and a new file is started. A line is never split between two
// files, however the caller cuts its writes: a line that arrives in several
// Writes (a bufio.Writer in front flushes full buffers, not lines) is held
// until its newline. A file therefore holds only whole lines and at most
// MaxBytes, unless one line alone is longer than that: such a line gets a file
// of its own.
//
// Durability (Config.Sync): by default ("rotate") a file is fsynced before
// it is rotated away and when the File is closed, and the directory is fsynced
// after each rotation so the renames survive a crash; lines written between
// are left to the operating system's write-back. "write" fsyncs after every
// Write call that reaches the file (with jsonl in front, every buffer flush),
// and "none" never fsyncs.
//
// New files get mode 0640 (less under a stricter umask); an existing file is
// appended to as it is.
package rotate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/dnsvigil/dnsvigil/internal/config"
)

// Sync is an fsync policy.
type Sync string

// Fsync policies.
const (
	// SyncRotate fsyncs a file before it is rotated away and on Close, and
	// the directory after each rotation. It is the default.
	SyncRotate Sync = "rotate"
	// SyncWrite also fsyncs after every Write call.
	SyncWrite Sync = "write"
	// SyncNone never fsyncs.
	SyncNone Sync = "none"
)

// Defaults and limits.
const (
	DefaultMaxBytes = 100 << 20
	DefaultMaxFiles = 5
	// MaxMaxFiles bounds MaxFiles: each rotation renames every kept file.
	MaxMaxFiles = 1000
	// FileMode is the mode new files are created with.
	FileMode = 0o640
	// maxCarry bounds the partial line held while waiting for its newline;
	// a longer one is written as it comes (see File.Write).
	maxCarry = 1 << 20
)

// Config sets the rotation. Zero values mean the defaults.
type Config struct {
	// MaxBytes is the most a file may hold; the line that would pass it
	// starts the next file.
	MaxBytes int64 `yaml:"max_bytes"`
	// MaxFiles is how many rotated files (file.1 ... file.MaxFiles) are
	// kept besides the live one; the oldest is deleted.
	MaxFiles int `yaml:"max_files"`
	// Sync is the fsync policy: "rotate" (default), "write" or "none".
	Sync Sync `yaml:"sync"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{MaxBytes: DefaultMaxBytes, MaxFiles: DefaultMaxFiles, Sync: SyncRotate}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.MaxBytes == 0 {
		c.MaxBytes = d.MaxBytes
	}
	if c.MaxFiles == 0 {
		c.MaxFiles = d.MaxFiles
	}
	if c.Sync == "" {
		c.Sync = d.Sync
	}
	return c
}

// Validate reports every problem in c as a config.Problem whose path is
// relative to the file's section ("max_bytes").
func (c Config) Validate() []error {
	var errs []error
	if c.MaxBytes < 0 {
		errs = append(errs, config.Problemf("max_bytes", "must be positive (0 for %d), got %d", DefaultMaxBytes, c.MaxBytes))
	}
	if c.MaxFiles < 0 || c.MaxFiles > MaxMaxFiles {
		errs = append(errs, config.Problemf("max_files", "must be between 1 and %d (0 for %d), got %d", MaxMaxFiles, DefaultMaxFiles, c.MaxFiles))
	}
	switch c.Sync {
	case "", SyncRotate, SyncWrite, SyncNone:
	default:
		errs = append(errs, config.Problemf("sync", "must be rotate, write or none, got %q", string(c.Sync)))
	}
	return errs
}

// File is an io.WriteCloser over a rotated file. It is safe for concurrent
// use, though lines from concurrent writers interleave only whole when each
// Write holds whole lines.
type File struct {
	mu    sync.Mutex
	path  string
	cfg   Config
	f     *os.File // nil after a failed reopen; the next Write retries
	size  int64
	carry []byte // a line without its newline yet
	long  bool   // within a line longer than the carry holds, written through
	err   error  // set once closed
}

var _ io.WriteCloser = (*File)(nil)

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("rotated file is closed")

// Open opens path for appending, creating it with mode 0640, and returns a
// File that rotates it by cfg. An existing file that does not end in a
// newline (a write cut short) gets one, so the next line starts clean. path
// must be a regular file.
func Open(path string, cfg Config) (*File, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("%s: %w", path, errors.Join(errs...))
	}
	f := &File{path: path, cfg: cfg.withDefaults()}
	if err := f.open(); err != nil {
		return nil, err
	}
	return f, nil
}

// open opens the live file and learns its size.
func (f *File) open() error {
	fh, err := os.OpenFile(f.path, os.O_RDWR|os.O_APPEND|os.O_CREATE, FileMode)
	if err != nil {
		return fmt.Errorf("open alert file: %w", err)
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return fmt.Errorf("open alert file: %w", err)
	}
	if !st.Mode().IsRegular() {
		fh.Close()
		return fmt.Errorf("open alert file %s: not a regular file (%v)", f.path, st.Mode().Type())
	}
	f.f, f.size = fh, st.Size()
	if f.size == 0 {
		return nil
	}
	var last [1]byte
	if _, err := fh.ReadAt(last[:], f.size-1); err != nil {
		return fmt.Errorf("open alert file: %w", err)
	}
	if last[0] != '\n' {
		return f.write([]byte{'\n'})
	}
	return nil
}

// Write writes p, rotating first whenever the next whole line would take the
// file past MaxBytes. Bytes after the last newline of p are held until a
// later Write brings their newline (or Close), up to 1 MiB: a partial line
// longer than that is written as it comes, so such a line, when it arrives in
// pieces, can take a file past MaxBytes. The count returned includes held
// bytes.
func (f *File) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return 0, f.err
	}
	if f.f == nil {
		if err := f.open(); err != nil {
			return 0, err
		}
	}
	n := len(p)
	for len(p) > 0 {
		rest, err := f.step(p)
		if err != nil {
			return n - len(rest), err
		}
		p = rest
	}
	if f.cfg.Sync == SyncWrite {
		if err := f.f.Sync(); err != nil {
			return n, fmt.Errorf("sync alert file: %w", err)
		}
	}
	return n, nil
}

// step writes or holds a leading part of p and returns the rest.
func (f *File) step(p []byte) ([]byte, error) {
	switch {
	case f.long:
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			return nil, f.write(p)
		}
		f.long = false
		return p[i+1:], f.write(p[:i+1])
	case len(f.carry) > 0:
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			return nil, f.hold(p)
		}
		f.carry = append(f.carry, p[:i+1]...)
		err := f.writeLines(f.carry)
		f.carry = f.carry[:0]
		return p[i+1:], err
	}
	end := bytes.LastIndexByte(p, '\n') + 1
	if end == 0 {
		return nil, f.hold(p)
	}
	k := f.fit(p[:end])
	if k == 0 {
		return p, f.rotate()
	}
	return p[k:], f.write(p[:k])
}

// hold keeps p, a piece of a line without its newline, or writes it through
// once the line is longer than the carry may grow.
func (f *File) hold(p []byte) error {
	limit := min(f.cfg.MaxBytes, maxCarry)
	if int64(len(f.carry)+len(p)) <= limit {
		f.carry = append(f.carry, p...)
		return nil
	}
	if f.size > 0 && f.size+int64(len(f.carry)+len(p)) > f.cfg.MaxBytes {
		if err := f.rotate(); err != nil {
			return err
		}
	}
	f.long = true
	if err := f.write(f.carry); err != nil {
		return err
	}
	f.carry = f.carry[:0]
	return f.write(p)
}

// writeLines writes whole lines, rotating where the next one does not fit.
func (f *File) writeLines(p []byte) error {
	for len(p) > 0 {
		k := f.fit(p)
		if k == 0 {
			if err := f.rotate(); err != nil {
				return err
			}
			continue
		}
		if err := f.write(p[:k]); err != nil {
			return err
		}
		p = p[k:]
	}
	return nil
}

// fit returns how many bytes of the whole lines in p go into the current
// file: the lines that fit, or the first line alone when the file is empty
// and the line is longer than MaxBytes. Zero means rotate first.
func (f *File) fit(p []byte) int {
	room := f.cfg.MaxBytes - f.size
	if int64(len(p)) <= room {
		return len(p)
	}
	if room > 0 {
		if k := bytes.LastIndexByte(p[:room], '\n') + 1; k > 0 {
			return k
		}
	}
	if f.size == 0 {
		return bytes.IndexByte(p, '\n') + 1
	}
	return 0
}

func (f *File) write(p []byte) error {
	n, err := f.f.Write(p)
	f.size += int64(n)
	if err != nil {
		return fmt.Errorf("write alert file: %w", err)
	}
	return nil
}

// Rotate rotates the file now, as a full one would be (for a signal or a
// schedule). A held partial line stays held for the new file.
func (f *File) Rotate() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	return f.rotate()
}

// rotate closes the live file, shifts file.i to file.i+1 (deleting
// file.MaxFiles), renames the live file to file.1 and opens a new one. When a
// rename fails, the live file is reopened as it is and the error returned; the
// next full line tries again.
func (f *File) rotate() error {
	var errs []error
	if f.f != nil {
		if f.cfg.Sync != SyncNone {
			if err := f.f.Sync(); err != nil {
				errs = append(errs, fmt.Errorf("sync alert file: %w", err))
			}
		}
		if err := f.f.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close alert file: %w", err))
		}
		f.f = nil
	}
	errs = append(errs, f.shift())
	if err := f.open(); err != nil {
		errs = append(errs, err)
	}
	if f.cfg.Sync != SyncNone {
		errs = append(errs, syncDir(filepath.Dir(f.path)))
	}
	return errors.Join(errs...)
}

// shift renames path.i to path.i+1 from the last of the run of rotated
// files that exist (path.1, path.2, ...) down, the one at MaxFiles being
// replaced, then path to path.1. A rename replaces its target, so the oldest
// file goes without a separate delete, and a rotation costs one rename per
// kept file, not per allowed one.
func (f *File) shift() error {
	k := 0
	for k < f.cfg.MaxFiles-1 {
		if _, err := os.Lstat(f.backup(k + 1)); err != nil {
			break
		}
		k++
	}
	for i := k; i >= 1; i-- {
		if err := os.Rename(f.backup(i), f.backup(i+1)); err != nil {
			return fmt.Errorf("rotate alert file: %w", err)
		}
	}
	if err := os.Rename(f.path, f.backup(1)); err != nil {
		return fmt.Errorf("rotate alert file: %w", err)
	}
	return nil
}

// backup returns the name of the i-th rotated file.
func (f *File) backup(i int) string { return f.path + "." + strconv.Itoa(i) }

// syncDir fsyncs a directory so renames in it are durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory: %w", err)
	}
	return nil
}

// Sync writes nothing held back but fsyncs what was written.
func (f *File) Sync() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	if f.f == nil {
		return nil
	}
	if err := f.f.Sync(); err != nil {
		return fmt.Errorf("sync alert file: %w", err)
	}
	return nil
}

// Close ends a partial line (held or written through) with a newline, fsyncs (unless the policy is
// "none") and closes the file. Later Writes return ErrClosed; a second Close
// does nothing.
func (f *File) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil
	}
	f.err = fmt.Errorf("%s: %w", f.path, ErrClosed)
	if f.f == nil {
		return nil
	}
	var errs []error
	switch {
	case f.long:
		errs = append(errs, f.write([]byte{'\n'}))
	case len(f.carry) > 0:
		errs = append(errs, f.writeLines(append(f.carry, '\n')))
	}
	f.carry, f.long = nil, false
	if f.cfg.Sync != SyncNone {
		if err := f.f.Sync(); err != nil {
			errs = append(errs, fmt.Errorf("sync alert file: %w", err))
		}
	}
	if err := f.f.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close alert file: %w", err))
	}
	f.f = nil
	return errors.Join(errs...)
}
