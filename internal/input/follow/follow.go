// Package follow follows a growing log file, as `tail -F` does, and runs one
// of the text decoders (dnsmasq, BIND, Unbound, Zeek, Suricata EVE) over it
// for `dnsvigil serve`.
//
// The decoder reads one logical stream: the concatenation of the contents
// that the path names one after the other. At the end of the current content
// the stream waits (inotify through fsnotify, plus a poll) for growth, for a
// rotation by rename (the path names another file: the old one is read to
// its end first) or for a truncation (copytruncate: the unread tail is read
// from the copy, found by the fingerprint of its first bytes, compressed or
// not). Each physical content read is a segment; the checkpoint position
// lists the segments from a base, and a restart replays the stream from that
// base so that detectors, whose state is not persisted, see exactly the
// events an uninterrupted run would have seen. docs/inputs/follow.md
// describes the model and its limits.
package follow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

// Where following starts when there is no resume position.
const (
	StartBeginning = "beginning"
	StartEnd       = "end"
)

// Config configures a Follower. Start from DefaultConfig.
type Config struct {
	// Path is the followed file. It need not exist yet.
	Path string `yaml:"path"`
	// Name is the source's name in counters and checkpoints; default Path.
	Name string `yaml:"name"`
	// StartAt is where a run without a resume position starts in a file
	// that exists: "beginning" or "end" (default; from the start of the
	// last incomplete line). A file created later is read from its start.
	StartAt string `yaml:"start_at"`
	// PollInterval is how often the file is checked when no change
	// notification comes. Default 250ms.
	PollInterval time.Duration `yaml:"poll_interval"`
	// Notify uses inotify (fsnotify) on the file's directory in addition
	// to the poll. Default true.
	Notify bool `yaml:"notify"`
	// RotateGrace is how long a file renamed or removed away from Path is
	// still read for a last write while the new file has no data. Default
	// 1s.
	RotateGrace time.Duration `yaml:"rotate_grace"`
	// ReplayMaxBytes caps the bytes from the replay base to the current
	// offset; beyond it whole segments are dropped from the front of the
	// base (or, for a single segment, the base moves forward to an earlier
	// record start). Default 1 GiB.
	ReplayMaxBytes int64 `yaml:"replay_max_bytes"`
	// MaxSegments caps the segments in a position; the oldest are dropped
	// from the base. Default 64.
	MaxSegments int `yaml:"max_segments"`
	// MarkEvents and MarkInterval: a resume position is marked after this
	// many events or this much time, at each rotation and before waiting.
	// Defaults 4096 and 100ms.
	MarkEvents   int           `yaml:"mark_events"`
	MarkInterval time.Duration `yaml:"mark_interval"`
	// Logger receives rotations (debug) and lost data (warn); nil logs
	// nothing.
	Logger *slog.Logger `yaml:"-"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		StartAt:        StartEnd,
		PollInterval:   250 * time.Millisecond,
		Notify:         true,
		RotateGrace:    time.Second,
		ReplayMaxBytes: 1 << 30,
		MaxSegments:    64,
		MarkEvents:     4096,
		MarkInterval:   100 * time.Millisecond,
	}
}

// Validate reports every problem in c, one error each, named by its key.
func (c Config) Validate() []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	if c.Path == "" {
		bad("path", "must name the followed file")
	}
	if c.StartAt != StartBeginning && c.StartAt != StartEnd {
		bad("start_at", "must be %q or %q, got %q", StartBeginning, StartEnd, c.StartAt)
	}
	if c.PollInterval < time.Millisecond || c.PollInterval > time.Minute {
		bad("poll_interval", "must be between 1ms and 1m, got %v", c.PollInterval)
	}
	if c.RotateGrace < 0 || c.RotateGrace > time.Hour {
		bad("rotate_grace", "must be between 0 and 1h, got %v", c.RotateGrace)
	}
	if c.ReplayMaxBytes < 0 {
		bad("replay_max_bytes", "must not be negative, got %d", c.ReplayMaxBytes)
	}
	if c.MaxSegments < 1 || c.MaxSegments > 4096 {
		bad("max_segments", "must be between 1 and 4096, got %d", c.MaxSegments)
	}
	if c.MarkEvents < 1 {
		bad("mark_events", "must be positive, got %d", c.MarkEvents)
	}
	if c.MarkInterval < time.Millisecond || c.MarkInterval > time.Hour {
		bad("mark_interval", "must be between 1ms and 1h, got %v", c.MarkInterval)
	}
	return errs
}

var (
	_ input.Source  = (*Follower)(nil)
	_ input.Counter = (*Follower)(nil)
)

// Follower is an input.Source that follows one file through a decoder.
// Run may be called once; Counts is safe from any goroutine.
type Follower struct {
	cfg     Config
	format  input.Format
	opts    input.Options
	resume  *position
	log     *slog.Logger
	c       counters
	started atomic.Bool
}

// New returns a Follower for cfg.Path decoded by format with opts. resume,
// when not empty, is a position the Follower marked before: the run then
// replays the stream from that position's base. A position recorded for
// another path is ignored (and logged). opts.Name defaults to cfg.Path and
// opts.Reference to the current time.
func New(cfg Config, format input.Format, opts input.Options, resume input.Position) (*Follower, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("follow: %w", errors.Join(errs...))
	}
	if format.Open == nil {
		return nil, fmt.Errorf("follow %s: format %q cannot open a stream", cfg.Path, format.Name)
	}
	f := &Follower{cfg: cfg, format: format, opts: opts, log: cfg.Logger}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	if f.opts.Name == "" {
		f.opts.Name = cfg.Path
	}
	if f.opts.Reference.IsZero() {
		f.opts.Reference = time.Now()
	}
	if len(resume) > 0 {
		pos, err := decodePosition(resume)
		if err != nil {
			return nil, fmt.Errorf("follow %s: resume position: %w", cfg.Path, err)
		}
		if pos.Path == cfg.Path {
			f.resume = &pos
		} else {
			f.log.Warn("follow: resume position is for another path; starting afresh",
				"path", cfg.Path, "position_path", pos.Path)
		}
	}
	return f, nil
}

// Name returns Config.Name, or the path.
func (f *Follower) Name() string {
	if f.cfg.Name != "" {
		return f.cfg.Name
	}
	return f.cfg.Path
}

// errStopped is what the stream returns to the decoder once ctx is done.
var errStopped = errors.New("follow: stopped")

// Run follows the file until ctx is cancelled (nil) or reading fails (an
// error). Each event goes to out.Event with Source.Offset and Source.Line
// in the logical stream; resume positions go to out.Mark.
func (f *Follower) Run(ctx context.Context, out input.Out) error {
	if !f.started.CompareAndSwap(false, true) {
		return fmt.Errorf("follow %s: Run called twice", f.cfg.Path)
	}
	s := newStream(ctx, f, out)
	defer s.close()
	s.start()
	dec, err := f.format.Open(s, f.opts)
	if err != nil {
		if ctx.Err() != nil {
			s.final()
			return nil
		}
		return fmt.Errorf("follow %s: open %s decoder: %w", f.cfg.Path, f.format.Name, err)
	}
	if c, ok := dec.(input.Closer); ok {
		defer c.Close()
	}
	return s.decode(dec)
}

// decode passes the decoder's events to out until the stream stops.
func (s *stream) decode(dec input.Decoder) error {
	var ev event.Event
	for n := 1; ; n++ {
		if n&255 == 0 && s.ctx.Err() != nil {
			s.final()
			return nil
		}
		err := dec.Next(&ev)
		var re *input.RecordError
		switch {
		case err == nil:
			s.event(&ev)
		case errors.As(err, &re):
			s.recordError(re)
		case s.ctx.Err() != nil:
			s.final()
			return nil
		case errors.Is(err, io.EOF):
			return fmt.Errorf("follow %s: stream ended unexpectedly", s.cfg.Path)
		default:
			return fmt.Errorf("follow %s: %w", s.cfg.Path, err)
		}
	}
}
