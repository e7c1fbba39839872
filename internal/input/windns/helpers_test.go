package windns

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

// row is the comparable projection of one event used by the table and
// golden tests.
type row struct {
	Time      string
	Client    string
	Server    string
	Transport string
	ID        uint16
	Flags     string
	Known     bool
	Opcode    uint8
	QName     string
	QType     uint16
	QClass    uint16
	RCode     uint16
	Query     bool
	Resp      bool
	RTT       time.Duration
	QSize     int
	RSize     int
	Answers   []string
	Authority []string
	Extra     []string
	Line      int64
}

func project(ev *event.Event) row {
	r := row{
		Time: ev.Time.UTC().Format(time.RFC3339Nano), Transport: ev.Transport.String(),
		ID: ev.DNS.ID, Flags: ev.DNS.Flags.String(), Known: ev.DNS.FlagsKnown, Opcode: ev.DNS.Opcode,
		QName: strings.Clone(ev.DNS.QName), QType: ev.DNS.QType, QClass: ev.DNS.QClass, RCode: ev.DNS.RCode,
		Query: ev.DNS.HasQuery, Resp: ev.DNS.HasResponse, RTT: ev.DNS.RTT,
		QSize: ev.DNS.QuerySize, RSize: ev.DNS.ResponseSize, Line: ev.Source.Line,
	}
	if ev.Client.IsValid() {
		r.Client = ev.Client.String()
	}
	if ev.Server.IsValid() {
		r.Server = ev.Server.String()
	}
	rrs := func(in []event.RR) []string {
		var out []string
		for _, a := range in {
			out = append(out, fmt.Sprintf("%s %d %d %d %s", a.Name, a.Type, a.Class, a.TTL, a.Data))
		}
		return out
	}
	r.Answers, r.Authority, r.Extra = rrs(ev.DNS.Answers), rrs(ev.DNS.Authority), rrs(ev.DNS.Additional)
	return r
}

// String renders r on one line for golden files.
func (r row) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s client=%s server=%s %s id=%d flags=[%s] known=%v op=%d %q type=%d class=%d rcode=%d q=%v r=%v rtt=%s qsize=%d rsize=%d",
		r.Line, r.Time, r.Client, r.Server, r.Transport, r.ID, r.Flags, r.Known, r.Opcode, r.QName, r.QType, r.QClass,
		r.RCode, r.Query, r.Resp, r.RTT, r.QSize, r.RSize)
	for _, s := range [...]struct {
		name string
		rrs  []string
	}{{"an", r.Answers}, {"ns", r.Authority}, {"ar", r.Extra}} {
		for _, a := range s.rrs {
			fmt.Fprintf(&b, "\n    %s %s", s.name, a)
		}
	}
	return b.String()
}

// decoded is everything one decoder produced.
type decoded struct {
	rows   []row
	errs   []*input.RecordError
	counts map[string]int64
}

// decodeAll reads d to the end, checking the decoder's invariants on the
// way: every event is a DNS event with a name, every error a RecordError
// naming the input and a line, and the stream ends with io.EOF.
func decodeAll(t testing.TB, d input.Decoder, name string) decoded {
	t.Helper()
	var out decoded
	var ev event.Event
	for i := 0; ; i++ {
		if i > 1<<22 {
			t.Fatal("decoder does not end")
		}
		err := d.Next(&ev)
		if err == io.EOF {
			break
		}
		if err != nil {
			var re *input.RecordError
			if !errors.As(err, &re) {
				t.Fatalf("non-record error: %v", err)
			}
			if re.File != name || re.Line <= 0 {
				t.Fatalf("record error without file and line: %v", err)
			}
			out.errs = append(out.errs, re)
			continue
		}
		if ev.Kind != event.KindDNS || ev.DNS.QName == "" || (!ev.DNS.HasQuery && !ev.DNS.HasResponse) {
			t.Fatalf("event is not a DNS message: %+v", ev)
		}
		out.rows = append(out.rows, project(&ev))
	}
	out.counts = map[string]int64{}
	for _, c := range d.(input.Counter).Counts() {
		out.counts[c.Name] = c.Value
	}
	return out
}

func testOpts(name string) input.Options {
	o := input.DefaultOptions()
	o.Name = name
	return o
}

func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }
