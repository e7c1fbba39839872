package sysmon

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// fixture reads a testdata file.
func fixture(f testing.TB, name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// sharedHead returns the first n bytes of a shared file, or nil when the
// shared data folder is absent.
func sharedHead(rel string, n int) []byte {
	dir, ok := testutil.SharedDir()
	if !ok {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(dir, rel))
	if err != nil {
		return nil
	}
	return b[:min(len(b), n)]
}

// drain decodes d to the end within limit results; every error must be a
// RecordError naming the input, and every event must hold together.
func drain(t *testing.T, d input.Decoder, limit int) {
	var ev event.Event
	for i := 0; ; i++ {
		if i > limit {
			t.Fatalf("more than %d results", limit)
		}
		err := d.Next(&ev)
		if err == io.EOF {
			return
		}
		var re *input.RecordError
		if errors.As(err, &re) {
			if re.File != "fuzz" || re.Reason == "" {
				t.Fatalf("record error without a location: %+v", re)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if ev.Kind == event.KindUnknown || ev.Time.IsZero() {
			t.Fatalf("incomplete event %+v", ev)
		}
		if ev.Kind == event.KindDNS && (ev.DNS.RCode == event.RcodeUnknown) == ev.DNS.HasResponse {
			t.Fatalf("rcode %d with HasResponse %v", ev.DNS.RCode, ev.DNS.HasResponse)
		}
		if len(ev.DNS.Answers) > maxAnswers {
			t.Fatalf("%d answers", len(ev.DNS.Answers))
		}
	}
}

func FuzzJSON(f *testing.F) {
	for _, name := range []string{"events_flat.jsonl", "events_winlogbeat.jsonl"} {
		for _, line := range bytes.SplitAfter(fixture(f, name), []byte{'\n'}) {
			f.Add(line)
		}
	}
	f.Add([]byte(`{"EventID":"22","Channel":"Microsoft-Windows-Sysmon/Operational","UtcTime":"2024-05-01 10:00:00","QueryName":"a\u0000\ud83d\ude00","QueryStatus":"0","QueryResults":"type:  5 ;;x;::ffff:1.2.3.4"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		SniffJSON(b[:min(len(b), 4096)])
		o := opts("fuzz")
		o.MaxLineBytes = 4096
		drain(t, NewJSON(bytes.NewReader(b), o), bytes.Count(b, []byte{'\n'})+1)
	})
}

func FuzzXML(f *testing.F) {
	x := fixture(f, "events.xml")
	f.Add(x)
	for _, ev := range bytes.SplitAfter(x, []byte{'\n'}) {
		f.Add(ev)
		f.Add(ev[:len(ev)/2])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		SniffXML(b[:min(len(b), 4096)])
		o := opts("fuzz")
		o.MaxLineBytes = 8192
		drain(t, NewXML(bytes.NewReader(b), o), bytes.Count(b, []byte("<Event"))+1)
	})
}

// FuzzEVTX mutates the header and first chunk of a real file (when the
// shared data is present) and a synthetic header.
func FuzzEVTX(f *testing.F) {
	if s := sharedHead("evtx-attack-samples/DE_UAC_Disabled_Sysmon_12_13.evtx", 4096+65536); s != nil {
		f.Add(s)
		f.Add(s[:4096+8000])
	}
	f.Add(append([]byte(evtxMagic), make([]byte, 4096)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		SniffEVTX(b)
		d, err := OpenEVTX(bytes.NewReader(b), opts("fuzz"))
		if err != nil {
			return
		}
		drain(t, d, 1<<20)
	})
}
