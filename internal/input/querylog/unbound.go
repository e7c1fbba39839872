package querylog

import (
	"bytes"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/dnsname"
	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/input/lineio"
)

// UnboundFormat returns the input format for Unbound's `log-queries` and
// `log-replies` lines (with or without `log-tag-queryreply`), written to
// syslog or to Unbound's own log file. Query lines become query events and
// reply lines response events; the two are not paired.
func UnboundFormat() input.Format {
	return input.Format{
		Name:    "unbound-log",
		Summary: "Unbound log-queries / log-replies lines (CLIENT NAME TYPE CLASS [RCODE SECS CACHED SIZE])",
		Sniff:   SniffUnbound,
		Open: func(r io.Reader, opts input.Options) (input.Decoder, error) {
			return NewUnbound(r, opts, Config{Year: opts.Reference.UTC().Year()}), nil
		},
	}
}

var (
	_ input.Decoder = (*UnboundDecoder)(nil)
	_ input.Counter = (*UnboundDecoder)(nil)
)

// UnboundDecoder reads query and reply events from one Unbound log.
// Strings in the events it fills live in buffers it reuses: they are valid
// until the next call to Next. It keeps no state between lines beyond the
// syslog year, so it needs no Close. An UnboundDecoder is not safe for
// concurrent use.
type UnboundDecoder struct {
	name    string
	lr      lineio.Reader
	clock   syslogClock
	scratch []byte
	fields  [maxFields][]byte

	queries, replies, cached, noQuestion, other, foreign, unknownType, unknownClass int64
}

// NewUnbound returns a decoder reading r, which must already be
// decompressed. opts.Name names the input in errors and Source and
// opts.MaxLineBytes caps one line. cfg.Year is the year of the first syslog
// timestamp (see Config).
func NewUnbound(r io.Reader, opts input.Options, cfg Config) *UnboundDecoder {
	limit := opts.MaxLineBytes
	if limit <= 0 {
		limit = input.DefaultOptions().MaxLineBytes
	}
	return &UnboundDecoder{name: opts.Name, lr: lineio.NewReader(r, limit), clock: newSyslogClock(cfg.Year)}
}

// Next fills ev with the next query or reply. It returns io.EOF at the end,
// a *input.RecordError for a bad line (the caller may call Next again), or a
// wrapped I/O error.
func (d *UnboundDecoder) Next(ev *event.Event) error {
	for {
		line, err := d.lr.Read()
		switch {
		case err == lineio.ErrTooLong:
			return d.recordError("line too long", fmt.Errorf("over %d bytes", d.lr.Limit()))
		case err == io.EOF:
			return io.EOF
		case err != nil:
			return fmt.Errorf("unbound: read %s: %w", d.name, err)
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

// Counts reports the queries and replies read and the lines skipped.
func (d *UnboundDecoder) Counts() []input.Count {
	return []input.Count{
		{Name: "queries", Value: d.queries},
		{Name: "replies", Value: d.replies},
		{Name: "replies from cache", Value: d.cached},
		{Name: "replies without question", Value: d.noQuestion},
		{Name: "other unbound lines skipped", Value: d.other},
		{Name: "other program lines skipped", Value: d.foreign},
		{Name: "unknown qtype names", Value: d.unknownType},
		{Name: "unknown qclass names", Value: d.unknownClass},
	}
}

// Kinds of Unbound query log lines.
const (
	ubQuery = iota
	ubReply
	ubEither // untagged `info:` line: the field count tells
)

// handle decodes one line into ev; it reports false for a line that is not
// a query or reply.
func (d *UnboundDecoder) handle(ev *event.Event, line []byte) (bool, error) {
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
	sev, body, _ := bytes.Cut(msg, []byte{' '})
	kind := ubEither
	switch string(sev) {
	case "query:":
		kind = ubQuery
	case "reply:":
		kind = ubReply
	case "info:":
		// Statistics, histograms and other messages share info:; a query
		// log line starts with the client address.
		tok, _, _ := bytes.Cut(bytes.TrimLeft(body, " "), []byte{' '})
		if _, err := netip.ParseAddr(view(tok)); err != nil {
			d.other++
			return false, nil
		}
	default:
		d.other++
		return false, nil
	}
	n := splitFields(&d.fields, body)
	f := d.fields[:max(n, 0)]
	switch {
	case (kind == ubQuery || kind == ubEither) && (n == 4 || n == 6):
		kind = ubQuery
	case (kind == ubReply || kind == ubEither) && (n == 8 || n == 10):
		kind = ubReply
	default:
		return false, d.lineError("bad field count", line)
	}
	client, err := netip.ParseAddr(view(f[0]))
	if err != nil {
		return false, d.lineError("bad client address", line)
	}
	// log-destaddr adds `ADDR@PORT PROTO` (the address the query came in on).
	var server netip.AddrPort
	transport := event.TransportUnknown
	if n == 6 || n == 10 {
		server, transport, ok = destAddr(f[n-2], f[n-1])
		if !ok {
			return false, d.lineError("bad destination address", line)
		}
	}
	if kind == ubReply && string(f[1]) == "-" && string(f[2]) == "-" {
		// A FORMERR reply to a message whose question could not be read:
		// Unbound writes `ADDR - - - FORMERR - - -`.
		d.noQuestion++
		return false, nil
	}
	name := f[1]
	if len(name) > maxNameBytes {
		return false, d.recordError("name too long", fmt.Errorf("%d bytes", len(name)))
	}
	qtype, okt := rrTypeCode(f[2])
	qclass, okc := classCode(f[3])
	var rcode uint16
	var took time.Duration
	var size uint64
	var cached bool
	if kind == ubReply {
		var ok1, ok2, ok3 bool
		rcode, ok1 = rcodeCode(f[4])
		took, ok2 = parseSeconds(f[5])
		size, ok3 = atou(f[7])
		if !ok1 || !ok2 || !ok3 || size > 0xFFFF || (string(f[6]) != "0" && string(f[6]) != "1") {
			return false, d.lineError("bad reply fields", line)
		}
		cached = f[6][0] == '1'
	}
	if !okt {
		d.unknownType++
	}
	if !okc {
		d.unknownClass++
	}
	d.scratch = dnsname.AppendPresentation(d.scratch[:0], view(name))

	ev.Reset()
	ev.Kind = event.KindDNS
	ev.Time = t
	ev.Client, ev.Server, ev.Transport = netip.AddrPortFrom(client, 0), server, transport
	ev.Source = event.Source{Name: d.name, Line: d.lr.Line(), Offset: d.lr.Offset()}
	dns := &ev.DNS
	dns.QName, dns.QType, dns.QClass = view(d.scratch), qtype, qclass
	if kind == ubQuery {
		d.queries++
		dns.HasQuery, dns.RCode = true, event.RcodeUnknown
		return true, nil
	}
	d.replies++
	if cached {
		d.cached++
	}
	dns.HasResponse, dns.RCode, dns.Flags = true, rcode, event.FlagQR
	dns.RTT, dns.ResponseSize = took, int(size)
	return true, nil
}

// stamp reads the line's timestamp (syslog `Mmm dd hh:mm:ss`, or the
// `[EPOCH]` that Unbound writes to its own log file) and the program tag
// after it, and returns the message after the tag and the optional
// `[PID:THREAD]`. It returns a nil message for a line of another program.
func (d *UnboundDecoder) stamp(line []byte) (time.Time, []byte, bool) {
	var t time.Time
	var rest []byte
	if len(line) > 2 && line[0] == '[' {
		end := bytes.IndexByte(line, ']')
		if end < 0 {
			return time.Time{}, nil, false
		}
		secs, ok := atou(line[1:end])
		if !ok || secs > 1<<40 || len(line) < end+2 || line[end+1] != ' ' {
			return time.Time{}, nil, false
		}
		t, rest = time.Unix(int64(secs), 0).UTC(), line[end+2:]
	} else {
		var ok bool
		t, rest, ok = d.clock.parse(line)
		if !ok {
			return time.Time{}, nil, false
		}
	}
	for range 2 {
		tok, after, _ := bytes.Cut(rest, []byte{' '})
		if isUnboundTag(tok) {
			// Through syslog the tag is `unbound:` and `[PID:THREAD]`
			// starts the message.
			if len(after) > 0 && after[0] == '[' {
				if tid, next, _ := bytes.Cut(after, []byte{' '}); tid[len(tid)-1] == ']' {
					after = next
				}
			}
			return t, after, true
		}
		rest = after
	}
	return t, nil, true
}

// isUnboundTag reports whether tok is Unbound's own `unbound[PID:THREAD]`
// (no colon), or a syslog tag `unbound:`, `unbound[PID]:`.
func isUnboundTag(tok []byte) bool {
	rest, ok := bytes.CutPrefix(tok, []byte("unbound"))
	if !ok || len(rest) == 0 {
		return false
	}
	if rest[len(rest)-1] == ':' {
		rest = rest[:len(rest)-1]
		if len(rest) == 0 {
			return true
		}
	}
	if len(rest) < 3 || rest[0] != '[' || rest[len(rest)-1] != ']' {
		return false
	}
	pid, thread, hasThread := bytes.Cut(rest[1:len(rest)-1], []byte{':'})
	if _, ok := atou(pid); !ok {
		return false
	}
	if hasThread {
		_, ok = atou(thread)
	}
	return ok
}

// destAddr reads log-destaddr's `ADDR@PORT PROTO`.
func destAddr(ap, proto []byte) (netip.AddrPort, event.Transport, bool) {
	i := bytes.LastIndexByte(ap, '@')
	if i < 0 {
		return netip.AddrPort{}, 0, false
	}
	p, ok := atou(ap[i+1:])
	addr, err := netip.ParseAddr(view(ap[:i]))
	if !ok || p > 0xFFFF || err != nil {
		return netip.AddrPort{}, 0, false
	}
	tr := event.TransportUnknown
	switch string(proto) {
	case "udp":
		tr = event.TransportUDP
	case "tcp":
		tr = event.TransportTCP
	case "dot", "tls", "ssl":
		tr = event.TransportDoT
	case "doh", "https", "http":
		tr = event.TransportDoH
	case "doq", "quic":
		tr = event.TransportDoQ
	}
	return netip.AddrPortFrom(addr, uint16(p)), tr, true
}

func (d *UnboundDecoder) recordError(reason string, err error) error {
	return &input.RecordError{File: d.name, Line: d.lr.Line(), Offset: d.lr.Offset(), Reason: reason, Err: err}
}

func (d *UnboundDecoder) lineError(reason string, line []byte) error {
	if len(line) > 64 {
		line = line[:64]
	}
	return d.recordError(reason, fmt.Errorf("%q", line))
}

// SniffUnbound reports whether head, the first bytes of an input, holds an
// Unbound query or reply line: it must name the `unbound` program and
// decode to at least one event. The file name plays no part.
func SniffUnbound(head []byte) bool {
	if !bytes.Contains(head, []byte("unbound")) {
		return false
	}
	return sniffDecodes(NewUnbound(bytes.NewReader(headLines(head)), input.Options{Name: "sniff"}, Config{Year: 1970}))
}
