package querylog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/dnsname"
	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/input/lineio"
)

// BINDFormat returns the input format for BIND 9 query logs (`querylog
// yes;`, the `queries` category), written to a file channel or to syslog.
// Each query line becomes one query event; BIND logs no responses there.
func BINDFormat() input.Format {
	return input.Format{
		Name:    "bind-querylog",
		Summary: "BIND 9 query log lines (client ... query: NAME CLASS TYPE FLAGS (SERVER))",
		Sniff:   SniffBIND,
		Open: func(r io.Reader, opts input.Options) (input.Decoder, error) {
			return NewBIND(r, opts, Config{Year: opts.Reference.UTC().Year()}), nil
		},
	}
}

var (
	_ input.Decoder = (*BINDDecoder)(nil)
	_ input.Counter = (*BINDDecoder)(nil)
)

var (
	errBINDClient = errors.New("no client address#port")
	errBINDFields = errors.New("want NAME CLASS TYPE FLAGS [(SERVER)] after query:")
)

// BINDDecoder reads query events from one BIND query log. Strings in the
// events it fills live in buffers it reuses: they are valid until the next
// call to Next. It holds no state between lines beyond the syslog year, so
// it needs no Close. A BINDDecoder is not safe for concurrent use.
type BINDDecoder struct {
	name    string
	lr      lineio.Reader
	clock   syslogClock
	scratch []byte
	fields  [maxFields][]byte

	queries, other, foreign, unknownType, unknownClass int64
}

// NewBIND returns a decoder reading r, which must already be decompressed.
// opts.Name names the input in errors and Source and opts.MaxLineBytes caps
// one line. cfg.Year is used only for lines with a syslog timestamp, which
// has no year.
func NewBIND(r io.Reader, opts input.Options, cfg Config) *BINDDecoder {
	limit := opts.MaxLineBytes
	if limit <= 0 {
		limit = input.DefaultOptions().MaxLineBytes
	}
	return &BINDDecoder{name: opts.Name, lr: lineio.NewReader(r, limit), clock: newSyslogClock(cfg.Year)}
}

// Next fills ev with the next query. It returns io.EOF at the end, a
// *input.RecordError for a bad line (the caller may call Next again), or a
// wrapped I/O error.
func (d *BINDDecoder) Next(ev *event.Event) error {
	for {
		line, err := d.lr.Read()
		switch {
		case err == lineio.ErrTooLong:
			return d.recordError("line too long", fmt.Errorf("over %d bytes", d.lr.Limit()))
		case err == io.EOF:
			return io.EOF
		case err != nil:
			return fmt.Errorf("bind: read %s: %w", d.name, err)
		}
		ok, err := d.handle(ev, line)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
	}
}

// Counts reports the queries read and the lines skipped.
func (d *BINDDecoder) Counts() []input.Count {
	return []input.Count{
		{Name: "queries", Value: d.queries},
		{Name: "other bind lines skipped", Value: d.other},
		{Name: "other program lines skipped", Value: d.foreign},
		{Name: "unknown qtype names", Value: d.unknownType},
		{Name: "unknown qclass names", Value: d.unknownClass},
	}
}

// handle decodes one line into ev; it reports false for a line that is not
// a query.
func (d *BINDDecoder) handle(ev *event.Event, line []byte) (bool, error) {
	if len(bytes.TrimSpace(line)) == 0 {
		return false, nil
	}
	t, msg, ok := d.stamp(line)
	if !ok {
		return false, d.lineError("bad timestamp", line)
	}
	if msg == nil {
		d.foreign++
		return false, nil
	}
	// Optional category (`queries:`) and severity (`info:`) tokens.
	for range 2 {
		tok, rest, _ := bytes.Cut(msg, []byte{' '})
		if len(tok) < 2 || tok[len(tok)-1] != ':' {
			break
		}
		msg = rest
	}
	rest, isClient := bytes.CutPrefix(msg, []byte("client "))
	if !isClient {
		d.other++
		return false, nil
	}
	i := bytes.LastIndex(rest, []byte(" query: "))
	if i < 0 {
		// query-errors, security and other client messages.
		d.other++
		return false, nil
	}
	head, q := rest[:i], rest[i+len(" query: "):]
	if bytes.HasPrefix(head, []byte("@0x")) {
		_, head, _ = bytes.Cut(head, []byte{' '})
	}
	tok, _, _ := bytes.Cut(head, []byte{' '})
	// Forms without the `(name)` part end the address with a colon.
	tok = bytes.TrimSuffix(tok, []byte{':'})
	client, ok := parseHashPort(tok)
	if !ok {
		return false, d.recordError("bad client address", errBINDClient)
	}
	n := splitFields(&d.fields, q)
	if n != 4 && n != 5 {
		return false, d.lineError("bad query fields", line)
	}
	f := d.fields[:n]
	name := f[0]
	if len(name) > maxNameBytes {
		return false, d.recordError("name too long", fmt.Errorf("%d bytes", len(name)))
	}
	qclass, okc := classCode(f[1])
	qtype, okt := rrTypeCode(f[2])
	flags, transport, okf := bindFlags(f[3])
	if !okf {
		return false, d.lineError("bad query flags", line)
	}
	var server netip.AddrPort
	if n == 5 {
		s := f[4]
		if len(s) < 3 || s[0] != '(' || s[len(s)-1] != ')' {
			return false, d.lineError("bad server address", line)
		}
		addr, err := netip.ParseAddr(view(s[1 : len(s)-1]))
		if err != nil {
			return false, d.lineError("bad server address", line)
		}
		server = netip.AddrPortFrom(addr, 0)
	}
	if !okc {
		d.unknownClass++
	}
	if !okt {
		d.unknownType++
	}
	d.queries++
	d.scratch = dnsname.AppendPresentation(d.scratch[:0], view(name))

	ev.Reset()
	ev.Kind = event.KindDNS
	ev.Time = t
	ev.Client, ev.Server, ev.Transport = client, server, transport
	ev.Source = event.Source{Name: d.name, Line: d.lr.Line(), Offset: d.lr.Offset()}
	dns := &ev.DNS
	dns.QName, dns.QType, dns.QClass = view(d.scratch), qtype, qclass
	dns.HasQuery, dns.RCode = true, event.RcodeUnknown
	dns.Flags, dns.FlagsKnown = flags, true
	return true, nil
}

// stamp reads the line's timestamp in one of the forms BIND writes: its own
// `dd-Mon-yyyy hh:mm:ss.mmm` (print-time yes), ISO 8601 (print-time
// iso8601 or iso8601-utc), or a syslog prefix with a `named` tag. It returns
// a nil message for a syslog line of another program.
func (d *BINDDecoder) stamp(line []byte) (time.Time, []byte, bool) {
	if t, rest, ok := bindTime(line); ok {
		return t, rest, true
	}
	if t, rest, ok := isoTime(line); ok {
		return t, rest, true
	}
	t, rest, ok := d.clock.parse(line)
	if !ok {
		return time.Time{}, nil, false
	}
	for range 2 {
		tok, after, _ := bytes.Cut(rest, []byte{' '})
		if isProgramTag(tok, "named") {
			return t, after, true
		}
		rest = after
	}
	return t, nil, true
}

// isProgramTag reports whether tok is `prog:` or `prog[PID]:`.
func isProgramTag(tok []byte, prog string) bool {
	rest, ok := bytes.CutPrefix(tok, []byte(prog))
	if !ok || len(rest) == 0 || rest[len(rest)-1] != ':' {
		return false
	}
	rest = rest[:len(rest)-1]
	if len(rest) == 0 {
		return true
	}
	if len(rest) < 3 || rest[0] != '[' || rest[len(rest)-1] != ']' {
		return false
	}
	_, ok = atou(rest[1 : len(rest)-1])
	return ok
}

// bindTime parses `28-Nov-2026 03:46:09.346 ` at the start of line (the
// milliseconds optional). BIND writes local time without a zone; it is
// taken as UTC.
func bindTime(line []byte) (time.Time, []byte, bool) {
	if len(line) < 21 || line[2] != '-' || line[6] != '-' || line[11] != ' ' || line[14] != ':' || line[17] != ':' {
		return time.Time{}, nil, false
	}
	day, ok1 := num2(line[0], line[1])
	mon := month(line[3:6])
	year, ok2 := atou(line[7:11])
	h, ok3 := num2(line[12], line[13])
	m, ok4 := num2(line[15], line[16])
	s, ok5 := num2(line[18], line[19])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || mon == 0 || day < 1 || day > 31 || h > 23 || m > 59 || s > 60 {
		return time.Time{}, nil, false
	}
	ns, rest, ok := fraction(line[20:])
	if !ok || len(rest) == 0 || rest[0] != ' ' {
		return time.Time{}, nil, false
	}
	return time.Date(int(year), mon, day, h, m, s, ns, time.UTC), rest[1:], true
}

// isoTime parses `2026-11-28T03:46:09.346[Z|±hh:mm] ` at the start of line;
// without a zone the time is taken as UTC.
func isoTime(line []byte) (time.Time, []byte, bool) {
	if len(line) < 20 || line[4] != '-' || line[7] != '-' || line[10] != 'T' || line[13] != ':' || line[16] != ':' {
		return time.Time{}, nil, false
	}
	year, ok1 := atou(line[0:4])
	mo, ok2 := num2(line[5], line[6])
	day, ok3 := num2(line[8], line[9])
	h, ok4 := num2(line[11], line[12])
	m, ok5 := num2(line[14], line[15])
	s, ok6 := num2(line[17], line[18])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 || mo < 1 || mo > 12 || day < 1 || day > 31 || h > 23 || m > 59 || s > 60 {
		return time.Time{}, nil, false
	}
	ns, rest, ok := fraction(line[19:])
	if !ok {
		return time.Time{}, nil, false
	}
	var off time.Duration
	switch {
	case len(rest) > 0 && rest[0] == 'Z':
		rest = rest[1:]
	case len(rest) >= 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, okh := num2(rest[1], rest[2])
		om, okm := num2(rest[4], rest[5])
		if !okh || !okm || oh > 23 || om > 59 {
			return time.Time{}, nil, false
		}
		off = time.Duration(oh)*time.Hour + time.Duration(om)*time.Minute
		if rest[0] == '-' {
			off = -off
		}
		rest = rest[6:]
	}
	if len(rest) == 0 || rest[0] != ' ' {
		return time.Time{}, nil, false
	}
	return time.Date(int(year), time.Month(mo), day, h, m, s, ns, time.UTC).Add(-off), rest[1:], true
}

// fraction reads an optional `.ddd` (up to nine digits) and returns it in
// nanoseconds with the rest of b.
func fraction(b []byte) (int, []byte, bool) {
	if len(b) == 0 || b[0] != '.' {
		return 0, b, true
	}
	ns, scale, i := 0, 100_000_000, 1
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		if i > 9 {
			return 0, nil, false
		}
		ns += int(b[i]-'0') * scale
		scale /= 10
	}
	if i == 1 {
		return 0, nil, false
	}
	return ns, b[i:], true
}

// parseHashPort reads BIND's `ADDR#PORT`.
func parseHashPort(b []byte) (netip.AddrPort, bool) {
	i := bytes.LastIndexByte(b, '#')
	if i < 0 {
		return netip.AddrPort{}, false
	}
	p, ok := atou(b[i+1:])
	if !ok || p > 0xFFFF {
		return netip.AddrPort{}, false
	}
	addr, err := netip.ParseAddr(view(b[:i]))
	if err != nil {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(addr, uint16(p)), true
}

// bindFlags reads BIND's query flags: `+` (RD set) or `-` (RD clear),
// then S (signed), E(n) (EDNS version n), T (TCP), D (DO), C (CD), K
// (cookie), V (valid cookie). It returns the header bits it implies and the
// transport.
func bindFlags(b []byte) (event.Flags, event.Transport, bool) {
	if len(b) == 0 {
		return 0, 0, false
	}
	var f event.Flags
	switch b[0] {
	case '+':
		f = event.FlagRD
	case '-':
	default:
		return 0, 0, false
	}
	transport := event.TransportUDP
	for i := 1; i < len(b); i++ {
		switch b[i] {
		case 'T':
			transport = event.TransportTCP
		case 'C':
			f |= event.FlagCD
		case 'S', 'D', 'K', 'V':
		case 'E':
			if i+1 < len(b) && b[i+1] == '(' {
				j := bytes.IndexByte(b[i:], ')')
				if j < 0 {
					return 0, 0, false
				}
				if _, ok := atou(b[i+2 : i+j]); !ok {
					return 0, 0, false
				}
				i += j
			}
		default:
			return 0, 0, false
		}
	}
	return f, transport, true
}

func (d *BINDDecoder) recordError(reason string, err error) error {
	return &input.RecordError{File: d.name, Line: d.lr.Line(), Offset: d.lr.Offset(), Reason: reason, Err: err}
}

func (d *BINDDecoder) lineError(reason string, line []byte) error {
	if len(line) > 64 {
		line = line[:64]
	}
	return d.recordError(reason, fmt.Errorf("%q", line))
}

// SniffBIND reports whether head, the first bytes of an input, holds a BIND
// query log line: it must contain `query: ` and decode to at least one
// query. The file name plays no part.
func SniffBIND(head []byte) bool {
	if !bytes.Contains(head, []byte("client ")) || !bytes.Contains(head, []byte(" query: ")) {
		return false
	}
	return sniffDecodes(NewBIND(bytes.NewReader(headLines(head)), input.Options{Name: "sniff"}, Config{Year: 1970}))
}
