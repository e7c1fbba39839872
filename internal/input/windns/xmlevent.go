package windns

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

// eventNS is the namespace of Windows event XML.
const eventNS = "http://schemas.microsoft.com/win/2004/08/events/event"

// AnalyticXMLFormat returns the input format for the DNS server's
// analytical events as Windows event XML (`wevtutil qe
// Microsoft-Windows-DNSServer/Analytical /f:xml`, Get-WinEvent's ToXml()):
// <Event> elements, with or without an <Events> wrapper.
func AnalyticXMLFormat() input.Format {
	return input.Format{
		Name:    "windns-analytic-xml",
		Summary: "Windows DNS Server analytical events as event XML (wevtutil qe ... /f:xml)",
		Sniff:   SniffAnalyticXML,
		Open: func(r io.Reader, opts input.Options) (input.Decoder, error) {
			return NewAnalyticXML(r, opts, DefaultConfig()), nil
		},
		Unordered: true,
	}
}

var (
	_ input.Decoder = (*XMLDecoder)(nil)
	_ input.Counter = (*XMLDecoder)(nil)
	_ input.Closer  = (*XMLDecoder)(nil)
)

var errEventTooLong = errors.New("event element too long")

// XMLDecoder reads DNS events from analytical events in event XML. The input
// is cut into <Event>...</Event> elements by a byte scan and each element is
// parsed on its own, so a broken element is reported alone and the next one
// is read. Strings in the events it fills are valid until the next call to
// Next. An XMLDecoder is not safe for concurrent use.
type XMLDecoder struct {
	analytic
	br    *bufio.Reader
	limit int
	elem  []byte
	xp    xmlParser
	// line is the 1-based line where the current element starts, lines the
	// newlines consumed so far; off is the element's offset and pos the
	// bytes consumed.
	line, lines, off, pos int64
}

// NewAnalyticXML returns a decoder reading r, which must be decompressed (a
// UTF-16 byte order mark is honoured). opts.Name names the input,
// opts.MaxLineBytes caps one <Event> element, and opts.PairTimeout and
// opts.MaxPending bound the pairing of queries and responses.
func NewAnalyticXML(r io.Reader, opts input.Options, cfg Config) *XMLDecoder {
	s := newSettings(opts)
	return &XMLDecoder{analytic: newAnalytic(s, cfg), br: bufio.NewReaderSize(decodeUTF16(r), readBufSize), limit: s.lineLimit}
}

// Next fills ev with the next query (with its response when one was seen)
// or unpaired response. It returns io.EOF at the end, a *input.RecordError
// for a bad element (the caller may call Next again), or a wrapped I/O
// error.
func (d *XMLDecoder) Next(ev *event.Event) error {
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

// read cuts and parses the next element into d.rec.
func (d *XMLDecoder) read() error {
	err := d.nextElement()
	src := event.Source{Name: d.name, Line: d.line, Offset: d.off}
	switch {
	case err == errEventTooLong:
		return d.recordError(src, "event too long", fmt.Errorf("over %d bytes", d.limit))
	case err == io.ErrUnexpectedEOF:
		return d.recordError(src, "truncated event", err)
	case err == io.EOF:
		return io.EOF
	case err != nil:
		return fmt.Errorf("windns: read %s: %w", d.name, err)
	}
	if err := d.parse(); err != nil {
		return d.recordError(src, "bad event xml", err)
	}
	return nil
}

// consume accounts for b, just read.
func (d *XMLDecoder) consume(b []byte) {
	d.pos += int64(len(b))
	d.lines += int64(bytes.Count(b, []byte{'\n'}))
}

// nextElement reads the next <Event ...>...</Event> element into d.elem.
func (d *XMLDecoder) nextElement() error {
	for {
		b, err := d.br.ReadSlice('<')
		d.consume(b)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return err
		}
		next, _ := d.br.Peek(6)
		if len(next) == 6 && bytes.HasPrefix(next, []byte("Event")) && strings.IndexByte(" >\t\r\n", next[5]) >= 0 {
			break
		}
	}
	d.line, d.off = d.lines+1, d.pos-1
	d.elem = append(d.elem[:0], '<')
	tooLong := false
	for {
		b, err := d.br.ReadSlice('>')
		d.consume(b)
		if len(d.elem)+len(b) > d.limit {
			tooLong = true
		} else {
			d.elem = append(d.elem, b...)
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF:
			return io.ErrUnexpectedEOF
		case err != nil:
			return err
		}
		if bytes.HasSuffix(d.elem, []byte("</Event>")) || (tooLong && bytes.HasSuffix(b, []byte("</Event>"))) {
			break
		}
	}
	if tooLong {
		return errEventTooLong
	}
	return nil
}

// parse reads d.elem into d.rec.
func (d *XMLDecoder) parse() error { return d.xp.parse(d.elem, &d.rec) }
