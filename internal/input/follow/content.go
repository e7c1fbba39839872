package follow

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// errShort reports a file that no longer holds the offset asked for.
var errShort = errors.New("file is shorter than the offset")

// fileKey identifies a file on its device (zero where the platform gives no
// inode numbers).
type fileKey struct{ dev, ino uint64 }

func keyOf(fi os.FileInfo) fileKey {
	dev, ino := fileID(fi)
	return fileKey{dev, ino}
}

// content is one file content open for reading at a physical offset: a
// plain file read with ReadAt, or a gzip stream decompressed on the way.
type content struct {
	f    *os.File
	gz   *gzip.Reader
	path string
	key  fileKey
	// off is the offset of the next byte; limit, when not negative, the
	// offset to stop at.
	off   int64
	limit int64
	// live says this is the file Path names, which may grow, be truncated
	// or be rotated away. drain says it was rotated away and is read until
	// it has been quiet (since quiet) for the grace period.
	live  bool
	drain bool
	quiet time.Time
	// mtime is the file's modification time when it was opened.
	mtime int64
	// bad is the error that cut a compressed content short.
	bad error
}

// openAt opens path at off. A file starting with the gzip magic is
// decompressed when gz allows it (and off counts decompressed bytes).
func openAt(path string, off int64, gz bool) (*content, os.FileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	c := &content{f: f, path: path, key: keyOf(fi), off: off, limit: -1, mtime: fi.ModTime().UnixNano()}
	if gz && isGzip(f) {
		if err := c.openGzip(off); err != nil {
			f.Close()
			return nil, nil, err
		}
		return c, fi, nil
	}
	if fi.Size() < off {
		f.Close()
		return nil, nil, errShort
	}
	return c, fi, nil
}

// openGzip starts decompressing and skips off bytes.
func (c *content) openGzip(off int64) error {
	zr, err := gzip.NewReader(io.NewSectionReader(c.f, 0, 1<<62))
	if err != nil {
		return fmt.Errorf("gzip %s: %w", c.path, err)
	}
	c.gz = zr
	if n, err := io.CopyN(io.Discard, zr, off); n < off {
		if err == nil || err == io.EOF {
			err = errShort
		}
		return err
	}
	return nil
}

// isGzip reports whether f starts with the gzip magic.
func isGzip(f *os.File) bool {
	var m [2]byte
	n, _ := f.ReadAt(m[:], 0)
	return n == 2 && m[0] == 0x1f && m[1] == 0x8b
}

// read reads at the current offset without moving it (deliver does), up
// to limit. A damaged compressed stream ends the content (c.bad says why).
func (c *content) read(p []byte) (int, error) {
	if c.limit >= 0 {
		if c.off >= c.limit {
			return 0, io.EOF
		}
		if rem := c.limit - c.off; int64(len(p)) > rem {
			p = p[:rem]
		}
	}
	if c.gz != nil {
		n, err := c.gz.Read(p)
		if err != nil && err != io.EOF {
			c.bad, err = err, io.EOF
		}
		return n, err
	}
	return c.f.ReadAt(p, c.off)
}

func (c *content) close() {
	if c.gz != nil {
		c.gz.Close()
	}
	c.f.Close()
}

// readHead returns up to fpBytes leading bytes of the (decompressed when
// gz) content of f into buf. A compressed stream cut short (a file still
// being compressed) is an error, not a short content.
func readHead(f *os.File, gz bool, buf []byte) ([]byte, error) {
	buf = buf[:fpBytes]
	if !gz {
		n, err := f.ReadAt(buf, 0)
		if err == io.EOF {
			err = nil
		}
		return buf[:n], err
	}
	zr, err := gzip.NewReader(io.NewSectionReader(f, 0, 1<<62))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	n := 0
	for n < len(buf) {
		k, err := zr.Read(buf[n:])
		n += k
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return buf[:n], nil
}
