package pcap

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

// view is the comparable summary of one event used by the tests. Its
// strings are copies, so views outlive the decoder's buffers.
type view struct {
	Kind      string
	At        time.Duration // event time since t0
	Client    string
	Server    string
	Transport string
	ID        uint16
	QName     string
	QType     uint16
	RCode     uint16
	Query     bool
	Response  bool
	RTT       time.Duration
	Answers   []string
	Offset    int64
}

func viewOf(ev *event.Event) view {
	v := view{
		Kind: ev.Kind.String(), At: ev.Time.Sub(t0), Client: ev.Client.String(), Server: ev.Server.String(),
		Transport: ev.Transport.String(), ID: ev.DNS.ID, QName: strings.Clone(ev.DNS.QName), QType: ev.DNS.QType,
		RCode: ev.DNS.RCode, Query: ev.DNS.HasQuery, Response: ev.DNS.HasResponse, RTT: ev.DNS.RTT,
		Offset: ev.Source.Offset,
	}
	for _, rr := range ev.DNS.Answers {
		v.Answers = append(v.Answers, fmt.Sprintf("%s %d %s", rr.Name, rr.Type, rr.Data))
	}
	return v
}

// result is everything a decoder produced for one input.
type result struct {
	events []view
	errs   []string // "reason @offset"
	counts map[string]int64
}

func decodeBytes(t testing.TB, data []byte, opts input.Options) result {
	t.Helper()
	if opts.Name == "" {
		opts.Name = "test.pcap"
	}
	d, err := Open(bytes.NewReader(data), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return drain(t, d, opts.Name)
}

// drain reads d to io.EOF, collecting events and record errors. Any other
// error fails the test, and so does a RecordError without the file name.
func drain(t testing.TB, d *Decoder, name string) result {
	t.Helper()
	var r result
	var ev event.Event
	for guard := 0; ; guard++ {
		if guard > 10_000_000 {
			t.Fatal("decoder does not reach io.EOF")
		}
		err := d.Next(&ev)
		if err == io.EOF {
			break
		}
		var re *input.RecordError
		switch {
		case errors.As(err, &re):
			if re.File != name {
				t.Fatalf("RecordError file = %q, want %q", re.File, name)
			}
			r.errs = append(r.errs, fmt.Sprintf("%s @%d", re.Reason, re.Offset))
		case err != nil:
			t.Fatalf("Next: %v", err)
		default:
			r.events = append(r.events, viewOf(&ev))
		}
	}
	r.counts = map[string]int64{}
	for _, c := range d.Counts() {
		r.counts[c.Name] = c.Value
	}
	must(t, d.Close())
	return r
}

// tally counts events with a query and events with a response.
func (r result) tally() (queries, responses int) {
	for _, v := range r.events {
		if v.Query {
			queries++
		}
		if v.Response {
			responses++
		}
	}
	return queries, responses
}
