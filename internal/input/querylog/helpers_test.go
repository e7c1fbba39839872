package querylog

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

// row is the comparable projection of one event used by the table tests.
type row struct {
	Time    string
	Client  string
	Server  string
	QName   string
	QType   uint16
	RCode   uint16
	Resp    bool
	RTT     time.Duration
	Answers []string
	Line    int64
}

func project(ev *event.Event) row {
	r := row{
		Time:   ev.Time.Format(time.RFC3339),
		QName:  strings.Clone(ev.DNS.QName),
		QType:  ev.DNS.QType,
		RCode:  ev.DNS.RCode,
		Resp:   ev.DNS.HasResponse,
		RTT:    ev.DNS.RTT,
		Line:   ev.Source.Line,
		Client: ev.Client.String(),
	}
	if ev.Server.IsValid() {
		r.Server = ev.Server.String()
	}
	for _, a := range ev.DNS.Answers {
		r.Answers = append(r.Answers, fmt.Sprintf("%s %d %s", a.Name, a.Type, a.Data))
	}
	return r
}

// decoded is everything one decoder produced.
type decoded struct {
	rows   []row
	errs   []*input.RecordError
	counts map[string]int64
}

// decodeAll reads r to the end, checking the decoder's invariants on the
// way: every event is a DNS query, every error a RecordError naming the
// input, and the stream ends with io.EOF.
func decodeAll(t testing.TB, r io.Reader, opts input.Options) decoded {
	t.Helper()
	d := New(r, opts, Config{Year: 2024})
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
			if re.File != opts.Name || re.Line <= 0 {
				t.Fatalf("record error without file and line: %v", err)
			}
			out.errs = append(out.errs, re)
			continue
		}
		if ev.Kind != event.KindDNS || !ev.DNS.HasQuery {
			t.Fatalf("event is not a DNS query: %+v", ev)
		}
		out.rows = append(out.rows, project(&ev))
	}
	out.counts = map[string]int64{}
	for _, c := range d.Counts() {
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
