package pcap

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

func decodeFile(t *testing.T, path string, opts input.Options) result {
	t.Helper()
	fh, err := os.Open(path)
	must(t, err)
	defer fh.Close()
	opts.Name = path
	d, err := Open(fh, opts)
	if err != nil {
		t.Fatalf("Open %s: %v", path, err)
	}
	return drain(t, d, path)
}

// tsharkCounts returns, per tshark, how many frames hold a DNS query and how
// many a DNS response, restricted by an optional display filter. It is the
// field form of `tshark -r F -Y 'dns.flags.response==0' | wc -l` (and ==1):
// a frame counts once when any of its DNS messages matches. ok is false when
// tshark is not installed.
func tsharkCounts(t *testing.T, path, filter string) (queries, responses int, ok bool) {
	t.Helper()
	bin, err := exec.LookPath("tshark")
	if err != nil {
		return 0, 0, false
	}
	args := []string{"-r", path, "-T", "fields", "-e", "dns.flags.response"}
	if filter != "" {
		args = append(args, "-Y", filter)
	}
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		t.Fatalf("tshark %v: %v", args, err)
	}
	for line := range strings.Lines(string(out)) {
		vals := strings.Split(strings.TrimSpace(line), ",")
		if slices.Contains(vals, "0") || slices.Contains(vals, "False") {
			queries++
		}
		if slices.Contains(vals, "1") || slices.Contains(vals, "True") {
			responses++
		}
	}
	return queries, responses, true
}

// TestIodineQueryCount compares the queries from the iodine client to its
// tunnel server with tshark's count. Without tshark the value measured with
// `tshark -r iodine-cname.pcap -Y 'dns.flags.response==0 &&
// ip.src==192.168.117.128 && ip.dst==198.46.158.57' | wc -l` (9087) is used.
func TestIodineQueryCount(t *testing.T) {
	path := testutil.SharedData(t, "graphtunnel-dns-tunnel-datasets/tunnel/iodine-cname.pcap")
	want, _, ok := tsharkCounts(t, path, "ip.src==192.168.117.128 && ip.dst==198.46.158.57")
	if !ok {
		want = 9087
	}
	got := decodeFile(t, path, input.Options{})
	n := 0
	for _, v := range got.events {
		if v.Query && strings.HasPrefix(v.Client, "192.168.117.128:") && strings.HasPrefix(v.Server, "198.46.158.57:") {
			n++
		}
	}
	if n != want {
		t.Errorf("queries 192.168.117.128 -> 198.46.158.57 = %d, tshark says %d", n, want)
	}
	if len(got.errs) > 0 {
		t.Errorf("record errors: %v", got.errs)
	}
}

// TestNormalCaptureCounts compares query and response counts per capture
// with tshark. Without tshark the measured values (15000 each, from
// `tshark -r F -Y 'dns.flags.response==0' | wc -l` and ==1) are used.
func TestNormalCaptureCounts(t *testing.T) {
	dir := testutil.SharedData(t, "graphtunnel-dns-tunnel-datasets/normal/normal")
	files, err := filepath.Glob(filepath.Join(dir, "*.pcap"))
	must(t, err)
	if len(files) == 0 {
		t.Fatalf("no captures in %s", dir)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			wantQ, wantR, ok := tsharkCounts(t, path, "")
			if !ok {
				wantQ, wantR = 15000, 15000
			}
			got := decodeFile(t, path, input.Options{})
			q, r := got.tally()
			if q != wantQ || r != wantR {
				t.Errorf("queries/responses = %d/%d, tshark says %d/%d", q, r, wantQ, wantR)
			}
			if len(got.errs) > 0 {
				t.Errorf("record errors: %v", got.errs)
			}
		})
	}
}

// TestCorpora decodes every capture of the Suricata and Zeek DNS test
// suites. None may panic or fail to end; bad records must come back as
// counted RecordErrors.
func TestCorpora(t *testing.T) {
	for _, corpus := range []string{"suricata-verify-dns", "zeek-btest-dns"} {
		root := testutil.SharedData(t, corpus)
		var files []string
		must(t, filepath.WalkDir(root, func(p string, _ os.DirEntry, err error) error {
			if err == nil && (strings.HasSuffix(p, ".pcap") || strings.HasSuffix(p, ".pcapng")) {
				files = append(files, p)
			}
			return err
		}))
		if len(files) < 10 {
			t.Fatalf("%s: found only %d captures", corpus, len(files))
		}
		for _, path := range files {
			rel, _ := filepath.Rel(root, path)
			t.Run(corpus+"/"+rel, func(t *testing.T) {
				fh, err := os.Open(path)
				must(t, err)
				defer fh.Close()
				d, err := Open(fh, input.Options{Name: path})
				if err != nil {
					if !input.IsRecordError(err) {
						t.Fatalf("Open: %v", err)
					}
					t.Logf("not decoded: %v", err)
					return
				}
				got := drain(t, d, path)
				if n := got.counts["packets"]; n == 0 && len(got.errs) == 0 {
					t.Errorf("no packets read and no error reported")
				}
				t.Logf("%d events, %d record errors %v", len(got.events), len(got.errs), got.errs)
			})
		}
	}
}
