// Package querylog decodes resolver query logs into normalized DNS events.
// It reads dnsmasq's `log-queries` output (plain or `log-queries=extra`) as
// written to syslog: one `query[TYPE] name from client` line per query,
// followed by `forwarded`, `reply`, `cached` and `config` lines for it.
//
// Small sites, routers and lab resolvers often run dnsmasq, and its query log
// is then the only resolver-side record of who asked for what: the place
// where a tunnel (iodine, dnscat2) or a beacon shows up with its real client
// address. Each query line becomes one event; the lines that follow it for
// the same name are paired into it in a bounded FIFO of pending queries, so
// a flood of names cannot grow memory. Lines are split by index into reused
// buffers and the steady state allocates nothing per line.
package querylog

import (
	"fmt"
	"hash/maphash"
	"io"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/input/lineio"
)

// Format returns the input format for dnsmasq query logs in syslog form.
// Syslog timestamps carry no year: Open reads the wall clock once and uses
// the current UTC year (see Config.Year); decoding itself never reads it.
func Format() input.Format {
	return input.Format{
		Name:    "dnsmasq",
		Summary: "dnsmasq log-queries syslog lines (query, forwarded, reply, cached)",
		Sniff:   Sniff,
		Open: func(r io.Reader, opts input.Options) (input.Decoder, error) {
			// The year of the input's reference time (its modification
			// time): a log replayed later keeps its own year.
			return New(r, opts, Config{Year: opts.Reference.UTC().Year()}), nil
		},
	}
}

// Config holds the settings specific to this decoder.
type Config struct {
	// Year is the year given to the first syslog timestamp, which has none.
	// When a later line's month is more than six months before the previous
	// line's (December then January), the year advances by one. Zero or
	// negative means 1970.
	Year int
}

// Limits that keep one hostile query from holding much memory.
const (
	// maxAnswers caps the answer lines kept per query.
	maxAnswers = 32
	// maxEntryData caps the answer bytes (names and data) kept per query.
	maxEntryData = 4096
	// maxNameBytes caps a name as written in the log: a 255-byte wire name
	// with every byte escaped as \DDD takes 1020.
	maxNameBytes = 1024
	// maxPendingCap caps the pending queries whatever input.Options says.
	maxPendingCap = 1 << 16
)

var (
	_ input.Decoder = (*Decoder)(nil)
	_ input.Counter = (*Decoder)(nil)
	_ input.Closer  = (*Decoder)(nil)
)

// Decoder reads DNS events from one dnsmasq log stream. Strings in the
// events it fills live in buffers it reuses: they are valid until the next
// call to Next. A Decoder is not safe for concurrent use.
type Decoder struct {
	name    string
	lr      lineio.Reader
	timeout time.Duration
	pend    pending

	year      int
	prevMonth time.Month
	// now is the timestamp of the latest line; pending queries older than
	// now minus timeout are emitted.
	now time.Time

	// held is a query line read while the pending FIFO was full; it is
	// handled on the next call, once the emitted query's slot is free.
	held    []byte
	hasHeld bool
	// emitted says the FIFO head was placed in the caller's event and must
	// be dropped at the next call.
	emitted bool
	eof     bool
	// scratch holds the canonical form of the name on the current line.
	scratch []byte

	c counters
}

type counters struct {
	queries, paired, unpaired, forwarded, other, foreign, evicted, dropped, unknownType, unprintable int64
}

// New returns a Decoder reading r, which must already be decompressed.
// opts.Name names the input in errors and Source; opts.MaxLineBytes caps one
// line, opts.PairTimeout is how long (in log time) a query waits for its
// reply lines, and opts.MaxPending caps the queries waiting (at most 65536).
// Defaults apply where they are not positive.
func New(r io.Reader, opts input.Options, cfg Config) *Decoder {
	def := input.DefaultOptions()
	limit := opts.MaxLineBytes
	if limit <= 0 {
		limit = def.MaxLineBytes
	}
	timeout := opts.PairTimeout
	if timeout <= 0 {
		timeout = def.PairTimeout
	}
	maxPend := opts.MaxPending
	if maxPend <= 0 {
		maxPend = def.MaxPending
	}
	year := cfg.Year
	if year <= 0 {
		year = 1970
	}
	return &Decoder{
		name:    opts.Name,
		lr:      lineio.NewReader(r, limit),
		timeout: timeout,
		pend:    newPending(min(maxPend, maxPendingCap), maphash.MakeSeed()),
		year:    year,
	}
}

// Next fills ev with the next query and what was paired to it. It returns
// io.EOF at the end, a *input.RecordError for a bad line (the caller may call
// Next again), or a wrapped I/O error.
func (d *Decoder) Next(ev *event.Event) error {
	if d.emitted {
		d.pend.pop()
		d.emitted = false
	}
	for {
		if d.pend.n > 0 && (d.eof || d.pend.headExpired(d.now, d.timeout) || (d.hasHeld && d.pend.full())) {
			d.fill(ev, d.pend.head())
			d.emitted = true
			return nil
		}
		if d.eof {
			return io.EOF
		}
		var line []byte
		if d.hasHeld {
			line, d.held, d.hasHeld = d.held, nil, false
		} else {
			var err error
			line, err = d.lr.Read()
			switch {
			case err == lineio.ErrTooLong:
				return d.recordError("line too long", fmt.Errorf("over %d bytes", d.lr.Limit()))
			case err == io.EOF:
				d.eof = true
				continue
			case err != nil:
				return fmt.Errorf("dnsmasq: read %s: %w", d.name, err)
			}
		}
		if err := d.handle(line); err != nil {
			return err
		}
	}
}

// Close drops the pending queries; it exists so that callers can release a
// decoder they stop reading early.
func (d *Decoder) Close() error {
	d.pend.reset()
	d.emitted, d.hasHeld = false, false
	return nil
}

// Counts reports queries and the lines that were skipped or left unpaired.
func (d *Decoder) Counts() []input.Count {
	return []input.Count{
		{Name: "queries", Value: d.c.queries},
		{Name: "reply lines paired", Value: d.c.paired},
		{Name: "reply lines unpaired", Value: d.c.unpaired},
		{Name: "forwarded lines unpaired", Value: d.c.forwarded},
		{Name: "other dnsmasq lines skipped", Value: d.c.other},
		{Name: "other program lines skipped", Value: d.c.foreign},
		{Name: "pending queries evicted", Value: d.c.evicted},
		{Name: "answers over cap dropped", Value: d.c.dropped},
		{Name: "unknown qtype names", Value: d.c.unknownType},
		{Name: "unprintable names", Value: d.c.unprintable},
	}
}

// recordError reports the line just read as bad.
func (d *Decoder) recordError(reason string, err error) error {
	return &input.RecordError{File: d.name, Line: d.lr.Line(), Offset: d.lr.Offset(), Reason: reason, Err: err}
}

// lineError reports a bad line, quoting at most 64 bytes of it.
func (d *Decoder) lineError(reason string, line []byte) error {
	if len(line) > 64 {
		line = line[:64]
	}
	return d.recordError(reason, fmt.Errorf("%q", line))
}
