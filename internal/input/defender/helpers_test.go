package defender

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

// result is what a decode produced: the events (copied out of the
// decoder's buffers) and the record errors, in order.
type result struct {
	Events []event.Event
	Errors []string
	Lines  []int64
}

// decodeAll runs a decoder to the end. It fails the test on an error that
// is not a RecordError.
func decodeAll(t testing.TB, d *Decoder) result {
	t.Helper()
	var res result
	var ev event.Event
	for i := 0; i < 10000; i++ {
		err := d.Next(&ev)
		if err == io.EOF {
			return res
		}
		var re *input.RecordError
		if errors.As(err, &re) {
			res.Errors = append(res.Errors, re.Error())
			res.Lines = append(res.Lines, re.Line)
			continue
		}
		if err != nil {
			t.Fatalf("fatal error: %v", err)
		}
		var cp event.Event
		ev.CopyTo(&cp, nil)
		res.Events = append(res.Events, cp)
	}
	t.Fatal("decoder does not end")
	return res
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeCSV(t testing.TB, name string, b []byte) result {
	return decodeAll(t, NewCSV(bytes.NewReader(b), input.Options{Name: name}))
}

func decodeJSON(t testing.TB, name string, b []byte) result {
	return decodeAll(t, NewJSON(bytes.NewReader(b), input.Options{Name: name}))
}

// withoutSource clears Source so events from a CSV and a JSON export of the
// same rows compare equal.
func withoutSource(evs []event.Event) []event.Event {
	out := make([]event.Event, len(evs))
	for i, ev := range evs {
		ev.Source = event.Source{}
		out[i] = ev
	}
	return out
}
