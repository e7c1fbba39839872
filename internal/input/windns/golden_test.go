package windns

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/input"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// samples are the files in testdata with the decoder that reads each.
var samples = []struct {
	file   string
	format string
	open   func(r io.Reader, o input.Options) input.Decoder
}{
	{"dns.log", "windns-debug", func(r io.Reader, o input.Options) input.Decoder { return NewDebug(r, o, DefaultConfig()) }},
	{"dns_details.log", "windns-debug", func(r io.Reader, o input.Options) input.Decoder {
		return NewDebug(r, o, Config{DateOrder: DateDMY})
	}},
	{"analytical.xml", "windns-analytic-xml", func(r io.Reader, o input.Options) input.Decoder {
		return NewAnalyticXML(r, o, DefaultConfig())
	}},
	{"analytical_winlogbeat.jsonl", "windns-analytic-json", openJSON},
	{"analytical_flat.jsonl", "windns-analytic-json", openJSON},
	{"analytical_getwinevent.json", "windns-analytic-json", openJSON},
	{"analytical_properties.json", "windns-analytic-json", openJSON},
}

func openJSON(r io.Reader, o input.Options) input.Decoder {
	return NewAnalyticJSON(r, o, DefaultConfig())
}

// TestGolden decodes every sample and compares the events, record errors
// and counters with testdata/golden/FILE.golden. Run with -update to
// rewrite them after a deliberate change.
func TestGolden(t *testing.T) {
	for _, s := range samples {
		t.Run(s.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", s.file))
			if err != nil {
				t.Fatal(err)
			}
			got := render(decodeAll(t, s.open(bytes.NewReader(raw), testOpts(s.file)), s.file))
			path := filepath.Join("testdata", "golden", s.file+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("%s differs from its golden file (-want +got):\n%s", s.file, diff)
			}
		})
	}
}

// render writes what a decoder produced in the golden files' form.
func render(d decoded) string {
	var b strings.Builder
	for _, r := range d.rows {
		fmt.Fprintln(&b, r)
	}
	for _, e := range d.errs {
		fmt.Fprintln(&b, "error:", e)
	}
	names := make([]string, 0, len(d.counts))
	for n := range d.counts {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(&b, "count: %s = %d\n", n, d.counts[n])
	}
	return b.String()
}

// TestFormsAgree checks that the analytical events give the same DNS
// events whichever form they were exported in: XML, Winlogbeat JSON, flat
// JSON, Get-WinEvent with its Message, and Get-WinEvent's bare Properties.
// The JSON samples hold the first events of the XML sample; events are
// compared up to the first one a shorter sample ends early (its last
// queries are flushed unanswered), without their source lines and, for the
// flat form whose EventTime has whole seconds, without their times.
func TestFormsAgree(t *testing.T) {
	read := func(file string) []row {
		raw, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		var d input.Decoder = NewAnalyticXML(bytes.NewReader(raw), testOpts(file), DefaultConfig())
		if !strings.HasSuffix(file, ".xml") {
			d = NewAnalyticJSON(bytes.NewReader(raw), testOpts(file), DefaultConfig())
		}
		rows := decodeAll(t, d, file).rows
		for i := range rows {
			rows[i].Line = 0
		}
		return rows
	}
	want := read("analytical.xml")
	for _, file := range []string{"analytical_winlogbeat.jsonl", "analytical_flat.jsonl", "analytical_getwinevent.json", "analytical_properties.json"} {
		t.Run(file, func(t *testing.T) {
			got := read(file)
			n := len(got) - 2
			if n < 6 {
				t.Fatalf("only %d events", len(got))
			}
			w := slices.Clone(want[:n])
			g := got[:n]
			if strings.Contains(file, "flat") {
				for i := range w {
					w[i].Time, g[i].Time, w[i].RTT, g[i].RTT = "", "", 0, 0
				}
			}
			if diff := cmp.Diff(w, g); diff != "" {
				t.Errorf("events differ from the XML form (-xml +%s):\n%s", file, diff)
			}
		})
	}
}
