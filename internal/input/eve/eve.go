// Package eve decodes Suricata EVE JSON logs into normalized DNS events. It
// reads the `dns` records of an eve.json file (one JSON object per line) in
// both layouts Suricata writes: version 2 (`"type":"query"|"answer"`, the
// question in `rrname`/`rrtype`) and version 3 (`"type":"request"|"response"`,
// the question in a `queries` array). Every other event type (flow, alert,
// tls, http, stats, ...) is skipped and counted.
//
// Many sites run Suricata as their network sensor and keep only its EVE
// output, so this is where their DNS traffic can be read. Each EVE record is
// one event: Suricata logs a query and its response as two records and the
// decoder does not pair them (HasQuery or HasResponse is set, never both).
// Lines are scanned in place by a strict JSON scanner that never allocates,
// and strings are built in a buffer reused from one record to the next, so
// the steady state allocates nothing per line.
package eve

import (
	"bytes"
	"fmt"
	"io"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/input/lineio"
)

// Format returns the input format for Suricata EVE JSON.
func Format() input.Format {
	return input.Format{
		Name:    "eve",
		Summary: "Suricata EVE JSON dns records (EVE DNS v2 and v3); other event types are skipped",
		Sniff:   Sniff,
		Open: func(r io.Reader, opts input.Options) (input.Decoder, error) {
			return New(r, opts), nil
		},
		// Suricata's worker threads write records as their flows are
		// handled, not in packet-time order.
		Unordered: true,
	}
}

// Sniff reports whether head, the first bytes of an input, looks like an EVE
// log: its first non-blank line is a JSON object with an "event_type" key
// and a "timestamp" key (the line may be cut short by the head's end).
func Sniff(head []byte) bool {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	head = bytes.TrimLeft(head, " \t\r\n")
	if len(head) == 0 || head[0] != '{' {
		return false
	}
	line, _, _ := bytes.Cut(head, []byte{'\n'})
	return bytes.Contains(line, []byte(`"event_type"`)) && bytes.Contains(line, []byte(`"timestamp"`))
}

// Limits that keep one hostile line from holding much memory.
const (
	// maxRecords caps the resource records kept from one line (all sections
	// together); the rest are counted and dropped.
	maxRecords = 256
	// maxNameBytes caps one name as logged (a 255-byte name with every byte
	// escaped takes 1020).
	maxNameBytes = 1024
)

var (
	_ input.Decoder = (*Decoder)(nil)
	_ input.Counter = (*Decoder)(nil)
)

// Decoder reads DNS events from one EVE stream. Strings in the events it
// fills live in buffers it reuses: they are valid until the next call to
// Next. A Decoder is not safe for concurrent use.
type Decoder struct {
	name       string
	lr         lineio.Reader
	headerOnly bool

	// buf holds the strings of the current event; tmp holds one decoded
	// JSON string at a time.
	buf []byte
	tmp []byte
	top topFields
	dns dnsFields

	c counters
}

type counters struct {
	dns, queries, responses, other, extraQueries, dropped, unknownType, grouped int64
}

// New returns a Decoder reading r, which must already be decompressed.
// opts.Name names the input in errors and Source, opts.MaxLineBytes caps one
// line (default 1 MiB) and opts.HeaderOnly skips resource records.
func New(r io.Reader, opts input.Options) *Decoder {
	limit := opts.MaxLineBytes
	if limit <= 0 {
		limit = input.DefaultOptions().MaxLineBytes
	}
	return &Decoder{name: opts.Name, lr: lineio.NewReader(r, limit), headerOnly: opts.HeaderOnly}
}

// Next fills ev with the next dns record. It returns io.EOF at the end, a
// *input.RecordError for a bad line (the caller may call Next again), or a
// wrapped I/O error.
func (d *Decoder) Next(ev *event.Event) error {
	for {
		line, err := d.lr.Read()
		switch {
		case err == lineio.ErrTooLong:
			return d.recordError("line too long", fmt.Errorf("over %d bytes", d.lr.Limit()))
		case err == io.EOF:
			return io.EOF
		case err != nil:
			return fmt.Errorf("eve: read %s: %w", d.name, err)
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		ok, err := d.decode(line, ev)
		if err != nil || ok {
			return err
		}
	}
}

// Counts reports the dns records read and what was skipped or dropped.
func (d *Decoder) Counts() []input.Count {
	return []input.Count{
		{Name: "dns records", Value: d.c.dns},
		{Name: "query records", Value: d.c.queries},
		{Name: "response records", Value: d.c.responses},
		{Name: "other event types skipped", Value: d.c.other},
		{Name: "extra queries in a record skipped", Value: d.c.extraQueries},
		{Name: "records over cap dropped", Value: d.c.dropped},
		{Name: "unknown type names", Value: d.c.unknownType},
		{Name: "answers from grouped only", Value: d.c.grouped},
	}
}

// recordError reports the line just read as bad.
func (d *Decoder) recordError(reason string, err error) error {
	return &input.RecordError{File: d.name, Line: d.lr.Line(), Offset: d.lr.Offset(), Reason: reason, Err: err}
}

// fieldError reports a bad field, quoting at most 64 bytes of its value.
func (d *Decoder) fieldError(reason, field string, raw []byte) error {
	if len(raw) > 64 {
		raw = raw[:64]
	}
	return d.recordError(reason, fmt.Errorf("%s: %q", field, raw))
}
