package sysmon

import (
	"errors"
	"io"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

// decoded is what a test keeps from one stream: copies of the events and
// the record errors, in order.
type decoded struct {
	events []event.Event
	errs   []*input.RecordError
}

// decodeAll reads d to the end. Any error other than a RecordError fails
// the test.
func decodeAll(t testing.TB, d input.Decoder) decoded {
	t.Helper()
	var out decoded
	var ev event.Event
	for {
		err := d.Next(&ev)
		if err == io.EOF {
			return out
		}
		var re *input.RecordError
		if errors.As(err, &re) {
			out.errs = append(out.errs, re)
			continue
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		out.events = append(out.events, clone(ev))
	}
}

// clone copies ev's strings and slices so that it outlives the decoder's
// next call.
func clone(ev event.Event) event.Event {
	c := ev
	s := strings.Clone
	c.Host = event.Host{Name: s(ev.Host.Name), ID: s(ev.Host.ID), User: s(ev.Host.User)}
	c.Process = event.Process{PID: ev.Process.PID, Image: s(ev.Process.Image), CommandLine: s(ev.Process.CommandLine),
		ParentImage: s(ev.Process.ParentImage), User: s(ev.Process.User)}
	c.Registry = event.Registry{Op: ev.Registry.Op, Key: s(ev.Registry.Key), ValueName: s(ev.Registry.ValueName), Data: s(ev.Registry.Data)}
	c.DNS.QName = s(ev.DNS.QName)
	c.DNS.Answers = nil
	for _, rr := range ev.DNS.Answers {
		rr.Name, rr.Data = s(rr.Name), s(rr.Data)
		c.DNS.Answers = append(c.DNS.Answers, rr)
	}
	c.DNS.Authority, c.DNS.Additional = slices.Clone(ev.DNS.Authority), slices.Clone(ev.DNS.Additional)
	c.Source.Name = s(ev.Source.Name)
	return c
}

// project drops what legitimately differs between the forms: where the
// event was read from.
func project(evs []event.Event) []event.Event {
	out := slices.Clone(evs)
	for i := range out {
		out[i].Source = event.Source{}
	}
	return out
}

func opts(name string) input.Options {
	o := input.DefaultOptions()
	o.Name = name
	return o
}

// eventOpts lets cmp compare the netip types inside events.
func eventOpts() cmp.Option {
	return cmpopts.EquateComparable(netip.AddrPort{}, netip.Addr{})
}
