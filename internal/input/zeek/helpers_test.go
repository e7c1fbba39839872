package zeek

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

// view is a deep copy of the parts of an Event the decoder fills, in a form
// that reads well in cmp.Diff output. Source is kept apart so that callers
// comparing two inputs can ignore it.
type view struct {
	Kind      string
	Time      string
	Client    string
	Server    string
	Transport string
	DNS       *dnsView
	Conn      *event.Conn
}

type dnsView struct {
	ID          uint16
	Flags       string
	Opcode      uint8
	RCode       uint16
	QName       string
	QType       uint16
	QClass      uint16
	HasQuery    bool
	HasResponse bool
	RTT         time.Duration
	Answers     []event.RR
}

// errView is what a test checks of a RecordError.
type errView struct {
	Line   int64
	Reason string
}

func project(ev *event.Event) view {
	v := view{
		Kind:      ev.Kind.String(),
		Time:      ev.Time.UTC().Format(time.RFC3339Nano),
		Transport: ev.Transport.String(),
	}
	if ev.Client.IsValid() {
		v.Client = ev.Client.String()
	}
	if ev.Server.IsValid() {
		v.Server = ev.Server.String()
	}
	switch ev.Kind {
	case event.KindDNS:
		d := ev.DNS
		dv := &dnsView{
			ID: d.ID, Flags: d.Flags.String(), Opcode: d.Opcode, RCode: d.RCode,
			QName: strings.Clone(d.QName), QType: d.QType, QClass: d.QClass,
			HasQuery: d.HasQuery, HasResponse: d.HasResponse, RTT: d.RTT,
		}
		for _, rr := range d.Answers {
			rr.Name, rr.Data = strings.Clone(rr.Name), strings.Clone(rr.Data)
			dv.Answers = append(dv.Answers, rr)
		}
		v.DNS = dv
	case event.KindConn:
		c := ev.Conn
		c.Service, c.State = strings.Clone(c.Service), strings.Clone(c.State)
		v.Conn = &c
	}
	return v
}

// decoded is everything one input produced.
type decoded struct {
	events  []view
	sources []event.Source
	errs    []errView
	errList []*input.RecordError
	counts  map[string]int64
}

// decodeAll reads r to the end. It fails the test on a non-record error or
// when the decoder does not stop.
func decodeAll(t testing.TB, r io.Reader, opts input.Options) decoded {
	t.Helper()
	d := New(r, opts)
	var out decoded
	var ev event.Event
	for i := 0; ; i++ {
		if i > 10_000_000 {
			t.Fatal("decoder does not reach the end")
		}
		err := d.Next(&ev)
		if err == io.EOF {
			break
		}
		var re *input.RecordError
		if errors.As(err, &re) {
			out.errs = append(out.errs, errView{Line: re.Line, Reason: re.Reason})
			out.errList = append(out.errList, re)
			continue
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		out.events = append(out.events, project(&ev))
		out.sources = append(out.sources, ev.Source)
	}
	out.counts = map[string]int64{}
	for _, c := range d.Counts() {
		out.counts[c.Name] = c.Value
	}
	return out
}

func opts(name string) input.Options {
	o := input.DefaultOptions()
	o.Name = name
	return o
}
