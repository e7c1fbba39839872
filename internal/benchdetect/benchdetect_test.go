package benchdetect

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// TestAcceptance runs the shipped manifest over the shared corpus and the
// repository's samples and holds the detection bounds: every tunnel case
// detected for the right client and domain at the required severity and in
// time, no high alert on benign traffic, at most one medium per million
// benign queries.
func TestAcceptance(t *testing.T) {
	data := testutil.SharedData(t, ".")
	entries, err := ParseManifest("manifest.yaml", DefaultManifest)
	if err != nil {
		t.Fatal(err)
	}
	cases := Resolve(entries, Dirs{Data: data, Repo: testutil.RepoRoot()})
	rn := &Runner{Synthesize: SynthesizeBrowsing}
	var results []Result
	for _, c := range cases {
		if testing.Short() && c.Root == RootSynthetic {
			continue
		}
		r := rn.Run(c)
		if r.Err != nil {
			t.Errorf("%s: %v", c.Name, r.Err)
		}
		if !r.Passed() {
			t.Errorf("%s: %s (tunnel queries %d, right alerts %d, other tunnel alerts %d)", c.Name, r.Verdict(), r.TunnelQueries, len(r.Right), len(r.Wrong))
			for _, a := range append(r.Right, r.Wrong...) {
				t.Logf("  %s %s: %s", a.Severity, a.Key, a.Summary)
			}
		}
		results = append(results, r)
	}
	var b bytes.Buffer
	if err := WriteTable(&b, results); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + b.String())
	if tot := Sum(results); !tot.Acceptable() {
		t.Errorf("outside the acceptance bounds: %+v", tot)
	}
}

func TestParseManifest(t *testing.T) {
	tests := []struct {
		name, src string
		want      string // error text, "" for none
	}{
		{name: "shipped", src: string(DefaultManifest)},
		{name: "tunnel without client", src: "- {name: x, root: data, paths: [a.pcap], truth: tunnel, domain: a.com}\n",
			want: "[0].client"},
		{name: "bad root and truth", src: "- {name: x, root: disk, paths: [a], truth: maybe}\n",
			want: "[0].root: must be data, repo or synthetic"},
		{name: "unknown key", src: "- {name: x, root: data, paths: [a], truth: benign, colour: red}\n",
			want: "colour"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseManifest("m.yaml", []byte(tc.src))
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

// TestResolveMissing checks that a case whose files are absent is reported
// with the path looked for and is not run, and that each-file entries
// expand to one case per file.
func TestResolveMissing(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"a.pcap", "b.pcap"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	entries := []Entry{
		{Name: "each {file}", Root: RootData, Paths: []string{"*.pcap"}, Each: true, Truth: TruthBenign},
		{Name: "gone", Root: RootData, Paths: []string{"nothing/*.log"}, Truth: TruthBenign},
	}
	cases := Resolve(entries, Dirs{Data: dir})
	var names []string
	for _, c := range cases {
		names = append(names, c.Name)
	}
	if d := cmp.Diff([]string{"each a", "each b", "gone"}, names); d != "" {
		t.Fatalf("cases (-want +got):\n%s", d)
	}
	r := (&Runner{}).Run(cases[2])
	if r.Err == nil || !strings.Contains(r.Err.Error(), filepath.Join(dir, "nothing")) || r.Verdict() != "not run" {
		t.Fatalf("missing case: err %v, verdict %q", r.Err, r.Verdict())
	}
	if tot := Sum([]Result{r}); tot.NotRun != 1 {
		t.Errorf("totals %+v, want one case not run", tot)
	}
}
