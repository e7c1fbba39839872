// Package dnstap decodes dnstap (Frame Streams streams of dnstap protobuf
// messages, content type "protobuf:dnstap.Dnstap") into normalized DNS
// events: from files (Decoder) and from resolvers connecting to a unix or
// TCP socket (Listener).
//
// dnstap is what a resolver logs about itself: unbound, BIND, Knot Resolver,
// PowerDNS and CoreDNS all write it. One file shows both sides of the resolver
// at once: the clients that asked it (CLIENT_QUERY/CLIENT_RESPONSE) and the
// servers it asked in turn (RESOLVER_* for recursion to authoritative servers,
// FORWARDER_* for forwarding). That makes it the best single source for both a
// beacon's real client address and the adversary's own name servers.
//
// Each data frame becomes one event: a query or a response, never both, since
// dnstap already logs each message separately and the resolver's own view of
// a response is complete. Frames are read from a buffered reader in place;
// the dnstap protobuf is walked with protowire into a flat message without
// copying or allocating (golang-dnstap's generated types serve only as the
// tests' reference and for the enum names); the DNS payload is decoded by
// package dnswire. The message-to-event mapping (mapper) does not depend on
// where frames come from: the Decoder reads files, the Listener receives
// the same frames from resolvers over unix and TCP sockets.
package dnstap

import (
	"errors"
	"fmt"
	"io"

	dt "github.com/dnstap/golang-dnstap"
	framestream "github.com/farsightsec/golang-framestream"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

// ContentType is the Frame Streams content type of dnstap streams.
const ContentType = "protobuf:dnstap.Dnstap"

// MaxFrameBytes caps one data frame. A dnstap message carries at most two
// 64 KiB DNS messages plus a few hundred bytes of metadata; a longer frame is
// skipped as a RecordError.
const MaxFrameBytes = 1 << 18

// Format returns the input format for dnstap files.
func Format() input.Format {
	return input.Format{
		Name:    "dnstap",
		Summary: "dnstap files (Frame Streams, protobuf:dnstap.Dnstap) from unbound, BIND, Knot, PowerDNS, CoreDNS",
		Sniff:   Sniff,
		Open: func(r io.Reader, opts input.Options) (input.Decoder, error) {
			return New(r, opts)
		},
	}
}

var (
	_ input.Decoder = (*Decoder)(nil)
	_ input.Counter = (*Decoder)(nil)
)

// Decoder reads DNS events from one dnstap file. Strings in the events it
// fills live in buffers it reuses: they are valid until the next call to
// Next. A Decoder is not safe for concurrent use.
type Decoder struct {
	name   string
	frames frameReader
	m      mapper
	done   error // io.EOF or an I/O error once the stream cannot go on
}

// New returns a Decoder reading r, which must already be decompressed. It
// reads the Frame Streams START control frame and returns an error when r is
// not a dnstap stream. opts.Name names the input in errors and Source;
// opts.HeaderOnly skips DNS resource records.
func New(r io.Reader, opts input.Options) (*Decoder, error) {
	d := &Decoder{name: opts.Name}
	d.m.parser.HeaderOnly = opts.HeaderOnly
	if err := d.frames.open(r); err != nil {
		return nil, fmt.Errorf("dnstap: %s: %w", opts.Name, err)
	}
	return d, nil
}

// Next fills ev with the event of the next data frame. It returns io.EOF at
// the end (or after a STOP control frame), a *input.RecordError for a frame
// that could not be used (the caller may call Next again), or a wrapped I/O
// error. Other control frames are skipped.
func (d *Decoder) Next(ev *event.Event) error {
	for d.done == nil {
		frame, ctl, off, err := d.frames.next()
		switch {
		case err != nil:
			return d.frameError(off, err)
		case frame == nil && ctl == framestream.CONTROL_STOP:
			d.done = io.EOF
			return io.EOF
		case frame == nil:
			continue
		}
		ok, err := d.m.decode(frame, ev)
		if err != nil {
			return d.recordError(off, reasonOf(err), err)
		}
		if ok {
			ev.Source = event.Source{Name: d.name, Offset: off}
			return nil
		}
	}
	return d.done
}

// frameError turns an error of the frame reader into Next's result.
func (d *Decoder) frameError(off int64, err error) error {
	switch {
	case errors.Is(err, io.EOF):
		d.done = io.EOF
		return io.EOF
	case errors.Is(err, errTruncated):
		d.done = io.EOF
		d.m.c[cBad]++
		return d.recordError(off, "truncated frame", err)
	case errors.Is(err, errTooLarge):
		d.m.c[cBad]++
		_ = d.frames.skipLarge() // an input ending inside it ends at the next call
		return d.recordError(off, "frame too large", err)
	case errors.Is(err, errControl):
		// A damaged control frame leaves no way to find the next frame.
		d.done = io.EOF
		d.m.c[cBad]++
		return d.recordError(off, "bad control frame", err)
	}
	d.done = fmt.Errorf("dnstap: read %s: %w", d.name, err)
	return d.done
}

// MessageType returns the dnstap message type of the event last filled by
// Next (CLIENT_QUERY, RESOLVER_RESPONSE, ...); the event itself has no field
// for it.
func (d *Decoder) MessageType() dt.Message_Type { return d.m.typ }

// Identity returns the dnstap identity (the server's configured name, such as
// "corp-resolver") of the message last decoded, or "" when it had none. It is
// valid until the next call to Next.
func (d *Decoder) Identity() string { return d.m.identity }

// recordError reports the frame at off as bad.
func (d *Decoder) recordError(off int64, reason string, err error) error {
	return &input.RecordError{File: d.name, Offset: off, Reason: reason, Err: err}
}
