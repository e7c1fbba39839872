package windns

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/input/sysmon"
)

// head returns the first 4 KiB of a file, what the pipeline sniffs.
func head(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b[:min(len(b), 4096)]
}

// accepting lists the formats whose sniff accepts b, in order.
func accepting(formats []input.Format, b []byte) []string {
	var out []string
	for _, f := range formats {
		if f.Sniff(b) {
			out = append(out, f.Name)
		}
	}
	return out
}

// TestSniffOwnSamples checks that each sample is recognised by its own
// format and by no other of this package.
func TestSniffOwnSamples(t *testing.T) {
	for _, s := range samples {
		t.Run(s.file, func(t *testing.T) {
			got := accepting(Formats(), head(t, filepath.Join("testdata", s.file)))
			if diff := cmp.Diff([]string{s.format}, got); diff != "" {
				t.Errorf("formats accepting %s (-want +got):\n%s", s.file, diff)
			}
		})
	}
}

// TestSniffLeavesOthers runs this package's sniffs on the samples of the
// other text and event formats: Sysmon (XML and both JSON shapes), resolver
// query logs, Zeek, Defender. None may be taken for a Windows DNS log.
func TestSniffLeavesOthers(t *testing.T) {
	files := []string{
		"../sysmon/testdata/events.xml",
		"../sysmon/testdata/events_flat.jsonl",
		"../sysmon/testdata/events_winlogbeat.jsonl",
		"../querylog/testdata/resolverlogs/bind-auth-queries.log",
		"../querylog/testdata/resolverlogs/unbound-iodine.log",
		"../zeek/testdata/dns.log",
		"../zeek/testdata/dns.json",
		"../zeek/testdata/conn.json",
		"../defender/testdata/dns.csv",
		"../defender/testdata/dns.jsonl",
		"../defender/testdata/network.json",
		"../../../testdata/lab/bypass/unbound.log",
	}
	for _, f := range files {
		t.Run(filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f), func(t *testing.T) {
			if got := accepting(Formats(), head(t, f)); len(got) > 0 {
				t.Errorf("%s is taken for %v", f, got)
			}
		})
	}
}

// TestSysmonSniffsOnSamples runs Sysmon's sniffs on this package's samples:
// they refuse input that names the DNS Server provider and no Sysmon event,
// so no sample is taken by Sysmon whatever the order, and with the Windows
// DNS formats first every sample goes to its own format.
func TestSysmonSniffsOnSamples(t *testing.T) {
	overlap := map[string][]string{}
	ordered := slices.Concat(Formats(), sysmon.Formats())
	for _, s := range samples {
		t.Run(s.file, func(t *testing.T) {
			b := head(t, filepath.Join("testdata", s.file))
			if diff := cmp.Diff(overlap[s.file], accepting(sysmon.Formats(), b)); diff != "" {
				t.Errorf("sysmon formats accepting %s (-want +got):\n%s", s.file, diff)
			}
			if got := accepting(ordered, b); len(got) == 0 || got[0] != s.format {
				t.Errorf("with windns first, %s goes to %v, want %s", s.file, got, s.format)
			}
		})
	}
}
