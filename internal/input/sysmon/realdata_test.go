package sysmon

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// kindCounts tallies decoded events by kind and the skipped records.
type kindCounts struct {
	DNS, Conn, Registry, Process, OtherEID, OtherChannel int64
}

func tally(t *testing.T, d input.Decoder) (kindCounts, decoded) {
	t.Helper()
	got := decodeAll(t, d)
	var k kindCounts
	for _, ev := range got.events {
		switch ev.Kind {
		case event.KindDNS:
			k.DNS++
		case event.KindConn:
			k.Conn++
		case event.KindRegistry:
			k.Registry++
		case event.KindProcess:
			k.Process++
		}
	}
	c := d.(input.Counter).Counts()
	k.OtherEID, k.OtherChannel = countOf(c, "other event ids skipped"), countOf(c, "other channels skipped")
	return k, got
}

// TestSharedEVTX decodes every EVTX-ATTACK-SAMPLES file. The per-ID counts
// were measured by walking every record of each file with the Velocidex
// parser directly (evtx.GetChunks, Chunk.Parse, System/EventID). Each file
// holds the IDs its name lists, and some hold more (the name lists the IDs
// that show the technique).
func TestSharedEVTX(t *testing.T) {
	tests := []struct {
		file string
		ids  map[int]int64
	}{
		{"DE_UAC_Disabled_Sysmon_12_13.evtx", map[int]int64{1: 1, 12: 1, 13: 1}},
		{"LM_sysmon_1_12_13_3_tsclient_SharpRdp.evtx", map[int]int64{1: 2, 3: 1, 12: 4, 13: 2}},
		{"de_portforward_netsh_rdp_sysmon_13_1.evtx", map[int]int64{1: 2, 13: 1}},
		{"evasion_persis_hidden_run_keyvalue_sysmon_13.evtx", map[int]int64{13: 1}},
		{"exec_wmic_xsl_internet_sysmon_3_1_11.evtx", map[int]int64{1: 3, 3: 2, 7: 1, 11: 1, 13: 1}},
		{"lm_remote_registry_sysmon_1_13_3.evtx", map[int]int64{1: 1, 3: 1, 12: 1, 13: 1}},
		{"powercat_revShell_sysmon_1_3.evtx", map[int]int64{1: 5, 3: 1, 10: 3}},
		{"sysmon_3_10_Invoke-Mimikatz_hosted_Github.evtx", map[int]int64{3: 1, 10: 1}},
		{"tunna_iis_rdp_smb_tunneling_sysmon_3.evtx", map[int]int64{3: 12}},
	}
	dir := testutil.SharedData(t, "evtx-attack-samples")
	files, _ := filepath.Glob(filepath.Join(dir, "*.evtx"))
	if len(files) != len(tests) {
		t.Errorf("%d evtx files in %s, the table has %d", len(files), dir, len(tests))
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if !SniffEVTX(b[:4096]) {
				t.Error("not sniffed as evtx")
			}
			for _, id := range idsInName(tc.file) {
				if tc.ids[id] == 0 {
					t.Errorf("file name lists event id %d, the table has none", id)
				}
			}
			d, err := OpenEVTX(bytes.NewReader(b), opts(tc.file))
			if err != nil {
				t.Fatal(err)
			}
			got, dec := tally(t, d)
			if len(dec.errs) > 0 {
				t.Errorf("record errors: %v", dec.errs)
			}
			ids := tc.ids
			want := kindCounts{DNS: ids[22], Conn: ids[3], Registry: ids[12] + ids[13] + ids[14], Process: ids[1]}
			for id, n := range ids {
				switch id {
				case 1, 3, 12, 13, 14, 22:
				default:
					want.OtherEID += n
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
			for _, ev := range dec.events {
				if ev.Time.IsZero() || ev.Host.Name == "" || ev.Process.Image == "" {
					t.Errorf("incomplete event: %+v", ev)
				}
			}
		})
	}
}

// idsInName returns the Sysmon event IDs listed after "sysmon_" in a file
// name ("x_sysmon_1_13_3.evtx" gives 1, 13, 3).
func idsInName(name string) []int {
	low := bytes.ToLower([]byte(name))
	i := bytes.Index(low, []byte("sysmon_"))
	if i < 0 {
		return nil
	}
	var ids []int
	for _, p := range bytes.Split(low[i+len("sysmon_"):], []byte{'_'}) {
		p = bytes.TrimSuffix(p, []byte(".evtx"))
		n := atoiOr(p, -1)
		if n < 0 {
			break
		}
		ids = append(ids, n)
	}
	return ids
}

// TestSharedOTRF decodes the Sysmon JSON lines inside OTRF Security-Datasets
// zips. The EID 22/3/12/13 counts are those listed in SOURCES.md; the test
// recounts every ID with encoding/json and checks the decoder against that.
func TestSharedOTRF(t *testing.T) {
	tests := []struct {
		zip  string
		want map[int]int64 // from SOURCES.md
	}{
		{"atomic/windows/defense_evasion/host/psh_cmstp_execution_bypassuac.zip", map[int]int64{22: 205, 3: 2, 12: 51, 13: 39}},
		{"atomic/windows/lateral_movement/host/covenant_dcom_iertutil_dll_hijack.zip", map[int]int64{22: 50, 3: 184, 12: 9208, 13: 7311}},
		{"atomic/windows/persistence/host/empire_persistence_registry_modification_run_keys_standard_user.zip", map[int]int64{22: 8, 3: 237, 12: 7839, 13: 5376}},
		{"compound/LSASS_campaign_05/metasploit_sharpdump_lsass_memory_dump.zip", map[int]int64{22: 441, 3: 889, 12: 2390, 13: 1669}},
	}
	for _, tc := range tests {
		t.Run(filepath.Base(tc.zip), func(t *testing.T) {
			b := readZipJSON(t, testutil.SharedData(t, "otrf-security-datasets/"+tc.zip))
			if !SniffJSON(b[:min(len(b), 4096)]) {
				t.Error("not sniffed as sysmon json")
			}
			ids, other := recount(t, b)
			for id, n := range tc.want {
				if ids[id] != n {
					t.Errorf("eid %d: %d lines, SOURCES.md says %d", id, ids[id], n)
				}
			}
			d := NewJSON(bytes.NewReader(b), opts(tc.zip))
			got, dec := tally(t, d)
			if len(dec.errs) > 0 {
				t.Errorf("%d record errors, first %v", len(dec.errs), dec.errs[0])
			}
			want := kindCounts{DNS: ids[22], Conn: ids[3], Registry: ids[12] + ids[13] + ids[14], Process: ids[1], OtherChannel: other}
			for id, n := range ids {
				switch id {
				case 1, 3, 12, 13, 14, 22:
				default:
					want.OtherEID += n
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
		})
	}
}

// recount counts the Sysmon lines of b by EventID, and the lines of other
// channels, with encoding/json.
func recount(t *testing.T, b []byte) (map[int]int64, int64) {
	ids := map[int]int64{}
	var other int64
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var v struct {
			EventID json.Number
			Channel string
		}
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("encoding/json: %v", err)
		}
		if v.Channel != sysmonChannel {
			other++
			continue
		}
		id, err := v.EventID.Int64()
		if err != nil {
			t.Fatalf("EventID %q: %v", v.EventID, err)
		}
		ids[int(id)]++
	}
	return ids, other
}

// readZipJSON returns the content of the one JSON file inside a zip.
func readZipJSON(t testing.TB, path string) []byte {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if filepath.Ext(f.Name) != ".json" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	t.Fatalf("%s holds no .json file", path)
	return nil
}

func TestSharedEVTXTruncated(t *testing.T) {
	b, err := os.ReadFile(testutil.SharedData(t, "evtx-attack-samples/LM_sysmon_1_12_13_3_tsclient_SharpRdp.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		size    int
		wantErr bool // OpenEVTX fails
		reasons []string
	}{
		{"header only", 4096, false, nil},
		{"cut inside the chunk", 4096 + 30000, false, []string{"bad evtx chunk"}},
		{"cut inside the header", 100, true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := OpenEVTX(bytes.NewReader(b[:tc.size]), opts("cut.evtx"))
			if (err != nil) != tc.wantErr {
				t.Fatalf("OpenEVTX: %v", err)
			}
			if err != nil {
				return
			}
			got := decodeAll(t, d)
			var reasons []string
			for _, e := range got.errs {
				if e.File != "cut.evtx" || e.Offset != 4096 {
					t.Errorf("error location: %v", e)
				}
				reasons = append(reasons, e.Reason)
			}
			if diff := cmp.Diff(tc.reasons, reasons); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
