package sysmon

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

// FormatXML returns the input format for Windows event XML as wevtutil
// prints it (a sequence of <Event> elements, with or without an <Events>
// wrapper).
func FormatXML() input.Format {
	return input.Format{
		Name:    "sysmon-xml",
		Summary: "Sysmon events as Windows event XML (wevtutil qe ... /f:xml)",
		Sniff:   SniffXML,
		Open: func(r io.Reader, opts input.Options) (input.Decoder, error) {
			return NewXML(r, opts), nil
		},
	}
}

var (
	_ input.Decoder = (*XMLDecoder)(nil)
	_ input.Counter = (*XMLDecoder)(nil)
)

var errEventTooLong = errors.New("event element too long")

// XMLDecoder reads Sysmon events from Windows event XML. The input is cut
// into <Event>...</Event> elements by a byte scan, and each element is parsed
// by its own encoding/xml Decoder, so a broken element is reported alone and
// the next one is read. Strings in the events it fills are valid until the
// next call to Next. An XMLDecoder is not safe for concurrent use.
type XMLDecoder struct {
	base
	br    *bufio.Reader
	limit int
	elem  []byte
	// line is the 1-based line where the current element starts; lines
	// counts the newlines consumed so far. off is the element's offset.
	line, lines, off, pos int64
	// n is the 1-based number of the current element.
	n   int64
	val []byte
}

// NewXML returns an XMLDecoder reading r, which must be decompressed.
// opts.Name names the input in errors; opts.MaxLineBytes caps one <Event>
// element.
func NewXML(r io.Reader, opts input.Options) *XMLDecoder {
	limit := opts.MaxLineBytes
	if limit <= 0 {
		limit = input.DefaultOptions().MaxLineBytes
	}
	return &XMLDecoder{base: base{name: opts.Name}, br: bufio.NewReaderSize(r, 64<<10), limit: limit}
}

// Next fills ev with the next mapped Sysmon event. It returns io.EOF at the
// end, a *input.RecordError for a bad element (the caller may call Next
// again) or a wrapped I/O error.
func (d *XMLDecoder) Next(ev *event.Event) error {
	for {
		err := d.nextElement()
		switch {
		case err == errEventTooLong:
			return d.recordError("event too long", fmt.Errorf("over %d bytes", d.limit))
		case err == io.EOF:
			return io.EOF
		case err == io.ErrUnexpectedEOF:
			return d.recordError("truncated event", err)
		case err != nil:
			return fmt.Errorf("sysmon: read %s: %w", d.name, err)
		}
		if err := d.parseElement(); err != nil {
			return d.recordError("bad event xml", err)
		}
		ok, merr := d.fill(ev, event.Source{Name: d.name, Line: d.line, Offset: d.off})
		if merr != nil {
			return d.recordError(merr.reason, merr.err)
		}
		if ok {
			return nil
		}
	}
}

func (d *XMLDecoder) recordError(reason string, err error) error {
	return &input.RecordError{File: d.name, Line: d.line, Offset: d.off, Reason: reason,
		Err: fmt.Errorf("event %d: %w", d.n, err)}
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
		if !bytes.HasPrefix(next, []byte("Event")) || len(next) < 6 || (next[5] != ' ' && next[5] != '>' && next[5] != '\t' && next[5] != '\r' && next[5] != '\n') {
			continue
		}
		break
	}
	d.n++
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
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			return io.ErrUnexpectedEOF
		}
		if err != nil {
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

// xmlSection says which part of the event the parser is in.
type xmlSection uint8

const (
	inOther xmlSection = iota
	inSystem
	inEventData
)

// parseElement reads d.elem into d.rec. Character data is collected in
// d.val; the record's slices point into it, so it is sized first and never
// moves.
func (d *XMLDecoder) parseElement() error {
	r := &d.rec
	r.reset()
	if cap(d.val) < len(d.elem) {
		d.val = make([]byte, 0, len(d.elem))
	}
	d.val = d.val[:0]
	dec := xml.NewDecoder(bytes.NewReader(d.elem))
	sec := inOther
	depth := 0
	var target []byte // System child or Data name being read
	var created string
	start := -1
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth == 2 && t.Name.Local == "System":
				sec = inSystem
			case depth == 2 && t.Name.Local == "EventData":
				sec = inEventData
			case depth == 2:
				sec = inOther
			case depth == 3 && sec == inSystem:
				target, start = d.keep(t.Name.Local), len(d.val)
				for _, a := range t.Attr {
					switch {
					case t.Name.Local == "TimeCreated" && a.Name.Local == "SystemTime":
						created = a.Value
					case t.Name.Local == "Provider" && a.Name.Local == "Name":
						r.provider = d.keep(a.Value)
					}
				}
			case depth == 3 && sec == inEventData && t.Name.Local == "Data":
				target, start = nil, len(d.val)
				for _, a := range t.Attr {
					if a.Name.Local == "Name" {
						target = d.keep(a.Value)
					}
				}
				start = len(d.val)
			}
		case xml.CharData:
			if depth == 3 && start >= 0 {
				d.val = append(d.val, t...)
			}
		case xml.EndElement:
			if depth == 3 && start >= 0 {
				d.setXML(sec, target, d.val[start:len(d.val):len(d.val)])
				start = -1
			}
			depth--
		}
	}
	if depth != 0 {
		return errors.New("unclosed element")
	}
	if r.eventID < 0 {
		return errors.New("no System/EventID")
	}
	if created != "" {
		t, err := time.Parse(time.RFC3339Nano, created)
		if err != nil {
			return fmt.Errorf("TimeCreated %q: %w", created, err)
		}
		r.created = t.UTC()
	}
	return nil
}

// keep copies s into d.val and returns the copy.
func (d *XMLDecoder) keep(s string) []byte {
	start := len(d.val)
	d.val = append(d.val, s...)
	return d.val[start:len(d.val):len(d.val)]
}

// setXML records one System child or EventData value.
func (d *XMLDecoder) setXML(sec xmlSection, name, v []byte) {
	r := &d.rec
	if sec == inEventData {
		if f, ok := fieldByName(name); ok {
			r.set(f, v)
		}
		return
	}
	switch string(name) {
	case "EventID":
		r.eventID = atoiOr(v, -1)
	case "Channel":
		r.channel = v
	case "Computer":
		r.computer = v
	}
}
