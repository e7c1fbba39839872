// Package input holds the contracts shared by every decoder: a Decoder turns
// bytes into events, a Format recognises its own content and opens a Decoder,
// and a RecordError reports one bad record without stopping the stream.
//
// One package per format lives below this one (pcap, zeek, ...). A decoder
// imports input and event, never a detector.
package input

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/event"
)

// A Decoder reads events from one stream.
//
// Next fills ev (after ev.Reset) with the next event and returns nil, io.EOF at
// the end of the stream, a *RecordError when one record was bad and skipped
// (the caller counts it and calls Next again), or any other error when the
// stream cannot go on (I/O failure). Strings and slices placed in ev are owned
// by the decoder and stay valid until its next call to Next. A Decoder is not
// safe for concurrent use.
type Decoder interface {
	Next(ev *event.Event) error
}

// Closer is implemented by decoders that hold resources or buffered state
// (such as unpaired DNS queries) beyond the reader they were given.
type Closer interface {
	Close() error
}

// Counter is implemented by decoders that keep counters worth reporting in
// the closing summary (packets that were not DNS, fragments, fallbacks).
// Counts returns name/value pairs; names are short lowercase phrases.
type Counter interface {
	Counts() []Count
}

// Count is one named counter.
type Count struct {
	Name  string
	Value int64
}

// Options carries the settings that decoders share. Each format reads what
// applies to it and ignores the rest.
type Options struct {
	// Name is the input's name (the file path) used in errors and Source.
	Name string
	// DNSPorts are the UDP/TCP ports whose payload is decoded as DNS, in
	// addition to the DoT port 853 which is recorded as a connection.
	DNSPorts []uint16
	// PairTimeout is how long a query waits for its response before it is
	// emitted alone.
	PairTimeout time.Duration
	// MaxPending caps the queries waiting for a response; beyond it the oldest
	// is emitted alone (and counted).
	MaxPending int
	// MaxTCPStreams caps the TCP streams under reassembly.
	MaxTCPStreams int
	// MaxLineBytes caps one line of a text input; a longer line is a
	// RecordError and is skipped.
	MaxLineBytes int
	// Reference is a time near the input's end, for formats whose
	// timestamps lack the year (syslog): the file's modification time, or
	// the start of the run for standard input. The pipeline sets it;
	// decoders never read the clock themselves.
	Reference time.Time
	// HeaderOnly asks decoders to skip DNS resource records (answers,
	// authority, additional) and decode only header and question, because
	// no detector of the run reads records. It roughly halves the cost of
	// decoding a response.
	HeaderOnly bool
}

// DefaultOptions returns the documented defaults.
func DefaultOptions() Options {
	return Options{
		DNSPorts:      []uint16{53},
		PairTimeout:   5 * time.Second,
		MaxPending:    65536,
		MaxTCPStreams: 4096,
		MaxLineBytes:  1 << 20,
	}
}

// Format describes one input format.
type Format struct {
	// Name is the short name used in config and messages ("pcap", "zeek").
	Name string
	// Summary is one line for docs and `--help`.
	Summary string
	// Sniff reports whether head, the first bytes of the decompressed
	// content (up to 4 KiB, fewer for short inputs), looks like this format.
	Sniff func(head []byte) bool
	// Open returns a Decoder reading r. r is already decompressed.
	Open func(r io.Reader, opts Options) (Decoder, error)
	// Unordered says the format's records are not written in event-time
	// order (Zeek logs a record when an exchange or connection ends but
	// stamps it with its start), so the pipeline re-sorts them within its
	// reorder window. Formats whose decoders emit events nearly in order
	// (a pcap, where only an unanswered query comes out up to pair_timeout
	// late) leave it false and skip the cost of re-sorting.
	Unordered bool
}

// RecordError reports one record that could not be decoded. The stream goes
// on after it.
type RecordError struct {
	// File is the input name.
	File string
	// Line is the 1-based line number for text inputs, 0 otherwise.
	Line int64
	// Offset is the byte offset of the record, -1 when unknown.
	Offset int64
	// Reason is a short, stable category used to count skipped records in the
	// summary ("truncated packet", "bad field count", ...).
	Reason string
	// Err is the underlying error, if any.
	Err error
}

func (e *RecordError) Error() string {
	loc := e.File
	switch {
	case e.Line > 0:
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	case e.Offset >= 0:
		loc = fmt.Sprintf("%s: offset %d", e.File, e.Offset)
	}
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", loc, e.Reason, e.Err)
	}
	return fmt.Sprintf("%s: %s", loc, e.Reason)
}

func (e *RecordError) Unwrap() error { return e.Err }

// IsRecordError reports whether err is (or wraps) a *RecordError.
func IsRecordError(err error) bool {
	var re *RecordError
	return errors.As(err, &re)
}

// ErrUnknownFormat is returned when no Format recognises an input.
var ErrUnknownFormat = errors.New("unknown input format")
