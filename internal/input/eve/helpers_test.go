package eve

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

// decodeAll reads every event of r, deep-copied, and the record errors.
func decodeAll(t testing.TB, d *Decoder) ([]event.Event, []*input.RecordError) {
	t.Helper()
	var evs []event.Event
	var errs []*input.RecordError
	var ev event.Event
	for {
		err := d.Next(&ev)
		var re *input.RecordError
		switch {
		case err == io.EOF:
			return evs, errs
		case errors.As(err, &re):
			errs = append(errs, re)
		case err != nil:
			t.Fatalf("next: %v", err)
		default:
			evs = append(evs, clone(ev))
		}
	}
}

func decodeString(t testing.TB, s string) ([]event.Event, []*input.RecordError, *Decoder) {
	d := New(strings.NewReader(s), input.Options{Name: "eve.json"})
	evs, errs := decodeAll(t, d)
	return evs, errs, d
}

func clone(ev event.Event) event.Event {
	c := ev
	c.DNS.QName = strings.Clone(ev.DNS.QName)
	rrs := func(in []event.RR) []event.RR {
		if len(in) == 0 {
			return nil
		}
		out := slices.Clone(in)
		for i := range out {
			out[i].Name, out[i].Data = strings.Clone(out[i].Name), strings.Clone(out[i].Data)
		}
		return out
	}
	c.DNS.Answers, c.DNS.Authority, c.DNS.Additional = rrs(ev.DNS.Answers), rrs(ev.DNS.Authority), rrs(ev.DNS.Additional)
	c.Source.Name = strings.Clone(ev.Source.Name)
	return c
}
