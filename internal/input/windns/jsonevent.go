package windns

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

// AnalyticJSONFormat returns the input format for the DNS server's
// analytical events as JSON: one object per line (Winlogbeat/ECS with
// winlog.event_data, or flat exports with the EventData fields at the top
// level) or a JSON array as `Get-WinEvent ... | ConvertTo-Json` writes it.
func AnalyticJSONFormat() input.Format {
	return input.Format{
		Name:    "windns-analytic-json",
		Summary: "Windows DNS Server analytical events as JSON (Winlogbeat, flat, Get-WinEvent | ConvertTo-Json)",
		Sniff:   SniffAnalyticJSON,
		Open: func(r io.Reader, opts input.Options) (input.Decoder, error) {
			return NewAnalyticJSON(r, opts, DefaultConfig()), nil
		},
		Unordered: true,
	}
}

var (
	_ input.Decoder = (*JSONDecoder)(nil)
	_ input.Counter = (*JSONDecoder)(nil)
	_ input.Closer  = (*JSONDecoder)(nil)
)

// maxProperties caps the positional properties kept from one record.
const maxProperties = 32

var errNotObject = errors.New("not a JSON object")

// JSONDecoder reads DNS events from analytical events in JSON. Records are
// cut out of the input by a byte scan that follows strings and nesting, so
// one object per line and a pretty-printed array both work; in the
// one-per-line form a broken line is reported alone. Strings in the events
// it fills are valid until the next call to Next. A JSONDecoder is not safe
// for concurrent use.
type JSONDecoder struct {
	analytic
	lr lineReader
	s  jsonScanner
	// obj is the record being cut; cut is the scan state.
	obj []byte
	cut cutter
	// perLine is true once the first record was seen to fit on its line
	// outside an array: JSON lines, where a broken line is one bad record.
	perLine, modeKnown, inArray bool
	// line, off locate the current record.
	line, off int64
	// rest is the unscanned part of the current line.
	rest []byte
	// Values found while scanning, applied after the named fields.
	message []byte
	props   [maxProperties][]byte
	nProps  int
	times   [3][]byte // TimeCreated or EventTime, @timestamp, TimeCreated.value
	hexBuf  []byte
}

// NewAnalyticJSON returns a decoder reading r, which must be decompressed
// (a UTF-16 byte order mark is honoured). opts.Name names the input,
// opts.MaxLineBytes caps one record, and opts.PairTimeout and
// opts.MaxPending bound the pairing of queries and responses.
func NewAnalyticJSON(r io.Reader, opts input.Options, cfg Config) *JSONDecoder {
	s := newSettings(opts)
	return &JSONDecoder{analytic: newAnalytic(s, cfg), lr: newLineReader(decodeUTF16(r), s.lineLimit)}
}

// Next fills ev with the next query (with its response when one was seen)
// or unpaired response. It returns io.EOF at the end, a *input.RecordError
// for a bad record (the caller may call Next again), or a wrapped I/O error.
func (d *JSONDecoder) Next(ev *event.Event) error {
	for {
		if d.eof {
			if d.spillOldest() {
				d.emitSpilled(ev)
				return nil
			}
			return io.EOF
		}
		if !d.held {
			if err := d.read(); err == io.EOF {
				d.eof = true
				continue
			} else if err != nil {
				return err
			}
		}
		src := event.Source{Name: d.name, Line: d.line, Offset: d.off}
		ok, merr := d.step(ev, src)
		if merr != nil {
			return d.recordError(src, merr.reason, merr.err)
		}
		if ok {
			return nil
		}
	}
}

// read cuts the next record and parses it into d.rec.
func (d *JSONDecoder) read() error {
	err := d.nextObject()
	src := event.Source{Name: d.name, Line: d.line, Offset: d.off}
	switch {
	case err == io.EOF:
		return io.EOF
	case err == errLineTooLong || err == errEventTooLong:
		return d.recordError(src, "event too long", fmt.Errorf("over %d bytes", d.lr.limit))
	case input.IsRecordError(err):
		return err
	case err == errJSONSyntax:
		return d.recordError(src, "bad json", err)
	case err == io.ErrUnexpectedEOF:
		return d.recordError(src, "truncated json", err)
	case err != nil:
		return fmt.Errorf("windns: read %s: %w", d.name, err)
	}
	if err := d.parse(); err != nil {
		return d.recordError(src, "bad json", err)
	}
	return nil
}

// cutter follows strings and nesting while a record is cut.
type cutter struct {
	depth         int
	inStr, escape bool
	tooLong       bool
}

// nextObject cuts the next top-level object into d.obj. Outside objects,
// white space, commas and the brackets of a wrapping array are skipped.
func (d *JSONDecoder) nextObject() error {
	d.obj, d.cut = d.obj[:0], cutter{}
	for {
		if len(d.rest) == 0 {
			if err := d.nextLine(); err != nil {
				return err
			}
			continue
		}
		done, err := d.scan()
		if err != nil || done {
			return err
		}
	}
}

// nextLine reads the next line into d.rest. In the one-per-line form a
// record still open at the end of its line is an error.
func (d *JSONDecoder) nextLine() error {
	if d.cut.depth > 0 && d.perLine {
		d.cut = cutter{}
		return errJSONSyntax
	}
	line, err := d.lr.read()
	if err == io.EOF && d.cut.depth > 0 {
		return io.ErrUnexpectedEOF
	}
	if err == errLineTooLong && d.cut.depth == 0 {
		d.line, d.off = d.lr.line, d.lr.off
	}
	if err != nil {
		return err
	}
	d.rest = line
	if d.cut.depth > 0 {
		d.appendObj([]byte{'\n'})
	}
	return nil
}

// scan moves through d.rest and reports whether a record was completed.
func (d *JSONDecoder) scan() (bool, error) {
	start := 0
	if d.cut.depth == 0 {
		i, err := d.between()
		if err != nil || i < 0 {
			return false, err
		}
		if done, ok := d.wholeLine(i); ok {
			return done, d.finish()
		}
		start = i
	}
	end, done := d.cut.advance(d.rest, start)
	if !done {
		d.appendObj(d.rest[start:])
		d.rest = nil
		return false, nil
	}
	d.appendObj(d.rest[start:end])
	d.rest = d.rest[end:]
	if !d.modeKnown {
		d.modeKnown, d.perLine = true, d.lr.line == d.line && !d.inArray
	}
	return true, d.finish()
}

// between skips white space, commas and array brackets before a record and
// returns where the record starts in d.rest, or -1 when the line holds
// none. Anything else there is a syntax error.
func (d *JSONDecoder) between() (int, error) {
	b, i := d.rest, 0
	for i < len(b) && strings.IndexByte(" \t\r,[]\xef\xbb\xbf", b[i]) >= 0 {
		d.inArray = d.inArray || b[i] == '['
		i++
	}
	if i == len(b) {
		d.rest = nil
		return -1, nil
	}
	d.line, d.off = d.lr.line, d.lr.off+int64(i)
	if b[i] != '{' {
		d.rest = nil
		return -1, errJSONSyntax
	}
	return i, nil
}

// wholeLine takes the rest of the line as the record in the one-per-line
// form, where the scanner checks its syntax; it reports false when the
// line does not end like an object.
func (d *JSONDecoder) wholeLine(i int) (bool, bool) {
	if !d.perLine {
		return false, false
	}
	line := bytes.TrimRight(d.rest[i:], " \t\r")
	if line[len(line)-1] != '}' {
		return false, false
	}
	d.appendObj(line)
	d.rest = nil
	return true, true
}

// finish reports a record cut over the size limit.
func (d *JSONDecoder) finish() error {
	if d.cut.tooLong {
		return errEventTooLong
	}
	return nil
}

// advance follows b from i and returns the end of the record (just past its
// closing brace) when it closes in b.
func (c *cutter) advance(b []byte, i int) (int, bool) {
	for ; i < len(b); i++ {
		if !c.inStr {
			// Jump to the next byte that matters outside strings.
			j := bytes.IndexAny(b[i:], "\"{}[]")
			if j < 0 {
				return len(b), false
			}
			i += j
		} else if !c.escape {
			j := bytes.IndexAny(b[i:], "\"\\")
			if j < 0 {
				return len(b), false
			}
			i += j
		}
		ch := b[i]
		switch {
		case c.escape:
			c.escape = false
		case c.inStr:
			c.escape, c.inStr = ch == '\\', ch != '"'
		case ch == '"':
			c.inStr = true
		case ch == '{' || ch == '[':
			c.depth++
		case ch == '}' || ch == ']':
			c.depth--
		}
		if c.depth == 0 {
			return i + 1, true
		}
	}
	return len(b), false
}

// appendObj adds b to the record being cut, up to the limit.
func (d *JSONDecoder) appendObj(b []byte) {
	if len(d.obj)+len(b) > d.lr.limit {
		d.cut.tooLong = true
		return
	}
	d.obj = append(d.obj, b...)
}

// jsonContext says which object's members are being read.
type jsonContext uint8

const (
	ctxTop jsonContext = iota
	ctxWinlog
	ctxData
	ctxTime
)

// parse reads d.obj into d.rec, then applies the rendered message and the
// positional properties to fields the named ones left empty.
func (d *JSONDecoder) parse() error {
	d.rec.reset()
	d.message, d.nProps, d.times = nil, 0, [3][]byte{}
	s := &d.s
	s.reset(d.obj)
	s.ws()
	if s.peek() != '{' {
		return errNotObject
	}
	if err := d.object(ctxTop, 0); err != nil {
		return fmt.Errorf("offset %d: %w", s.i, err)
	}
	if s.ws(); s.i != len(s.b) {
		return fmt.Errorf("offset %d: %w", s.i, errJSONSyntax)
	}
	if d.nProps > 0 {
		if l, ok := layoutOf(d.rec.eventID, d.nProps); ok {
			for i, f := range l {
				// PowerShell writes a byte array it did not descend into as
				// "System.Byte[]"; such a PacketData is no data at all.
				if f != fPacketData || isHexData(d.props[i]) {
					d.rec.set(f, d.props[i])
				}
			}
		}
	}
	if d.message != nil {
		d.parseMessage(d.message)
	}
	return d.readTime()
}

// object reads the object at s.i in context ctx.
func (d *JSONDecoder) object(ctx jsonContext, depth int) error {
	s := &d.s
	return s.each(depth, true, func(key []byte) error {
		switch c := s.peek(); {
		case c == '{':
			if sub, ok := subContext(ctx, key); ok {
				return d.object(sub, depth+1)
			}
			return s.skip(depth + 1)
		case c == '[':
			if ctx == ctxTop && string(key) == "Properties" {
				return d.properties(depth + 1)
			}
			return s.skip(depth + 1)
		}
		v, _, err := s.scalar()
		if err != nil {
			return err
		}
		if v != nil {
			d.member(ctx, key, v)
		}
		return nil
	})
}

// subContext says which nested objects hold fields the decoder reads.
func subContext(ctx jsonContext, key []byte) (jsonContext, bool) {
	switch {
	case ctx == ctxTop && string(key) == "winlog":
		return ctxWinlog, true
	case ctx == ctxTop && (string(key) == "EventData" || string(key) == "event_data"):
		return ctxData, true
	case ctx == ctxTop && string(key) == "TimeCreated":
		return ctxTime, true
	case ctx == ctxWinlog && string(key) == "event_data":
		return ctxData, true
	}
	return 0, false
}

// member records one scalar member.
func (d *JSONDecoder) member(ctx jsonContext, key, v []byte) {
	r := &d.rec
	switch ctx {
	case ctxTop:
		switch string(key) {
		case "EventID", "Id", "EventId", "event_id":
			if n, ok := atou(v); ok && n < 1<<16 {
				r.eventID = int(n)
			}
		case "Channel", "LogName":
			r.channel = v
		case "ProviderName", "SourceName", "Provider":
			r.provider = v
		case "TimeCreated", "EventTime", "TimeGenerated":
			d.times[0] = v
		case "@timestamp":
			d.times[1] = v
		case "Message":
			d.message = v
		default:
			if f, ok := fieldByName(key); ok {
				r.set(f, v)
			}
		}
	case ctxWinlog:
		switch string(key) {
		case "event_id":
			if n, ok := atou(v); ok && n < 1<<16 {
				r.eventID = int(n)
			}
		case "channel":
			r.channel = v
		case "provider_name":
			r.provider = v
		}
	case ctxData:
		if f, ok := fieldByName(key); ok {
			r.set(f, v)
		}
	case ctxTime:
		if string(key) == "value" {
			d.times[2] = v
		}
	}
}

// properties reads Get-WinEvent's Properties array: objects with a Value,
// or bare values. A byte array (PacketData) is turned into hexadecimal.
func (d *JSONDecoder) properties(depth int) error {
	s := &d.s
	return s.each(depth, false, func(_ []byte) error {
		v, err := d.propertyValue(depth + 1)
		if d.nProps < maxProperties {
			d.props[d.nProps] = v
			d.nProps++
		}
		return err
	})
}

// propertyValue reads one property: {"Value": X} or X.
func (d *JSONDecoder) propertyValue(depth int) ([]byte, error) {
	s := &d.s
	switch s.peek() {
	case '{':
		var out []byte
		err := s.each(depth, true, func(key []byte) error {
			if string(key) != "Value" {
				return s.skip(depth + 1)
			}
			v, err := d.propertyValue(depth + 1)
			out = v
			return err
		})
		return out, err
	case '[':
		return d.byteArray(depth)
	}
	v, _, err := s.scalar()
	return v, err
}

// byteArray reads an array of numbers 0-255 as hexadecimal text in the
// scanner's buffer; other arrays give nil.
func (d *JSONDecoder) byteArray(depth int) ([]byte, error) {
	s := &d.s
	start, ok := len(s.buf), true
	s.buf = append(s.buf, "0x"...)
	err := s.each(depth, false, func(_ []byte) error {
		v, err := s.literal()
		n, isNum := atou(v)
		if !isNum || n > 255 {
			ok = false
		} else if ok {
			s.buf = append(s.buf, "0123456789ABCDEF"[n>>4], "0123456789ABCDEF"[n&15])
		}
		return err
	})
	if !ok || err != nil {
		s.buf = s.buf[:start]
		return nil, err
	}
	return s.buf[start:len(s.buf):len(s.buf)], nil
}

// parseMessage reads the rendered message, `NAME: Key=Value; Key=Value`,
// into fields still empty.
func (d *JSONDecoder) parseMessage(msg []byte) {
	if i := bytes.Index(msg, []byte(": ")); i >= 0 && bytes.IndexByte(msg[:i], '=') < 0 {
		msg = msg[i+2:]
	}
	for len(msg) > 0 {
		var pair []byte
		pair, msg, _ = bytes.Cut(msg, []byte("; "))
		k, v, ok := bytes.Cut(pair, []byte("="))
		if !ok {
			continue
		}
		if f, ok := fieldByName(bytes.TrimSpace(k)); ok {
			d.rec.set(f, bytes.TrimSpace(v))
		}
	}
}

// readTime parses the first time found: TimeCreated or EventTime, then
// @timestamp, then TimeCreated.value.
func (d *JSONDecoder) readTime() error {
	for _, v := range d.times {
		if len(v) == 0 {
			continue
		}
		t, err := parseJSONTime(v)
		if err != nil {
			return err
		}
		d.rec.created = t
		return nil
	}
	return nil
}

// parseJSONTime reads RFC 3339 (a missing zone is UTC), `2006-01-02
// 15:04:05` (UTC) or .NET's `/Date(milliseconds[+hhmm])/`.
func parseJSONTime(v []byte) (time.Time, error) {
	s := view(bytes.TrimSpace(v))
	if rest, ok := bytesCutPrefix(s, "/Date("); ok {
		end := 0
		for end < len(rest) && (isDigit(rest[end]) || (end == 0 && rest[end] == '-')) {
			end++
		}
		ms, err := strconv.ParseInt(rest[:end], 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("time %q: %w", s, err)
		}
		return time.UnixMilli(ms).UTC(), nil
	}
	layout := time.RFC3339Nano
	switch {
	case len(s) < 19:
	case s[10] == ' ':
		layout = "2006-01-02 15:04:05.999999999"
	case s[len(s)-1] != 'Z' && !strings.ContainsAny(s[19:], "+-"):
		layout = "2006-01-02T15:04:05.999999999"
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q: not RFC 3339, yyyy-mm-dd hh:mm:ss or /Date()/", s)
	}
	return t.UTC(), nil
}

// isHexData reports whether v looks like PacketData: hexadecimal digits,
// with or without 0x.
func isHexData(v []byte) bool {
	if len(v) > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X') {
		v = v[2:]
	}
	for _, c := range v {
		if _, ok := hexDigit(c); !ok {
			return false
		}
	}
	return len(v) > 0
}

func bytesCutPrefix(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):], true
	}
	return s, false
}
