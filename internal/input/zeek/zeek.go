// Package zeek decodes Zeek dns.log and conn.log files, written either in
// Zeek's tab-separated format (with its #separator, #fields, ... header
// blocks) or as JSON lines, into normalized events.
//
// Zeek is the most common network sensor in SOC pipelines, and its dns.log is
// often the only DNS telemetry an analyst has, so this decoder is on the hot
// path of every replay: TSV lines are split by index into a reused buffer and
// parsed without allocating. JSON lines go through a small strict scanner
// that allocates nothing on the common path either.
//
// The log type (dns or conn) comes from the #path header or the JSON _path /
// @stream key, or else from the field set; never from the file name. Lines
// of other Zeek logs (weird, http, ...) are skipped and counted.
package zeek

import (
	"bytes"
	"fmt"
	"io"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/input/lineio"
)

// Format returns the input format for Zeek dns.log and conn.log files (TSV
// or JSON lines).
func Format() input.Format {
	return input.Format{
		Name:    "zeek",
		Summary: "Zeek dns.log and conn.log, tab-separated or JSON lines",
		Sniff:   Sniff,
		Open: func(r io.Reader, opts input.Options) (input.Decoder, error) {
			return New(r, opts), nil
		},
		// Zeek writes a record when the exchange or connection ends.
		Unordered: true,
	}
}

var (
	_ input.Decoder = (*Decoder)(nil)
	_ input.Counter = (*Decoder)(nil)
)

// Decoder reads events from one Zeek log stream. Strings in the events it
// fills live in buffers it reuses: they are valid until the next call to
// Next. A Decoder is not safe for concurrent use.
type Decoder struct {
	name string
	lr   lineio.Reader
	hdr  header
	rec  record
	// strs holds the bytes of every string placed in the current event.
	strs []byte
	// origCache and respCache keep the last address parsed per column.
	origCache, respCache addrCache
	// members holds the raw values of the known keys of a JSON line.
	members [nFields]member

	nDNS, nConn, nOther, nBlocks, nDropped int64
	// headerOnly skips the answers and TTLs columns (input.Options.HeaderOnly).
	headerOnly bool
}

// skipped reports whether column id is not decoded in this run.
func (d *Decoder) skipped(id fieldID) bool {
	return d.headerOnly && (id == fAnswers || id == fTTLs)
}

// New returns a Decoder reading r, which must already be decompressed.
// opts.Name names the input in errors and in Source; opts.MaxLineBytes caps
// one line (the default applies when it is not positive).
func New(r io.Reader, opts input.Options) *Decoder {
	limit := opts.MaxLineBytes
	if limit <= 0 {
		limit = input.DefaultOptions().MaxLineBytes
	}
	d := &Decoder{name: opts.Name, lr: lineio.NewReader(r, limit), headerOnly: opts.HeaderOnly}
	d.hdr.reset()
	return d
}

// Next fills ev with the next dns or conn record. It returns io.EOF at the
// end, a *input.RecordError for a bad line (the caller may call Next again),
// or a wrapped I/O error.
func (d *Decoder) Next(ev *event.Event) error {
	for {
		line, err := d.lr.Read()
		switch {
		case err == lineio.ErrTooLong:
			return d.recordError("line too long", fmt.Errorf("over %d bytes", d.lr.Limit()))
		case err == io.EOF:
			return io.EOF
		case err != nil:
			return fmt.Errorf("zeek: read %s: %w", d.name, err)
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var ok bool
		switch {
		case line[0] == '#':
			err = d.headerLine(line)
		case line[0] == '{' && !d.hdr.active():
			ok, err = d.jsonLine(line)
		default:
			ok, err = d.tsvLine(line)
		}
		if err != nil {
			return err
		}
		if ok {
			d.fill(ev)
			return nil
		}
	}
}

// Counts reports records by log type and the lines skipped because they
// belong to other Zeek logs.
func (d *Decoder) Counts() []input.Count {
	return []input.Count{
		{Name: "dns records", Value: d.nDNS},
		{Name: "conn records", Value: d.nConn},
		{Name: "other zeek log lines skipped", Value: d.nOther},
		{Name: "tsv header blocks", Value: d.nBlocks},
		{Name: "answers over cap dropped", Value: d.nDropped},
	}
}

// recordError reports the line just read as bad.
func (d *Decoder) recordError(reason string, err error) error {
	return &input.RecordError{File: d.name, Line: d.lr.Line(), Offset: d.lr.Offset(), Reason: reason, Err: err}
}

// fieldError reports a bad value in the named field, quoting at most 64
// bytes of it.
func (d *Decoder) fieldError(reason, field string, v []byte) error {
	if len(v) > 64 {
		v = v[:64]
	}
	return d.recordError(reason, fmt.Errorf("field %s: %q", field, v))
}
