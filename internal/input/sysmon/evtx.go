package sysmon

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/Velocidex/ordereddict"
	"www.velocidex.com/golang/evtx"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

// MaxEVTXBytes caps the size of one EVTX input. The parser needs random
// access, so the whole file is held in memory; Windows caps a log file at
// 4 GiB but the default Sysmon log is 64 MiB.
const MaxEVTXBytes = 1 << 30

// ErrEVTXTooLarge is returned by OpenEVTX for an input over MaxEVTXBytes.
var ErrEVTXTooLarge = errors.New("evtx input too large")

// FormatEVTX returns the input format for Windows .evtx files holding
// Sysmon events.
func FormatEVTX() input.Format {
	return input.Format{
		Name:    "sysmon-evtx",
		Summary: "Sysmon events in a Windows .evtx file",
		Sniff:   SniffEVTX,
		Open: func(r io.Reader, opts input.Options) (input.Decoder, error) {
			return OpenEVTX(r, opts)
		},
	}
}

var (
	_ input.Decoder = (*EVTXDecoder)(nil)
	_ input.Counter = (*EVTXDecoder)(nil)
)

// EVTXDecoder reads Sysmon events from an EVTX file, one 64 KiB chunk at a
// time. Strings in the events it fills are valid until the next call to
// Next. An EVTXDecoder is not safe for concurrent use.
type EVTXDecoder struct {
	base
	chunks  []*evtx.Chunk
	ci      int
	records []*evtx.EventRecord
	ri      int
	// val holds the text of the current record's values.
	val                   []byte
	badChunks, recordsAll int64
}

// OpenEVTX reads r (at most MaxEVTXBytes) into memory and lists its chunks.
// A file whose header is not EVTX is an error; a chunk that cannot be
// parsed is reported by Next as a *input.RecordError.
func OpenEVTX(r io.Reader, opts input.Options) (*EVTXDecoder, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxEVTXBytes+1))
	if err != nil {
		return nil, fmt.Errorf("sysmon: read %s: %w", opts.Name, err)
	}
	if len(data) > MaxEVTXBytes {
		return nil, fmt.Errorf("sysmon: %s: %w (over %d bytes)", opts.Name, ErrEVTXTooLarge, MaxEVTXBytes)
	}
	chunks, err := evtx.GetChunks(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("sysmon: %s: evtx header: %w", opts.Name, err)
	}
	return &EVTXDecoder{base: base{name: opts.Name}, chunks: chunks}, nil
}

// Counts adds the EVTX record and chunk counters to the shared ones.
func (d *EVTXDecoder) Counts() []input.Count {
	return append(d.base.Counts(),
		input.Count{Name: "evtx records", Value: d.recordsAll},
		input.Count{Name: "evtx chunks unreadable", Value: d.badChunks})
}

// Next fills ev with the next mapped Sysmon event. It returns io.EOF at the
// end and a *input.RecordError for a chunk or record that cannot be read
// (the caller may call Next again).
func (d *EVTXDecoder) Next(ev *event.Event) error {
	for {
		for d.ri >= len(d.records) {
			if d.ci >= len(d.chunks) {
				return io.EOF
			}
			c := d.chunks[d.ci]
			d.ci++
			d.records, d.ri = nil, 0
			recs, err := parseChunk(c)
			if err != nil {
				d.badChunks++
				return &input.RecordError{File: d.name, Offset: c.Offset, Reason: "bad evtx chunk", Err: err}
			}
			d.records = recs
		}
		rec := d.records[d.ri]
		d.ri++
		d.recordsAll++
		src := event.Source{Name: d.name, Offset: -1}
		if err := d.readRecord(rec); err != nil {
			return &input.RecordError{File: d.name, Offset: -1, Reason: "bad evtx record",
				Err: fmt.Errorf("record id %d: %w", rec.Header.RecordID, err)}
		}
		ok, merr := d.fill(ev, src)
		if merr != nil {
			return &input.RecordError{File: d.name, Offset: -1, Reason: merr.reason,
				Err: fmt.Errorf("record id %d: %w", rec.Header.RecordID, merr.err)}
		}
		if ok {
			return nil
		}
	}
}

// parseChunk parses one chunk. The parser works on hostile bytes and is not
// ours, so a panic inside it is turned into an error for that chunk.
func parseChunk(c *evtx.Chunk) (recs []*evtx.EventRecord, err error) {
	defer func() {
		if p := recover(); p != nil {
			recs, err = nil, fmt.Errorf("evtx parser failed: %v", p)
		}
	}()
	return c.Parse(0)
}

// readRecord fills d.rec from the parsed record's Event/System and
// Event/EventData.
func (d *EVTXDecoder) readRecord(rec *evtx.EventRecord) error {
	r := &d.rec
	r.reset()
	d.val = d.val[:0]
	root, ok := rec.Event.(*ordereddict.Dict)
	if !ok {
		return errors.New("no event")
	}
	evd := dictAt(root, "Event")
	sys := dictAt(evd, "System")
	if sys == nil {
		return errors.New("no System element")
	}
	id, _ := sys.Get("EventID")
	if m, ok := id.(*ordereddict.Dict); ok {
		id, _ = m.Get("Value")
	}
	n, ok := toInt(id)
	if !ok {
		return errors.New("no EventID")
	}
	r.eventID = n
	r.channel = d.text(get(sys, "Channel"))
	r.provider = d.text(get(dictAt(sys, "Provider"), "Name"))
	r.computer = d.text(get(sys, "Computer"))
	if st, ok := get(dictAt(sys, "TimeCreated"), "SystemTime").(float64); ok && !math.IsNaN(st) && !math.IsInf(st, 0) {
		sec, frac := math.Modf(st)
		r.created = time.Unix(int64(sec), int64(math.Round(frac*1e6))*1e3).UTC()
	}
	data := dictAt(evd, "EventData")
	if data == nil {
		return nil
	}
	for _, k := range data.Keys() {
		if f, ok := fieldByName([]byte(k)); ok {
			r.set(f, d.text(get(data, k)))
		}
	}
	return nil
}

// dictAt returns the dictionary under key in m, or nil.
func dictAt(m *ordereddict.Dict, key string) *ordereddict.Dict {
	if m == nil {
		return nil
	}
	v, _ := m.Get(key)
	sub, _ := v.(*ordereddict.Dict)
	return sub
}

// get returns the value under key in m, or nil.
func get(m *ordereddict.Dict, key string) any {
	if m == nil {
		return nil
	}
	v, _ := m.Get(key)
	return v
}

// text writes v (a string, number or boolean from the parser) as text in
// d.val and returns it; nil gives nil.
func (d *EVTXDecoder) text(v any) []byte {
	start := len(d.val)
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		d.val = append(d.val, x...)
	case bool:
		d.val = strconv.AppendBool(d.val, x)
	case float64:
		d.val = strconv.AppendFloat(d.val, x, 'f', -1, 64)
	case float32:
		d.val = strconv.AppendFloat(d.val, float64(x), 'f', -1, 32)
	default:
		if n, ok := toInt(v); ok {
			d.val = strconv.AppendInt(d.val, int64(n), 10)
		} else if u, ok := v.(uint64); ok {
			d.val = strconv.AppendUint(d.val, u, 10)
		} else {
			d.val = fmt.Append(d.val, v)
		}
	}
	return d.val[start:len(d.val):len(d.val)]
}

// toInt converts the parser's integer types to int.
func toInt(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case int8:
		return int(x), true
	case int16:
		return int(x), true
	case int32:
		return int(x), true
	case int64:
		return int(x), true
	case uint8:
		return int(x), true
	case uint16:
		return int(x), true
	case uint32:
		return int(x), true
	case uint64:
		if x <= math.MaxInt32 {
			return int(x), true
		}
	case string:
		n, err := strconv.Atoi(x)
		return n, err == nil
	}
	return 0, false
}
