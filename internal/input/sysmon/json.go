package sysmon

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

// FormatJSON returns the input format for Sysmon events as JSON lines, in
// the Winlogbeat/ECS shape (winlog.event_id, winlog.event_data.*) or the
// flat shape (EventID, Channel, Hostname, QueryName, ... at the top level).
func FormatJSON() input.Format {
	return input.Format{
		Name:    "sysmon-json",
		Summary: "Sysmon events as JSON lines (Winlogbeat/ECS or flat, as in OTRF Security-Datasets)",
		Sniff:   SniffJSON,
		Open: func(r io.Reader, opts input.Options) (input.Decoder, error) {
			return NewJSON(r, opts), nil
		},
	}
}

var (
	_ input.Decoder = (*JSONDecoder)(nil)
	_ input.Counter = (*JSONDecoder)(nil)
)

// JSONDecoder reads Sysmon events from JSON lines. Strings in the events it
// fills live in buffers it reuses: they are valid until the next call to
// Next. A JSONDecoder is not safe for concurrent use.
type JSONDecoder struct {
	base
	lr lineReader
	s  jsonScanner
	// path holds the keys of the objects enclosing the current member.
	path [3][]byte
	// flatTime and ecsTime are the TimeCreated and @timestamp values; the
	// first present wins.
	flatTime, ecsTime, ecsHost []byte
}

// NewJSON returns a JSONDecoder reading r, which must be decompressed.
// opts.Name names the input in errors; opts.MaxLineBytes caps one line.
func NewJSON(r io.Reader, opts input.Options) *JSONDecoder {
	limit := opts.MaxLineBytes
	if limit <= 0 {
		limit = input.DefaultOptions().MaxLineBytes
	}
	return &JSONDecoder{base: base{name: opts.Name}, lr: newLineReader(r, limit)}
}

// Next fills ev with the next mapped Sysmon event. It returns io.EOF at the
// end, a *input.RecordError for a bad line (the caller may call Next again)
// or a wrapped I/O error.
func (d *JSONDecoder) Next(ev *event.Event) error {
	for {
		line, err := d.lr.read()
		switch {
		case err == errLineTooLong:
			return d.recordError("line too long", fmt.Errorf("over %d bytes", d.lr.limit))
		case err == io.EOF:
			return io.EOF
		case err != nil:
			return fmt.Errorf("sysmon: read %s: %w", d.name, err)
		}
		line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if err := d.parseLine(line); err != nil {
			return d.recordError("bad json", err)
		}
		ok, merr := d.fill(ev, event.Source{Name: d.name, Line: d.lr.line, Offset: d.lr.off})
		if merr != nil {
			return d.recordError(merr.reason, merr.err)
		}
		if ok {
			return nil
		}
	}
}

func (d *JSONDecoder) recordError(reason string, err error) error {
	return &input.RecordError{File: d.name, Line: d.lr.line, Offset: d.lr.off, Reason: reason, Err: err}
}

// parseLine reads one JSON object into d.rec.
func (d *JSONDecoder) parseLine(line []byte) error {
	d.rec.reset()
	d.flatTime, d.ecsTime, d.ecsHost = nil, nil, nil
	s := &d.s
	s.reset(line)
	s.ws()
	if s.peek() != '{' {
		return errJSONSyntax
	}
	if err := d.object(0); err != nil {
		return fmt.Errorf("offset %d: %w", s.i, err)
	}
	s.ws()
	if s.i != len(s.b) {
		return fmt.Errorf("offset %d: %w", s.i, errJSONSyntax)
	}
	if len(d.rec.computer) == 0 {
		d.rec.computer = d.ecsHost
	}
	return d.readTime()
}

// object reads the object at s.i, at nesting depth (0 for the line).
// Members at the depths that hold Sysmon fields are passed to member; the
// rest are skipped.
func (d *JSONDecoder) object(depth int) error {
	s := &d.s
	s.i++
	s.ws()
	if s.peek() == '}' {
		s.i++
		return nil
	}
	for {
		s.ws()
		key, err := s.str()
		if err != nil {
			return err
		}
		s.ws()
		if s.peek() != ':' {
			return errJSONSyntax
		}
		s.i++
		s.ws()
		switch c := s.peek(); {
		case c == '{' && depth < len(d.path)-1 && d.descend(depth, key):
			d.path[depth] = key
			if err := d.object(depth + 1); err != nil {
				return err
			}
		case c == '{' || c == '[':
			if err := s.skip(depth + 1); err != nil {
				return err
			}
		case c == '"':
			v, err := s.str()
			if err != nil {
				return err
			}
			d.member(depth, key, v)
		default:
			v, err := s.literal()
			if err != nil {
				return err
			}
			if string(v) != "null" {
				d.member(depth, key, v)
			}
		}
		s.ws()
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return errJSONSyntax
		}
	}
}

// descend reports whether the object under key at depth holds fields the
// decoder reads: winlog, winlog.event_data and host.
func (d *JSONDecoder) descend(depth int, key []byte) bool {
	switch depth {
	case 0:
		return string(key) == "winlog" || string(key) == "host"
	case 1:
		return string(d.path[0]) == "winlog" && string(key) == "event_data"
	}
	return false
}

// member records one scalar member.
func (d *JSONDecoder) member(depth int, key, v []byte) {
	r := &d.rec
	switch depth {
	case 0:
		switch string(key) {
		case "EventID":
			r.eventID = atoiOr(v, -1)
		case "Channel":
			r.channel = v
		case "SourceName", "ProviderName":
			r.provider = v
		case "Hostname", "Computer":
			r.computer = v
		case "TimeCreated":
			d.flatTime = v
		case "@timestamp":
			d.ecsTime = v
		default:
			if f, ok := fieldByName(key); ok {
				r.set(f, v)
			}
		}
	case 1:
		if string(d.path[0]) == "host" {
			if (string(key) == "name" || string(key) == "hostname") && d.ecsHost == nil {
				d.ecsHost = v
			}
			return
		}
		switch string(key) {
		case "event_id":
			r.eventID = atoiOr(v, -1)
		case "channel":
			r.channel = v
		case "provider_name":
			r.provider = v
		case "computer_name":
			r.computer = v
		}
	case 2:
		if f, ok := fieldByName(key); ok {
			r.set(f, v)
		}
	}
}

// readTime parses TimeCreated (flat shape) or @timestamp (ECS), RFC 3339.
func (d *JSONDecoder) readTime() error {
	v := d.flatTime
	if v == nil {
		v = d.ecsTime
	}
	if len(v) == 0 {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, unsafeString(v))
	if err != nil {
		return fmt.Errorf("time %q: %w", clip(v), err)
	}
	d.rec.created = t.UTC()
	return nil
}

// atoiOr parses a decimal integer (a JSON number or a string holding one),
// or returns def.
func atoiOr(v []byte, def int) int {
	n, err := strconv.Atoi(unsafeString(bytes.TrimSpace(v)))
	if err != nil {
		return def
	}
	return n
}
