package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

// FileSource is a Source that reads files once, in the order given, through
// an Opener (so any format scan reads), and ends. `serve` uses it to replay
// captures and logs through the live engine.
type FileSource struct {
	SourceName string
	Opener     *Opener
	Paths      []Path

	files  atomic.Int64
	failed atomic.Int64
}

var (
	_ input.Source  = (*FileSource)(nil)
	_ input.Counter = (*FileSource)(nil)
)

// Name returns the source's name.
func (f *FileSource) Name() string { return f.SourceName }

// Run reads every file to its end. A file that cannot be opened or stops on
// an I/O error is reported through out.Error and the next one is read.
func (f *FileSource) Run(ctx context.Context, out input.Out) error {
	var ev event.Event
	for _, p := range f.Paths {
		if ctx.Err() != nil {
			return nil
		}
		o, err := f.Opener.Open(p)
		if err != nil {
			f.failed.Add(1)
			out.Error(err)
			continue
		}
		f.files.Add(1)
		err = f.read(ctx, o, &ev, out)
		o.Close()
		if err != nil {
			f.failed.Add(1)
			out.Error(fmt.Errorf("%s: %w", o.Name, err))
		}
		out.Flush()
	}
	return nil
}

// read passes one opened file's events to out; it returns the error that
// stopped the file early, if any.
func (f *FileSource) read(ctx context.Context, o *Opened, ev *event.Event, out input.Out) error {
	for n := 0; ; n++ {
		if n&1023 == 0 && ctx.Err() != nil {
			return nil
		}
		err := o.Decoder.Next(ev)
		var re *input.RecordError
		switch {
		case err == nil:
			out.Event(ev)
		case err == io.EOF:
			return nil
		case errors.As(err, &re):
			out.Error(err)
		default:
			return err
		}
	}
}

// Counts reports the files read and failed.
func (f *FileSource) Counts() []input.Count {
	return []input.Count{
		{Name: "files read", Value: f.files.Load()},
		{Name: "files failed", Value: f.failed.Load()},
	}
}

// Unordered opens each file to recognise its format and reports whether
// any is written out of event-time order (so the stream should re-sort).
// Files that cannot be opened are reported when Run reads them.
func (f *FileSource) Unordered() bool {
	for _, p := range f.Paths {
		o, err := f.Opener.Open(p)
		if err != nil {
			continue
		}
		u := o.Unordered
		o.Close()
		if u {
			return true
		}
	}
	return false
}
