package zeek

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// readShared returns the decompressed bytes of a file under the shared data
// folder (skipping the test when the folder is absent).
func readShared(t testing.TB, rel string) []byte {
	t.Helper()
	return readFile(t, testutil.SharedData(t, rel))
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		r = zr
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b
}

// sameStream compares two decodings event by event, ignoring Source. The
// events listed in known must differ (the two files disagree there).
func sameStream(t *testing.T, a, b decoded, known map[int]string) {
	t.Helper()
	if len(a.events) != len(b.events) {
		t.Fatalf("%d events against %d", len(a.events), len(b.events))
	}
	bad := 0
	for i := range a.events {
		diff := cmp.Diff(a.events[i], b.events[i])
		if why, ok := known[i]; ok {
			if diff == "" {
				t.Errorf("event %d should differ: %s", i, why)
			}
			continue
		}
		if diff != "" {
			t.Errorf("event %d (lines %d and %d) differs (-first +second):\n%s", i, a.sources[i].Line, b.sources[i].Line, diff)
			if bad++; bad == 5 {
				t.FailNow()
			}
		}
	}
}

func TestSharedSameEventsFromTSVAndJSON(t *testing.T) {
	tests := []struct {
		name      string
		tsv, json string
		count     int
		known     map[int]string
		check     func(t *testing.T, d decoded)
	}{
		{"wrccdc2018 dns", "zed-sample-data-wrccdc2018/zeek-default/dns.log.gz", "zed-sample-data-wrccdc2018/zeek-json/dns.json.gz", 53615, nil, checkWRCCDC},
		{"rita dns", "rita-test-data/open_conns/open/dns.log", "rita-test-data/json_with_all_fields/dns.log", 34, map[int]string{
			31: "the files disagree on this record's rcode: 5 in the TSV, 1 in the JSON (both named NOERROR)",
		}, nil},
		{"rita conn", "rita-test-data/open_conns/open/conn.log", "rita-test-data/json_with_all_fields/conn.log", 29, nil, nil},
		{"rita open_conn", "rita-test-data/open_conns/open/open_conn.log", "rita-test-data/json_with_all_fields/open_conn.log", 59, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tb, jb := readShared(t, tc.tsv), readShared(t, tc.json)
			if !Sniff(tb[:min(len(tb), 4096)]) || !Sniff(jb[:min(len(jb), 4096)]) {
				t.Errorf("Sniff rejects a file")
			}
			tsv := decodeAll(t, bytes.NewReader(tb), opts(tc.tsv))
			js := decodeAll(t, bytes.NewReader(jb), opts(tc.json))
			for _, d := range []decoded{tsv, js} {
				if len(d.errs) > 0 {
					t.Errorf("%d record errors, first: %v", len(d.errs), d.errList[0])
				}
				if len(d.events) != tc.count {
					t.Errorf("%d events, want %d", len(d.events), tc.count)
				}
			}
			sameStream(t, tsv, js, tc.known)
			if tc.check != nil {
				tc.check(t, tsv)
			}
		})
	}
}

// checkWRCCDC compares the decoded wrccdc2018 dns.log with counts taken
// from the TSV file by awk: queries to the main resolver, rows without an
// rcode, rows with a response only, and the root NS query at line 7290.
func checkWRCCDC(t *testing.T, d decoded) {
	var toResolver, noResponse, responseOnly int
	for _, ev := range d.events {
		if strings.HasPrefix(ev.Server, "10.0.0.100:") {
			toResolver++
		}
		if !ev.DNS.HasResponse {
			noResponse++
		}
		if !ev.DNS.HasQuery {
			responseOnly++
		}
	}
	got := []int{toResolver, noResponse, responseOnly}
	if diff := cmp.Diff([]int{33952, 9497, 9}, got); diff != "" {
		t.Errorf("resolver, unanswered, response-only counts (-want +got):\n%s", diff)
	}
	for i, src := range d.sources {
		if src.Line != 7290 {
			continue
		}
		want := view{
			Kind: "dns", Time: "2018-03-24T17:18:14.801298Z", Client: "10.47.3.142:1046", Server: "192.112.36.4:53", Transport: "udp",
			DNS: &dnsView{ID: 11277, RCode: 0xFFFF, QName: ".", QType: 2, QClass: 1, HasQuery: true},
		}
		if diff := cmp.Diff(want, d.events[i]); diff != "" {
			t.Errorf("line 7290 (-want +got):\n%s", diff)
		}
		return
	}
	t.Errorf("no event from line 7290")
}

func TestSharedRITA(t *testing.T) {
	dir := testutil.SharedData(t, "rita-test-data")
	tests := []struct {
		name  string
		glob  string
		kind  string
		count int
	}{
		{"proxy dns", "proxy/dns.log", "dns", 942},
		{"proxy conn", "proxy/conn.log", "conn", 463},
		{"closed conn", "open_conns/closed/conn.log", "conn", 59},
		{"rolling dns", "proxy_rolling/dns.*.log.gz", "dns", 20 + 3189},
		{"rolling conn", "proxy_rolling/conn.*.log.gz", "conn", 290 + 7260},
		{"missing_host dns, 24 hourly files", "missing_host/2024-04-19/dns.*.log.gz", "dns", 1833},
		{"missing_host conn, 24 hourly files", "missing_host/2024-04-19/conn.*.log.gz", "conn", 31367},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files, err := filepath.Glob(filepath.Join(dir, tc.glob))
			if err != nil || len(files) == 0 {
				t.Fatalf("no files for %s: %v", tc.glob, err)
			}
			n := 0
			for _, f := range files {
				got := decodeAll(t, bytes.NewReader(readFile(t, f)), opts(f))
				if len(got.errs) > 0 {
					t.Errorf("%s: %d record errors, first: %v", f, len(got.errs), got.errList[0])
				}
				for _, ev := range got.events {
					if ev.Kind != tc.kind {
						t.Fatalf("%s: %s event, want %s", f, ev.Kind, tc.kind)
					}
				}
				n += len(got.events)
			}
			if n != tc.count {
				t.Errorf("%d events, want %d", n, tc.count)
			}
		})
	}
}

func TestSharedOTRF(t *testing.T) {
	dir := testutil.SharedData(t, "otrf-security-datasets/compound")
	// Record counts from SOURCES.md.
	json := map[string]int{
		"apt29/day1/zeek/individual_zeek_logs/NASHUA_conn.log":          479,
		"apt29/day1/zeek/individual_zeek_logs/NASHUA_dns.log":           21,
		"apt29/day1/zeek/individual_zeek_logs/SCRANTON_conn.log":        134,
		"apt29/day1/zeek/individual_zeek_logs/SCRANTON_dns.log":         32,
		"apt29/day2/zeek/individual_zeek_logs/NEWYORK_conn.log":         314,
		"apt29/day2/zeek/individual_zeek_logs/NEWYORK_dns.log":          153,
		"apt29/day2/zeek/individual_zeek_logs/UTICA-A_dns.log":          58,
		"apt29/day2/zeek/individual_zeek_logs/UTICA-C_dns.log":          1,
		"apt29/day2/zeek/individual_zeek_logs/UTICA-ONE-DRIVE_conn.log": 64,
	}
	zips := map[string][2]int{ // dns, conn
		"LSASS_campaign_01/metasploit_logonpasswords_lsass_memory_dump_zeek_logs.zip": {96, 112},
		"LSASS_campaign_05/metasploit_sharpdump_lsass_memory_dump_zeek_logs.zip":      {2872, 895},
		"LSASS_campaign_07/metasploit_nanodump_lsass_memory_dump_zeek_logs.zip":       {1523, 566},
	}
	check := func(t *testing.T, name string, b []byte, want int) {
		t.Helper()
		if !Sniff(b[:min(len(b), 4096)]) {
			t.Errorf("%s: Sniff rejects it", name)
		}
		got := decodeAll(t, bytes.NewReader(b), opts(name))
		if len(got.errs) > 0 {
			t.Errorf("%s: %d record errors, first: %v", name, len(got.errs), got.errList[0])
		}
		if len(got.events) != want {
			t.Errorf("%s: %d events, want %d", name, len(got.events), want)
		}
		kind := "dns"
		if strings.HasSuffix(name, "conn.log") {
			kind = "conn"
		}
		for _, ev := range got.events {
			if ev.Kind != kind || ev.Client == "" || ev.Server == "" {
				t.Fatalf("%s: incomplete event %+v", name, ev)
			}
		}
	}
	for _, rel := range sortedKeys(json) {
		t.Run(filepath.Base(rel), func(t *testing.T) {
			check(t, rel, readFile(t, filepath.Join(dir, rel)), json[rel])
		})
	}
	for _, rel := range sortedKeys(zips) {
		t.Run(filepath.Base(filepath.Dir(rel)), func(t *testing.T) {
			zr, err := zip.OpenReader(filepath.Join(dir, rel))
			if err != nil {
				t.Fatal(err)
			}
			defer zr.Close()
			for i, name := range []string{"dns.log", "conn.log"} {
				f, err := zr.Open(name)
				if err != nil {
					t.Fatal(err)
				}
				b, err := io.ReadAll(f)
				f.Close()
				if err != nil {
					t.Fatal(err)
				}
				check(t, rel+"/"+name, b, zips[rel][i])
			}
		})
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestSharedZeekBaselines decodes the dns.log files Zeek's own test suite
// expects. Their timestamps are masked as XXXXXXXXXX.XXXXXX, which the
// decoder must reject line by line; with a time put back every record must
// decode.
func TestSharedZeekBaselines(t *testing.T) {
	dir := testutil.SharedData(t, "zeek-btest-dns/baselines")
	counts := map[string]int{ // from SOURCES.md
		"binds": 1, "dns-key": 1, "dnskey": 1, "ds": 1, "duplicate-reponses": 2, "dynamic-update": 2,
		"flip": 1, "loc": 1, "mdns-no-assoc": 6, "multiple-txt-strings": 1, "notify": 3, "nsec": 2,
		"nsec3": 1, "nsec3param": 1, "rrsig": 4, "spf": 1, "sshfp": 2, "tkey": 1, "wks": 1,
		"zero-responses": 1, "original_case": 1,
	}
	files, err := filepath.Glob(filepath.Join(dir, "*", "dns.log"))
	if err != nil || len(files) != len(counts) {
		t.Fatalf("found %d baseline dns.log files, want %d (%v)", len(files), len(counts), err)
	}
	for _, f := range files {
		test := filepath.Base(filepath.Dir(f))
		test = test[strings.LastIndex(test, ".")+1:]
		t.Run(test, func(t *testing.T) {
			b := readFile(t, f)
			if !Sniff(b) {
				t.Errorf("Sniff rejects it")
			}
			masked := decodeAll(t, bytes.NewReader(b), opts(f))
			if len(masked.events) != 0 || len(masked.errs) != counts[test] {
				t.Errorf("masked times: %d events and %d errors, want 0 and %d", len(masked.events), len(masked.errs), counts[test])
			}
			for _, e := range masked.errs {
				if e.Reason != "bad timestamp" {
					t.Errorf("line %d: %s, want bad timestamp", e.Line, e.Reason)
				}
			}
			fixed := bytes.ReplaceAll(b, []byte("XXXXXXXXXX.XXXXXX"), []byte("1600000000.000000"))
			got := decodeAll(t, bytes.NewReader(fixed), opts(f))
			if len(got.errs) > 0 {
				t.Errorf("%d record errors, first: %v", len(got.errs), got.errList[0])
			}
			if len(got.events) != counts[test] {
				t.Errorf("%d events, want %d", len(got.events), counts[test])
			}
		})
	}
	// The conn.log baselines are zeek-cut output (selected columns, no
	// header block), not Zeek logs.
	conns, _ := filepath.Glob(filepath.Join(dir, "*", "conn.log"))
	for _, f := range conns {
		if Sniff(readFile(t, f)) {
			t.Errorf("%s: Sniff accepts zeek-cut output", f)
		}
	}
}
