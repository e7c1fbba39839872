package windns

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

// DebugFormat returns the input format for the Windows DNS Server debug log
// (dns.log). Its timestamps are read with DefaultConfig: month-first dates
// in UTC; NewDebug takes another Config.
func DebugFormat() input.Format {
	return input.Format{
		Name:    "windns-debug",
		Summary: "Windows DNS Server debug log (dns.log, packet lines with optional details)",
		Sniff:   SniffDebug,
		Open: func(r io.Reader, opts input.Options) (input.Decoder, error) {
			return NewDebug(r, opts, DefaultConfig()), nil
		},
	}
}

var (
	_ input.Decoder = (*DebugDecoder)(nil)
	_ input.Counter = (*DebugDecoder)(nil)
	_ input.Closer  = (*DebugDecoder)(nil)
)

var (
	errPacketLine = errors.New("want THREAD PACKET ID UDP|TCP Snd|Rcv ADDR XID [R] OPCODE [FLAGS RCODE] TYPE NAME")
	errOpcode     = errors.New("opcode is not Q, N, U or ?")
	errFlags      = errors.New("flags are not [HHHH ... RCODE]")
)

// DebugDecoder reads DNS events from one debug log. Strings in the events it
// fills live in buffers it reuses: they are valid until the next call to
// Next. A DebugDecoder is not safe for concurrent use.
type DebugDecoder struct {
	pairer
	lr     lineReader
	clock  clock
	server netip.Addr
	names  nameBuilder
	// strs holds the names and record data of the current packet.
	strs []byte
	blk  block
	// held is a record error found while a record was being read (a line
	// too long inside a details block), returned by the next call.
	held error
	eof  bool
	c    debugCounts
}

type debugCounts struct {
	otherLines, otherEntries, details, unknownType, recordsDropped int64
}

// NewDebug returns a decoder reading r, which must already be decompressed
// (a UTF-16 byte order mark is honoured). opts.Name names the input,
// opts.MaxLineBytes caps one line, opts.PairTimeout is how long (in log
// time) a query waits for its response and opts.MaxPending caps the queries
// waiting (at most 65536); defaults apply where they are not positive.
func NewDebug(r io.Reader, opts input.Options, cfg Config) *DebugDecoder {
	s := newSettings(opts)
	loc := cfg.Location
	if loc == nil {
		loc = utc
	}
	return &DebugDecoder{
		pairer: newPairer(s.name, s.timeout, s.maxPending),
		lr:     newLineReader(decodeUTF16(r), s.lineLimit),
		clock:  clock{order: cfg.DateOrder, loc: loc},
		server: cfg.Server,
	}
}

// Next fills ev with the next query (with its response when one was seen)
// or unpaired response. It returns io.EOF at the end, a *input.RecordError
// for a bad line or block (the caller may call Next again), or a wrapped I/O
// error.
func (d *DebugDecoder) Next(ev *event.Event) error {
	if err := d.held; err != nil {
		d.held = nil
		return err
	}
	for {
		if d.eof {
			if d.spillOldest() {
				d.emitSpilled(ev)
				return nil
			}
			return io.EOF
		}
		line, err := d.lr.read()
		switch {
		case err == errLineTooLong:
			return d.lineError(d.lr.line, d.lr.off, "line too long", fmt.Errorf("over %d bytes", d.lr.limit))
		case err == io.EOF:
			d.eof = true
			continue
		case err != nil:
			return fmt.Errorf("windns: read %s: %w", d.name, err)
		}
		if len(line) == 0 || !isDigit(line[0]) {
			// Header, legend, blank lines, log wrap notes and detail
			// lines of a record already given up.
			d.c.otherLines++
			continue
		}
		var m message
		ok, err := d.packet(line, &m)
		if err != nil {
			return err
		}
		if !ok {
			d.c.otherEntries++
			continue
		}
		d.advance(m.time)
		if d.expired() {
			d.lr.unread()
			d.spillOldest()
			d.emitSpilled(ev)
			return nil
		}
		ev.Reset()
		if err := d.details(ev, &m); err != nil {
			return err
		}
		if m.response {
			d.respond(ev, &m)
			return nil
		}
		if d.store(&m) {
			d.emitSpilled(ev)
			return nil
		}
	}
}

// Close drops the waiting queries; it exists so that callers can release a
// decoder they stop reading early.
func (d *DebugDecoder) Close() error {
	for d.spillOldest() {
	}
	return nil
}

// Counts reports queries, responses, pairing and the lines skipped.
func (d *DebugDecoder) Counts() []input.Count {
	return counts(d.pairer.c.list(), []countEntry{
		{"packet details blocks", d.c.details},
		{"other lines skipped", d.c.otherLines},
		{"non-packet entries skipped", d.c.otherEntries},
		{"unknown qtype names", d.c.unknownType},
		{"records over cap dropped", d.c.recordsDropped},
		{"labels not matching their length", d.names.mismatched},
	})
}

// packet parses one line that starts with a digit. It reports false for a
// dated line that is not a packet (another context than PACKET).
func (d *DebugDecoder) packet(line []byte, m *message) (bool, error) {
	t, rest, err := d.clock.parse(line)
	if err != nil {
		var id *ImpossibleDateError
		if errors.As(err, &id) {
			return false, d.lineError(d.lr.line, d.lr.off, "impossible date", err)
		}
		return false, d.lineError(d.lr.line, d.lr.off, "bad timestamp", fmt.Errorf("%w: %q", err, clip(line)))
	}
	cur := cursor{b: rest}
	if cur.next() == nil {
		return false, d.badLine(line)
	}
	if string(cur.next()) != "PACKET" {
		return false, nil
	}
	*m = message{time: t, line: d.lr.line, off: d.lr.off, qclass: 1}
	if err := d.fields(&cur, m); err != nil {
		return false, err
	}
	return true, d.question(&cur, m, line)
}

// fields reads `ID UDP|TCP Snd|Rcv ADDR XID [R] OPCODE [FLAGS RCODE]`.
func (d *DebugDecoder) fields(cur *cursor, m *message) error {
	cur.next() // internal packet identifier
	switch string(cur.next()) {
	case "UDP":
		m.tr = event.TransportUDP
	case "TCP":
		m.tr = event.TransportTCP
	default:
		return d.lineError(m.line, m.off, "bad packet line", errPacketLine)
	}
	var send bool
	switch string(cur.next()) {
	case "Snd":
		send = true
	case "Rcv":
	default:
		return d.lineError(m.line, m.off, "bad packet line", errPacketLine)
	}
	tok := cur.next()
	addr, err := netip.ParseAddr(view(tok))
	if err != nil {
		return d.lineError(m.line, m.off, "bad address", fmt.Errorf("%q", clip(tok)))
	}
	xid, ok := atoh(cur.next())
	if !ok || xid > 0xFFFF {
		return d.lineError(m.line, m.off, "bad packet line", errPacketLine)
	}
	m.xid, m.remote = uint16(xid), netip.AddrPortFrom(addr, 0)
	tok = cur.next()
	if string(tok) == "R" {
		m.response = true
		tok = cur.next()
	}
	m.up = send != m.response
	if d.server.IsValid() {
		m.local = netip.AddrPortFrom(d.server, 0)
	}
	if len(tok) != 1 || strings.IndexByte("QNU?", tok[0]) < 0 {
		return d.lineError(m.line, m.off, "bad opcode", errOpcode)
	}
	if err := d.flags(cur, m); err != nil {
		return err
	}
	switch tok[0] {
	case 'Q':
		m.opcode = 0
	case 'N':
		m.opcode = 4
	case 'U':
		m.opcode = 5
	}
	return nil
}

// flags reads `[HHHH CHARS RCODE]`. The hex number is the header's flag
// word as Windows keeps it in memory: the first flag byte of the wire
// header in the low eight bits (QR, opcode, AA, TC, RD) and the second (RA,
// AD, CD, rcode) in the high eight, so 8081 is a response with RD and RA.
// The letters repeat AA, TC, RD and RA and are not read; the rcode name
// wins over the four rcode bits when it is known.
func (d *DebugDecoder) flags(cur *cursor, m *message) error {
	cur.skip()
	end := bytes.IndexByte(cur.b, ']')
	if len(cur.b) == 0 || cur.b[0] != '[' || end < 0 {
		return d.lineError(m.line, m.off, "bad flags", errFlags)
	}
	in := cursor{b: cur.b[1:end]}
	cur.b = cur.b[end+1:]
	hex := in.next()
	v, ok := atoh(hex)
	if !ok || len(hex) != 4 {
		return d.lineError(m.line, m.off, "bad flags", errFlags)
	}
	hi, lo := byte(v), byte(v>>8)
	m.flags, m.known = headerFlags(hi, lo), true
	m.opcode = (hi >> 3) & 0xF
	m.rcode = uint16(lo & 0xF)
	var last []byte
	for tok := in.next(); tok != nil; tok = in.next() {
		last = tok
	}
	if rc, ok := rcodeCode(last); ok {
		m.rcode = rc
	}
	return nil
}

// question reads `TYPE NAME`, the rest of the line.
func (d *DebugDecoder) question(cur *cursor, m *message, line []byte) error {
	typ := cur.next()
	if typ == nil {
		return d.badLine(line)
	}
	qtype, ok := typeCode(typ)
	if !ok {
		d.c.unknownType++
	}
	cur.skip()
	name := bytes.TrimRight(cur.b, " \t")
	d.strs = d.strs[:0]
	var err error
	if d.strs, err = d.names.appendName(d.strs, name); err != nil {
		return d.lineError(m.line, m.off, "bad name", fmt.Errorf("%w: %q", err, clip(name)))
	}
	m.qtype, m.qname = qtype, view(d.strs)
	return nil
}

// headerFlags maps the two flag bytes of a DNS header to event flags.
func headerFlags(hi, lo byte) event.Flags {
	var f event.Flags
	for _, b := range [...]struct {
		v    byte
		flag event.Flags
	}{
		{hi & 0x80, event.FlagQR}, {hi & 0x04, event.FlagAA}, {hi & 0x02, event.FlagTC},
		{hi & 0x01, event.FlagRD}, {lo & 0x80, event.FlagRA}, {lo & 0x20, event.FlagAD},
		{lo & 0x10, event.FlagCD},
	} {
		if b.v != 0 {
			f |= b.flag
		}
	}
	return f
}

func (d *DebugDecoder) badLine(line []byte) error {
	return d.lineError(d.lr.line, d.lr.off, "bad packet line", fmt.Errorf("%w: %q", errPacketLine, clip(line)))
}

// lineError reports a bad line or record.
func (d *DebugDecoder) lineError(line, off int64, reason string, err error) error {
	return &input.RecordError{File: d.name, Line: line, Offset: off, Reason: reason, Err: err}
}

// clip returns at most the first 64 bytes of b, for error messages.
func clip(b []byte) []byte {
	if len(b) > 64 {
		return b[:64]
	}
	return b
}
