// Package jsonl writes alerts as JSON lines shaped like the Elastic Common
// Schema (ECS), one alert per line, for SIEMs, jq and files kept as evidence.
// Each alert is written as it arrives; the file holds alerts only (the run's
// summary goes to standard error).
//
// Fields are nested objects in a fixed order (`event.kind` is
// {"event":{"kind":...}}), and empty fields are left out. Strings from the
// traffic and logs are made safe with package escape: DNS names are written
// in presentation format with `\DDD` escapes, bytes that are not UTF-8
// become the text `\xNN`, and control, bidi and invisible characters are
// written as `\uXXXX` escapes, as are <, > and &. A raw line therefore never
// holds a control character, a bidi override or HTML markup, whatever an
// attacker put in a query name.
package jsonl

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/sink"
	"github.com/dnsvigil/dnsvigil/internal/sink/escape"
)

// Writer is the JSON-lines Sink. It is not safe for concurrent use.
type Writer struct {
	bw     *bufio.Writer
	enc    *json.Encoder
	buf    bytes.Buffer // the encoded line
	line   []byte       // the line after escape.AppendJSONSafe
	err    error
	closed bool
}

var _ sink.Sink = (*Writer)(nil)

// New returns a Writer that writes to w through a buffer. Close (or Flush)
// writes the buffer out; neither closes w.
func New(w io.Writer) *Writer {
	jw := &Writer{bw: bufio.NewWriterSize(w, 64<<10)}
	jw.enc = json.NewEncoder(&jw.buf)
	jw.enc.SetEscapeHTML(true)
	return jw
}

// Write encodes a as one line. It does not keep a.
func (w *Writer) Write(a *alert.Alert) error {
	if w.closed {
		return sink.ErrClosed
	}
	if w.err != nil {
		return w.err
	}
	w.buf.Reset()
	if err := w.enc.Encode(newDocument(a)); err != nil {
		return fmt.Errorf("encode alert %q: %w", escape.Terminal(a.Key), err)
	}
	w.line = escape.AppendJSONSafe(w.line[:0], w.buf.Bytes())
	if _, err := w.bw.Write(w.line); err != nil {
		w.err = fmt.Errorf("write alert: %w", err)
	}
	return w.err
}

// Flush writes buffered lines to the underlying writer, for callers that
// want alerts visible before Close (a live pipeline on a timer).
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if err := w.bw.Flush(); err != nil {
		w.err = fmt.Errorf("write alerts: %w", err)
	}
	return w.err
}

// Close flushes the buffered lines. A second Close does nothing.
func (w *Writer) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	return w.Flush()
}
