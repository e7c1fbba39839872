// Package defender decodes Microsoft Defender XDR Advanced Hunting exports,
// CSV or JSON, into normalized events: DeviceNetworkEvents rows become
// connections, DeviceRegistryEvents rows registry changes, DeviceEvents rows
// with ActionType DnsQueryResponse DNS exchanges, and DeviceProcessEvents
// rows process starts.
//
// Defender is often the only endpoint telemetry a SOC can export, and it
// ties DNS to the process that asked, so a rogue resolver set in the
// registry (NameServer), the netsh command that set it and the connections
// that followed can all be read from one hunting query.
//
// Columns are found by name, never by position: exports differ in column
// order and in which columns they carry. The table of a row comes from a
// table column when the query added one (TableName, Type, category), else
// from which columns are filled. Rows of other tables are counted and
// skipped. The file name plays no part.
package defender

import (
	"fmt"
	"io"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

// Formats returns the two input formats: "defender-csv" for the portal's
// CSV export and "defender-json" for a JSON array of row objects (the
// portal's and the API's export) or JSON lines (one row object per line).
func Formats() []input.Format {
	return []input.Format{
		{
			Name:    "defender-csv",
			Summary: "Microsoft Defender XDR Advanced Hunting export, CSV",
			Sniff:   SniffCSV,
			Open: func(r io.Reader, opts input.Options) (input.Decoder, error) {
				return NewCSV(r, opts), nil
			},
			// Hunting results come in the order the query sorted them.
			Unordered: true,
		},
		{
			Name:    "defender-json",
			Summary: "Microsoft Defender XDR Advanced Hunting export, JSON array or JSON lines",
			Sniff:   SniffJSON,
			Open: func(r io.Reader, opts input.Options) (input.Decoder, error) {
				return NewJSON(r, opts), nil
			},
			Unordered: true,
		},
	}
}

var (
	_ input.Decoder = (*Decoder)(nil)
	_ input.Counter = (*Decoder)(nil)
)

// Decoder reads events from one Defender export. Strings in the events it
// fills alias its buffers and are valid until the next call to Next. A
// Decoder is not safe for concurrent use.
type Decoder struct {
	name string
	csv  *csvSource
	json *jsonSource
	row  row
	// strs holds the bytes of strings built for the current row.
	strs []byte

	nRows        [tProcess + 1]int64
	nDropped     int64
	nPrevDropped int64
	nUnknownType int64
}

// Next fills ev with the next mapped row. It returns io.EOF at the end, a
// *input.RecordError for a bad row (the caller may call Next again), or a
// wrapped error when the stream cannot go on.
func (d *Decoder) Next(ev *event.Event) error {
	for {
		d.strs = d.strs[:0]
		var (
			line, off int64
			err       error
		)
		if d.csv != nil {
			line, off, err = d.csv.next(d)
		} else {
			line, off, err = d.json.next(d)
		}
		if err != nil {
			return err
		}
		t := tableOf(&d.row)
		d.nRows[t]++
		if t == tOther {
			continue
		}
		ev.Reset()
		ev.Source = event.Source{Name: d.name, Line: line, Offset: off}
		if fe := d.fill(ev, &d.row, t); fe != nil {
			d.nRows[t]--
			return d.recordError(line, off, fe.reason, fe.err)
		}
		return nil
	}
}

// Counts reports rows by table, rows skipped and values dropped.
func (d *Decoder) Counts() []input.Count {
	return []input.Count{
		{Name: "network rows", Value: d.nRows[tNetwork]},
		{Name: "registry rows", Value: d.nRows[tRegistry]},
		{Name: "dns rows", Value: d.nRows[tDNS]},
		{Name: "process rows", Value: d.nRows[tProcess]},
		{Name: "rows of other tables skipped", Value: d.nRows[tOther]},
		{Name: "dns answers over cap dropped", Value: d.nDropped},
		{Name: "dns record types unknown", Value: d.nUnknownType},
		{Name: "previous registry values dropped", Value: d.nPrevDropped},
	}
}

// recordError reports one bad row.
func (d *Decoder) recordError(line, off int64, reason string, err error) error {
	return &input.RecordError{File: d.name, Line: line, Offset: off, Reason: reason, Err: err}
}

// readError wraps an I/O failure that ends the stream.
func (d *Decoder) readError(err error) error {
	return fmt.Errorf("defender: read %s: %w", d.name, err)
}
