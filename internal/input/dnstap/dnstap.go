// Package dnstap decodes dnstap files (Frame Streams files of dnstap protobuf
// messages, content type "protobuf:dnstap.Dnstap") into normalized DNS events.
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
// a response is complete. Frames are read with golang-framestream and
// unmarshalled with the generated golang-dnstap types into one reused message;
// the DNS payload is decoded by package dnswire. The message-to-event mapping
// (fill) does not depend on where frames come from, so a socket listener can
// share it.
package dnstap

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	dt "github.com/dnstap/golang-dnstap"
	"google.golang.org/protobuf/proto"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/input/dnswire"
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
	msg    dt.Dnstap
	parser dnswire.Parser
	unm    proto.UnmarshalOptions

	// identity is the string form of the last identity seen, kept so that
	// a stream from one server converts it once.
	identity    string
	identityRaw []byte
	// typ is the message type of the event last filled.
	typ dt.Message_Type

	done error // io.EOF or an I/O error once the stream cannot go on
	c    counters
}

// New returns a Decoder reading r, which must already be decompressed. It
// reads the Frame Streams START control frame and returns an error when r is
// not a dnstap stream. opts.Name names the input in errors and Source;
// opts.HeaderOnly skips DNS resource records.
func New(r io.Reader, opts input.Options) (*Decoder, error) {
	d := &Decoder{name: opts.Name, unm: proto.UnmarshalOptions{AllowPartial: true}}
	d.parser.HeaderOnly = opts.HeaderOnly
	if err := d.frames.open(r); err != nil {
		return nil, fmt.Errorf("dnstap: %s: %w", opts.Name, err)
	}
	return d, nil
}

// Next fills ev with the event of the next data frame. It returns io.EOF at
// the end (or after a STOP control frame), a *input.RecordError for a frame
// that could not be used (the caller may call Next again), or a wrapped I/O
// error.
func (d *Decoder) Next(ev *event.Event) error {
	for {
		if d.done != nil {
			return d.done
		}
		frame, off, err := d.frames.next()
		if err != nil {
			return d.frameError(off, err)
		}
		d.c.frames++
		if err := d.unm.Unmarshal(frame, &d.msg); err != nil {
			d.c.bad++
			return d.recordError(off, "bad protobuf", err)
		}
		if d.msg.Type == nil || d.msg.GetType() != dt.Dnstap_MESSAGE {
			d.c.notMessage++
			continue
		}
		ev.Reset()
		ev.Source = event.Source{Name: d.name, Offset: off}
		err = d.fill(ev, &d.msg)
		switch {
		case errors.Is(err, errNoPayload):
			d.c.noPayload++
			continue
		case err != nil:
			d.c.bad++
			return d.recordError(off, reasonOf(err), err)
		}
		return nil
	}
}

// frameError turns an error of the frame reader into Next's result.
func (d *Decoder) frameError(off int64, err error) error {
	switch {
	case errors.Is(err, io.EOF):
		d.done = io.EOF
		return io.EOF
	case errors.Is(err, errTruncated):
		d.done = io.EOF
		d.c.bad++
		return d.recordError(off, "truncated frame", err)
	case errors.Is(err, errTooLarge):
		d.c.bad++
		return d.recordError(off, "frame too large", err)
	case errors.Is(err, errControl):
		// A damaged control frame leaves no way to find the next frame.
		d.done = io.EOF
		d.c.bad++
		return d.recordError(off, "bad control frame", err)
	}
	d.done = fmt.Errorf("dnstap: read %s: %w", d.name, err)
	return d.done
}

// MessageType returns the dnstap message type of the event last filled by
// Next (CLIENT_QUERY, RESOLVER_RESPONSE, ...); the event itself has no field
// for it.
func (d *Decoder) MessageType() dt.Message_Type { return d.typ }

// Identity returns the dnstap identity (the server's configured name, such as
// "corp-resolver") of the message last decoded, or "" when it had none. It is
// valid until the next call to Next.
func (d *Decoder) Identity() string { return d.identity }

// setIdentity converts raw to a string, reusing the previous conversion when
// the identity did not change.
func (d *Decoder) setIdentity(raw []byte) {
	if d.identity != "" && bytes.Equal(raw, d.identityRaw) {
		return
	}
	if len(raw) > maxIdentity {
		raw = raw[:maxIdentity]
	}
	d.identityRaw = append(d.identityRaw[:0], raw...)
	d.identity = string(raw)
}

// recordError reports the frame at off as bad.
func (d *Decoder) recordError(off int64, reason string, err error) error {
	return &input.RecordError{File: d.name, Offset: off, Reason: reason, Err: err}
}
