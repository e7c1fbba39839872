package follow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/input"
)

// Bounds on the stream's bookkeeping.
const (
	// maxSeen caps the fingerprints of finished contents remembered beyond
	// the segment list, so that a rotated file is never read twice.
	maxSeen = 256
	// maxXlat caps the offset translations kept for events still inside
	// the decoder.
	maxXlat = 256
	// tailWindow is how far back from the end StartAt "end" looks for the
	// start of the last incomplete line.
	tailWindow = 64 << 10
)

// doneFile is the content last finished: the next one is searched for
// among files modified at or after it.
type doneFile struct {
	key   fileKey
	mtime int64
}

// xlat maps offsets the decoder counts (dec) to the logical stream from one
// segment on.
type xlat struct {
	dec, logical, lineDelta int64
}

// stream is the logical stream the decoder reads: an io.Reader over the
// successive contents of the path. It is used by Run's goroutine only,
// which is also where it calls out.Flush and out.Mark.
type stream struct {
	f   *Follower
	cfg *Config
	ctx context.Context
	out input.Out
	w   *waiter
	log *slog.Logger

	segs   []*segment
	cur    *content
	replay []Segment
	after  *doneFile
	seen   []fpKey

	// nl says a newline is due that ends a content whose last line had
	// none; it is already counted in the offsets below.
	nl   bool
	last byte
	// dec and decLines count the bytes and newlines given to the decoder;
	// logical and lines are the logical offset and line count reached.
	dec, decLines  int64
	logical, lines int64
	xl             []xlat
	// resumeEnd is the resumed position's offset: bytes below it are
	// replayed. lastSize is the live file's size at the last look.
	resumeEnd int64
	lastSize  int64
	// since is when waiting for a file that did not exist began.
	since   int64
	lastErr string

	covered    int64
	lastOff    int64
	sinceMark  int
	lastMark   time.Time
	dirty      bool
	samples    []sample
	nextSample int64

	hbuf []byte
}

func newStream(ctx context.Context, f *Follower, out input.Out) *stream {
	s := &stream{f: f, cfg: &f.cfg, ctx: ctx, out: out, log: f.log, lastOff: -1,
		lastMark: time.Now(), hbuf: make([]byte, fpBytes)}
	w, err := newWaiter(f.cfg.Path, f.cfg.PollInterval, f.cfg.Notify)
	if err != nil {
		s.log.Info("follow: change notification unavailable, polling", "path", f.cfg.Path, "err", err)
	}
	s.w = w
	return s
}

// start sets up the replay of a resume position, or opens the file where
// StartAt says when it exists (else it is waited for and read from its
// start).
func (s *stream) start() {
	if p := s.f.resume; p != nil && len(p.Segments) > 0 {
		s.replay = p.Segments
		s.resumeEnd, s.covered = p.Offset, p.Offset
		for _, g := range p.Segments {
			s.remember(fpKey{g.Fingerprint, g.FirstBytes})
		}
		return
	}
	if p := s.f.resume; p != nil {
		// The file did not exist when the position was marked.
		s.waitFrom(p.Since)
		return
	}
	fi, err := os.Stat(s.cfg.Path)
	if err != nil {
		// A second back: file times lag the wall clock by a tick.
		s.waitFrom(time.Now().Add(-time.Second).UnixNano())
		return
	}
	var off int64
	if s.cfg.StartAt == StartEnd {
		off = tailStart(s.cfg.Path, fi.Size())
	}
	if _, err := s.openLive(fi, off); err != nil {
		s.report(err)
	}
}

// waitFrom starts waiting for the file: files related to it and modified
// since (Unix nanoseconds; zero for no such time) were rotated away before
// they were seen and are read first.
func (s *stream) waitFrom(since int64) {
	if since > 0 {
		s.since = since
		s.after = &doneFile{mtime: since}
	}
}

// tailStart returns the offset just after the last newline of the file's
// last tailWindow bytes: where StartAt "end" begins, so that a line being
// written is read whole once complete.
func tailStart(path string, size int64) int64 {
	f, err := os.Open(path)
	if err != nil {
		return size
	}
	defer f.Close()
	n := min(size, tailWindow)
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, size-n); err != nil && err != io.EOF {
		return size
	}
	i := bytes.LastIndexByte(buf, '\n')
	if i < 0 && n == size {
		return 0
	}
	if i < 0 {
		return size
	}
	return size - n + int64(i) + 1
}

func (s *stream) close() {
	if s.cur != nil {
		s.cur.close()
		s.cur = nil
	}
	s.w.close()
}

// seg returns the segment being read.
func (s *stream) seg() *segment { return s.segs[len(s.segs)-1] }

// Read gives the decoder the next bytes of the logical stream, waiting for
// them at the end of the live file. It returns errStopped once ctx is done.
func (s *stream) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		if s.ctx.Err() != nil {
			return 0, errStopped
		}
		if s.nl {
			s.nl = false
			p[0] = '\n'
			return 1, nil
		}
		if s.cur == nil {
			if err := s.next(); err != nil {
				return 0, err
			}
			continue
		}
		n, err := s.cur.read(p)
		if n > 0 {
			ok, verr := s.check()
			switch {
			case verr != nil:
				return 0, verr
			case ok:
				s.deliver(p[:n])
				return n, nil
			}
			if terr := s.truncated(); terr != nil {
				return 0, terr
			}
			continue
		}
		if err != nil && err != io.EOF {
			return 0, fmt.Errorf("read %s: %w", s.cur.path, err)
		}
		if err := s.atEnd(); err != nil {
			return 0, err
		}
	}
}

// deliver accounts for b, just read from the current content.
func (s *stream) deliver(b []byte) {
	c, g := s.cur, s.seg()
	n := int64(len(b))
	c.off += n
	g.End = c.off
	if c.drain {
		c.quiet = time.Now()
	}
	if s.logical < s.resumeEnd {
		s.f.c.replayed.Add(min(n, s.resumeEnd-s.logical))
	}
	nl := int64(bytes.Count(b, []byte{'\n'}))
	s.dec += n
	s.decLines += nl
	s.logical += n
	s.lines += nl
	s.last = b[len(b)-1]
	s.dirty = true
	s.f.c.bytes.Add(n)
	s.f.c.lines.Add(nl)
}

// finish closes the current content and records where its segment ended.
// A content whose last line has no newline gets one, so that it does not
// run into the next content's first line.
func (s *stream) finish() {
	c, g := s.cur, s.seg()
	if c.limit >= 0 && c.off < c.limit {
		s.lose(c.limit-c.off, "recorded segment is shorter than before", c.path)
	}
	if c.bad != nil {
		s.log.Warn("follow: compressed file cut short", "path", c.path, "err", c.bad)
	}
	g.End = c.off
	g.stamp()
	g.head = nil
	if fi, err := c.f.Stat(); err == nil {
		g.MTime = fi.ModTime().UnixNano()
	}
	s.after = &doneFile{key: c.key, mtime: g.MTime}
	s.remember(g.key())
	c.close()
	s.cur = nil
	if s.dec > 0 && s.last != '\n' {
		s.nl, s.last = true, '\n'
		s.dec++
		s.decLines++
		s.logical++
		s.lines++
	}
}

// remember adds a finished content's fingerprint to those never read again.
func (s *stream) remember(k fpKey) {
	if k.n == 0 {
		return
	}
	if len(s.seen) >= maxSeen {
		s.seen = append(s.seen[:0], s.seen[len(s.seen)-maxSeen/2:]...)
	}
	s.seen = append(s.seen, k)
}

// known reports whether c holds a content already in the stream.
func (s *stream) known(c *candidate) bool {
	for _, g := range s.segs {
		g.stamp()
		if c.matches(g.key()) {
			return true
		}
	}
	for _, k := range s.seen {
		if c.matches(k) {
			return true
		}
	}
	return false
}

// next opens the next content: the next recorded segment of a replay, a
// rotated file written after the last content finished, or the file the
// path names. It waits while there is none.
func (s *stream) next() error {
	for {
		if s.ctx.Err() != nil {
			return errStopped
		}
		if len(s.replay) > 0 {
			s.reopen()
			if s.cur != nil {
				return nil
			}
			continue
		}
		fi, err := os.Stat(s.cfg.Path)
		if err != nil {
			fi = nil
			if !errors.Is(err, fs.ErrNotExist) {
				s.report(err)
			}
		}
		if s.after != nil && s.openSuccessor(fi) {
			return nil
		}
		if fi != nil {
			ok, err := s.openLive(fi, 0)
			if err != nil {
				s.report(err)
			}
			if ok {
				return nil
			}
		}
		if err := s.idle(s.cfg.PollInterval); err != nil {
			return err
		}
	}
}

// openLive opens the file the path names at off, provided it is still the
// file fi describes.
func (s *stream) openLive(fi os.FileInfo, off int64) (bool, error) {
	c, cfi, err := openAt(s.cfg.Path, off, false)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errShort) {
			return false, nil
		}
		return false, fmt.Errorf("open %s: %w", s.cfg.Path, err)
	}
	if c.key != keyOf(fi) {
		c.close()
		return false, nil
	}
	c.live = true
	head, err := readHead(c.f, false, s.hbuf)
	if err != nil {
		c.close()
		return false, fmt.Errorf("read %s: %w", s.cfg.Path, err)
	}
	s.lastSize = cfi.Size()
	g := s.newSegment(c, cfi, head)
	s.begin(g, c)
	return true, nil
}

// openSuccessor opens the earliest file beside the path modified at or
// after the last finished content that holds no content already read,
// other than the live file (live): a file rotated away before it was read.
func (s *stream) openSuccessor(live os.FileInfo) bool {
	var liveKey fileKey
	if live != nil {
		liveKey = keyOf(live)
	}
	cands := scan(s.cfg.Path)
	var best *candidate
	for i := range cands {
		c := &cands[i]
		if len(c.head) == 0 || c.mtime < s.after.mtime || c.path == s.cfg.Path ||
			(live != nil && c.key == liveKey) || s.known(c) {
			continue
		}
		if best == nil || earlier(c, best) {
			best = c
		}
	}
	if best == nil {
		return false
	}
	c, fi, err := openAt(best.path, 0, true)
	if err != nil {
		s.report(err)
		return false
	}
	s.f.c.successors.Add(1)
	s.log.Info("follow: reading a file rotated before it was read", "path", best.path)
	s.begin(s.newSegment(c, fi, best.head), c)
	return true
}

// reopen opens the next recorded segment of a replay, or counts it lost.
func (s *stream) reopen() {
	rec := s.replay[0]
	s.replay = s.replay[1:]
	last := len(s.replay) == 0
	path, ok := locate(s.cfg.Path, rec)
	var c *content
	var fi os.FileInfo
	var err error
	if ok {
		c, fi, err = openAt(path, rec.Start, true)
		ok = err == nil
	}
	if !ok {
		s.lost(rec, last)
		return
	}
	if last && c.gz == nil {
		lfi, err := os.Stat(s.cfg.Path)
		c.live = err == nil && keyOf(lfi) == c.key
	}
	if !last {
		c.limit = rec.End
	}
	head, err := readHead(c.f, c.gz != nil, s.hbuf)
	if err != nil {
		c.close()
		s.lost(rec, last)
		return
	}
	g := s.newSegment(c, fi, head)
	g.Start = rec.Start
	g.Logical, g.Line = max(rec.Logical, s.logical), max(rec.Line, s.lines)
	if c.live {
		s.lastSize = fi.Size()
	}
	s.begin(g, c)
}

// lost counts a recorded segment that can no longer be found.
func (s *stream) lost(rec Segment, last bool) {
	if last {
		s.after = &doneFile{key: fileKey{rec.Dev, rec.Ino}, mtime: rec.MTime}
	}
	if rec.End == rec.Start {
		return
	}
	s.f.c.segLost.Add(1)
	s.log.Warn("follow: recorded segment not found, skipped", "path", rec.Path,
		"fingerprint", rec.Fingerprint, "bytes", rec.End-rec.Start)
}

// newSegment describes content c, read from its offset on.
func (s *stream) newSegment(c *content, fi os.FileInfo, head []byte) *segment {
	g := &segment{Segment: Segment{Start: c.off, End: c.off, Path: c.path, Dev: c.key.dev, Ino: c.key.ino,
		MTime: fi.ModTime().UnixNano(), Logical: s.logical, Line: s.lines}}
	g.head = append(make([]byte, 0, fpBytes), head...)
	g.stamp()
	return g
}

// begin makes g, read from c, the current segment; every segment after the
// first is a rotation and marked.
func (s *stream) begin(g *segment, c *content) {
	switched := s.dec > 0 || len(s.segs) > 0
	s.cur, s.after = c, nil
	s.logical, s.lines = g.Logical, g.Line
	if len(s.xl) >= maxXlat {
		s.xl = append(s.xl[:0], s.xl[len(s.xl)-maxXlat/2:]...)
	}
	s.xl = append(s.xl, xlat{dec: s.dec, logical: g.Logical, lineDelta: g.Line - s.decLines})
	s.segs = append(s.segs, g)
	s.dirty = true
	s.log.Debug("follow: reading", "path", c.path, "offset", c.off, "logical", g.Logical)
	if switched {
		s.mark(s.coveredNow())
	} else {
		s.trim()
	}
}

// report passes a failure to open or stat the file to out.Error, once
// until a different one comes.
func (s *stream) report(err error) {
	if msg := err.Error(); msg != s.lastErr {
		s.lastErr = msg
		s.out.Error(fmt.Errorf("follow %s: %w", s.cfg.Path, err))
	}
}

// lose counts bytes that will never be read.
func (s *stream) lose(n int64, why, path string) {
	s.f.c.bytesLost.Add(n)
	s.log.Warn("follow: bytes lost", "path", path, "bytes", n, "reason", why)
}
