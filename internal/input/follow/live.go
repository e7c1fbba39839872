package follow

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

// check reports whether the live file still holds the content being read
// (its first bytes are unchanged), so that bytes just read from it belong
// to that content. Other contents never change.
func (s *stream) check() (bool, error) {
	if !s.cur.live {
		return true, nil
	}
	return s.verify()
}

// verify compares the live file's first bytes with the segment's head and
// extends the head while it is shorter than fpBytes.
func (s *stream) verify() (bool, error) {
	c, g := s.cur, s.seg()
	n, err := c.f.ReadAt(s.hbuf[:fpBytes], 0)
	if err != nil && err != io.EOF {
		return false, fmt.Errorf("read %s: %w", c.path, err)
	}
	if n < len(g.head) || !bytes.Equal(s.hbuf[:len(g.head)], g.head) {
		return false, nil
	}
	g.head = append(g.head, s.hbuf[len(g.head):n]...)
	return true, nil
}

// atEnd handles the end of the current content: a finished content gives
// way to the next, a live file is checked for rotation and truncation or
// waited on, and a file rotated away is drained.
func (s *stream) atEnd() error {
	c := s.cur
	switch {
	case c.drain:
		return s.drainEnd()
	case !c.live || (c.limit >= 0 && c.off >= c.limit):
		s.finish()
		return nil
	}
	fi, err := os.Stat(s.cfg.Path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.report(err)
		return s.idle(s.cfg.PollInterval)
	}
	if err != nil || keyOf(fi) != c.key {
		s.rotated()
		return nil
	}
	ok, err := s.verify()
	if err != nil {
		return err
	}
	if !ok || fi.Size() < c.off {
		return s.truncated()
	}
	s.lastSize = fi.Size()
	if fi.Size() > c.off {
		return nil
	}
	if fi.Size() == 0 && len(s.seg().head) == 0 && fi.ModTime().UnixNano() != c.mtime {
		// Written and truncated while it looked empty: a copy of what
		// was written may be beside it.
		s.emptied(c.mtime)
		return nil
	}
	return s.idle(s.cfg.PollInterval)
}

// emptied ends an empty live file's segment that was written and truncated
// between two looks, so that files rotated since it was opened (at mtime)
// are looked for before it is read again from its start.
func (s *stream) emptied(mtime int64) {
	s.log.Debug("follow: written and truncated between two looks", "path", s.cfg.Path)
	s.finish()
	s.after = &doneFile{mtime: mtime}
}

// rotated notes that the path no longer names the file being read: it was
// renamed (logrotate's create) or removed. The old file is read on until it
// has been quiet for the grace period or the new file has data.
func (s *stream) rotated() {
	c := s.cur
	c.live, c.drain, c.quiet = false, true, time.Now()
	s.f.c.rotations.Add(1)
	removed := false
	if fi, err := c.f.Stat(); err == nil && unlinked(fi) {
		removed = true
		s.f.c.removed.Add(1)
	}
	s.log.Debug("follow: file rotated away", "path", s.cfg.Path, "removed", removed)
}

// drainEnd finishes a rotated file once it is quiet or the new file has
// data, and waits otherwise.
func (s *stream) drainEnd() error {
	c := s.cur
	left := s.cfg.RotateGrace - time.Since(c.quiet)
	if left <= 0 || s.newFileHasData(c.key) {
		s.finish()
		return nil
	}
	return s.idle(left)
}

// newFileHasData reports whether the path names a file other than old
// that is not empty.
func (s *stream) newFileHasData(old fileKey) bool {
	fi, err := os.Stat(s.cfg.Path)
	return err == nil && keyOf(fi) != old && fi.Size() > 0
}

// truncated handles a live file that was truncated below the offset read
// or whose first bytes changed. With a copy of the old content beside it
// (copytruncate), the rest of that content is read from the copy; else the
// unread bytes are lost, and reading goes on in the truncated file: after
// what was kept when its first bytes are unchanged, from its start
// otherwise.
func (s *stream) truncated() error {
	c, g := s.cur, s.seg()
	if cp := s.findCopy(); cp != nil {
		nc, fi, err := openAt(cp.path, c.off, true)
		if err == nil {
			s.f.c.truncCopy.Add(1)
			s.log.Debug("follow: truncated; reading the rest from the copy", "path", s.cfg.Path, "copy", cp.path)
			c.close()
			s.cur = nc
			g.Path, g.Dev, g.Ino, g.MTime = nc.path, nc.key.dev, nc.key.ino, fi.ModTime().UnixNano()
			return nil
		}
	}
	s.f.c.truncNoCopy.Add(1)
	if n := s.lastSize - c.off; n > 0 {
		s.lose(n, "truncated without a copy", s.cfg.Path)
	}
	s.log.Warn("follow: file truncated and no copy found", "path", s.cfg.Path, "offset", c.off)
	fi, err := c.f.Stat()
	if err != nil {
		return fmt.Errorf("stat %s: %w", c.path, err)
	}
	keep, err := s.verify()
	if err != nil {
		return err
	}
	var off int64
	if keep && len(g.head) > 0 && fi.Size() >= int64(len(g.head)) && fi.Size() < c.off {
		off = fi.Size()
	}
	s.finish()
	s.after = nil
	if _, err := s.openLive(fi, off); err != nil {
		s.report(err)
	}
	return nil
}

// findCopy looks beside the path for another file holding the content
// being read: an uncompressed one reaching the offset read first, then the
// newest.
func (s *stream) findCopy() *candidate {
	c, g := s.cur, s.seg()
	if len(g.head) == 0 {
		return nil
	}
	k := fpKey{fingerprint(g.head), len(g.head)}
	var best *candidate
	cands := scan(s.cfg.Path)
	for i := range cands {
		cp := &cands[i]
		if cp.key == c.key || !cp.matches(k) {
			continue
		}
		if best == nil || copyBetter(cp, best, c.off) {
			best = cp
		}
	}
	return best
}

// copyBetter prefers an uncompressed copy that holds off, then the newest.
func copyBetter(a, b *candidate, off int64) bool {
	ra, rb := !a.gz && a.size >= off, !b.gz && b.size >= off
	if ra != rb {
		return ra
	}
	return a.mtime > b.mtime
}
