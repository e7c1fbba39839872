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

// addSeeds adds every testdata file with the given extensions.
func addSeeds(f *testing.F, exts ...string) {
	for _, ext := range exts {
		files, _ := filepath.Glob(filepath.Join("testdata", "*"+ext))
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
}

// fuzzDecode runs d over b: it must end, every error must be a RecordError
// naming the input and a line, and every event must have a kind and time.
func fuzzDecode(t *testing.T, b []byte, d *Decoder) {
	var ev event.Event
	limit := len(b) + 2
	for i := 0; ; i++ {
		if i > limit {
			t.Fatalf("%d results from %d bytes", i, len(b))
		}
		err := d.Next(&ev)
		if err == io.EOF {
			return
		}
		var re *input.RecordError
		switch {
		case errors.As(err, &re):
			if re.File != "fuzz" || re.Line < 1 || re.Reason == "" {
				t.Fatalf("record error without a location: %+v", re)
			}
		case err != nil:
			return // a header the decoder cannot read ends the stream
		case ev.Kind == event.KindUnknown || ev.Time.IsZero():
			t.Fatalf("event without kind or time: %+v", ev)
		}
	}
}

func FuzzCSV(f *testing.F) {
	addSeeds(f, ".csv")
	f.Add([]byte(miniHeader + "2024-05-01T10:00:00Z,ws-1,x,1.2.3.4,\"5\r\n3\",1.1.1.1,1,Tcp,a,b\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		SniffCSV(b[:min(len(b), 4096)])
		fuzzDecode(t, b, NewCSV(bytes.NewReader(b), input.Options{Name: "fuzz"}))
	})
}

func FuzzJSON(f *testing.F) {
	addSeeds(f, ".json", ".jsonl")
	f.Add([]byte(`[{"Timestamp":"2024-05-01T10:00:00Z","ActionType":"DnsQueryResponse","AdditionalFields":{"DnsQueryString":"a\\u00e9","DnsQueryResult":"[{\"DnsQueryType\":28,\"Result\":\"::1\"}]"}}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		SniffJSON(b[:min(len(b), 4096)])
		fuzzDecode(t, b, NewJSON(bytes.NewReader(b), input.Options{Name: "fuzz", MaxLineBytes: 4096}))
	})
}
