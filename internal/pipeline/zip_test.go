package pipeline

import (
	"archive/zip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/detect"
	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/input/zeek"
	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// A zip archive is read member by member: Zeek logs inside it decode, a
// member of another format is skipped and counted, and the members keep
// their archive!member names in the summary.
func TestZipMembers(t *testing.T) {
	dnsLog, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), "internal/input/zeek/testdata/dns.log"))
	if err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(t.TempDir(), "logs.zip")
	f, err := os.Create(archive)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, data := range map[string][]byte{"day1/dns.log": dnsLog, "README.txt": []byte("not a log\n")} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	paths, err := Expand([]string{archive})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 2 {
		t.Fatalf("expanded to %v, want the two members", paths)
	}
	oc := &orderCheck{kinds: map[event.Kind]int{}}
	r := &Run{Opener: &Opener{Formats: []input.Format{zeek.Format()}, Options: input.DefaultOptions()}, Detectors: []detect.Detector{oc}, Sink: nopSink{}}
	if err := r.Execute(paths); err != nil {
		t.Fatal(err)
	}
	if oc.n == 0 || r.FilesFailed != 0 {
		t.Fatalf("%d events, %d failed inputs: %v", oc.n, r.FilesFailed, r.Summary.InputErrors)
	}
	var names []string
	for _, in := range r.Summary.Inputs {
		names = append(names, strings.TrimPrefix(in.Name, filepath.Dir(archive)+string(filepath.Separator)))
	}
	if d := cmp.Diff([]string{"logs.zip!day1/dns.log"}, names); d != "" {
		t.Errorf("inputs (-want +got):\n%s", d)
	}
	if n := r.Summary.Counters["pipeline: files in walked folders not recognised, skipped"]; n != 1 {
		t.Errorf("%d members skipped, want 1 (README.txt)", n)
	}
}
