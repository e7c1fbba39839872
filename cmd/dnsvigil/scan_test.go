package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// jsonAlert is the part of an ECS-shaped alert line the tests look at.
type jsonAlert struct {
	Rule struct {
		ID string `json:"id"`
	} `json:"rule"`
	Source struct {
		IP string `json:"ip"`
	} `json:"source"`
	Destination struct {
		IP string `json:"ip"`
	} `json:"destination"`
	Host struct {
		Name string `json:"name"`
	} `json:"host"`
	Dnsvigil struct {
		Evidence map[string]any `json:"evidence"`
	} `json:"dnsvigil"`
}

type scanResult struct {
	code   int
	alerts []jsonAlert
	stdout string
	stderr string
}

// scan runs `dnsvigil scan --format json ARGS...` in-process.
func scan(t *testing.T, args ...string) scanResult {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"scan", "--format", "json", "--progress", "never"}, args...), nil, &out, &errb)
	res := scanResult{code: code, stdout: out.String(), stderr: errb.String()}
	sc := bufio.NewScanner(&out)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var a jsonAlert
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("bad JSON line %q: %v", sc.Text(), err)
		}
		res.alerts = append(res.alerts, a)
	}
	return res
}

// byRule returns the alerts of one rule keyed "client>server".
func (r scanResult) byRule(rule string) map[string]jsonAlert {
	m := map[string]jsonAlert{}
	for _, a := range r.alerts {
		if a.Rule.ID == rule {
			m[a.Source.IP+">"+a.Destination.IP] = a
		}
	}
	return m
}

func evInt(t *testing.T, a jsonAlert, name string) int {
	t.Helper()
	v, ok := a.Dnsvigil.Evidence[name].(float64)
	if !ok {
		t.Fatalf("evidence %s missing or not a number: %v", name, a.Dnsvigil.Evidence)
	}
	return int(v)
}

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "dnsvigil.yaml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// tsharkCount runs tshark with a display filter and counts the frames; it
// skips the check when tshark is not installed.
func tsharkCount(t *testing.T, file, filter string) (int, bool) {
	t.Helper()
	if _, err := exec.LookPath("tshark"); err != nil {
		return 0, false
	}
	out, err := exec.Command("tshark", "-n", "-r", file, "-Y", filter).Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	return bytes.Count(out, []byte("\n")), true
}

// The lab's bypass scenario with the corporate resolver and the domain
// controller approved and private ranges NOT approved wholesale: every
// (client, unapproved server) pair alerts once with the exact count of
// queries tshark sees, the approved resolver never does. Counts come from
// testdata/lab/bypass/EXPECTED.md.
func TestScanLabBypass(t *testing.T) {
	cfg := writeConfig(t, `detectors:
  resolver:
    approved:
      - {cidr: 10.20.1.53, name: corp-resolver}
      - {cidr: 10.20.1.5, name: dc1}
    treat_private_as_approved: false
`)
	res := scan(t, "--config", cfg, filepath.Join(testutil.RepoRoot(), "testdata/lab/bypass/lan.pcap"))
	if res.code != exitAlerts {
		t.Fatalf("exit code %d, want %d; stderr:\n%s", res.code, exitAlerts, res.stderr)
	}
	got := map[string]int{}
	for k, a := range res.byRule("DNSV-RES-001") {
		got[k] = evInt(t, a, "query_count")
	}
	want := map[string]int{
		"10.20.0.23>192.0.2.88":    83 + 4, // UDP 53 (L01) + TCP 53 (L03); DoT is counted as connections
		"10.20.0.10>192.0.2.88":    5,
		"10.20.0.23>198.51.100.2":  1,
		"10.20.0.23>198.51.100.3":  2,
		"10.20.0.23>198.51.100.10": 1,
		"10.20.0.23>198.51.100.20": 1,
		"10.20.0.23>203.0.113.53":  10,
		"10.20.0.23>203.0.113.54":  1,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("resolver alerts (client>server: query_count), -want +got:\n%s", d)
	}
	ws2 := res.byRule("DNSV-RES-001")["10.20.0.23>192.0.2.88"]
	if n := evInt(t, ws2, "connection_count"); n != 4 {
		t.Errorf("ws2 -> 192.0.2.88 DoT connections = %d, want 4", n)
	}
	tr, _ := ws2.Dnsvigil.Evidence["transports"].([]any)
	var trs []string
	for _, x := range tr {
		trs = append(trs, x.(string))
	}
	if d := cmp.Diff([]string{"udp", "tcp", "dot"}, trs); d != "" {
		t.Errorf("ws2 transports -want +got:\n%s", d)
	}
}

// With the defaults (private destinations approved) the same capture still
// reports every external destination and nothing internal.
func TestScanLabBypassDefaults(t *testing.T) {
	res := scan(t, filepath.Join(testutil.RepoRoot(), "testdata/lab/bypass/lan.pcap"))
	for k := range res.byRule("DNSV-RES-001") {
		if strings.Contains(k, ">10.") {
			t.Errorf("alert for an internal destination: %s", k)
		}
	}
	if n := len(res.byRule("DNSV-RES-001")); n != 8 {
		t.Errorf("%d resolver alerts, want 8", n)
	}
}

// iodine straight to its server: one alert for the pair, with the number of
// queries tshark counts.
func TestScanIodineCNAME(t *testing.T) {
	file := testutil.SharedData(t, "graphtunnel-dns-tunnel-datasets/tunnel/iodine-cname.pcap")
	res := scan(t, file)
	a, ok := res.byRule("DNSV-RES-001")["192.168.117.128>198.46.158.57"]
	if !ok {
		t.Fatalf("no resolver alert for 192.168.117.128 -> 198.46.158.57; alerts: %+v\nstderr:\n%s", res.alerts, res.stderr)
	}
	want := 9087 // tshark -r iodine-cname.pcap -Y 'ip.src==192.168.117.128 && ip.dst==198.46.158.57 && dns.flags.response==0' | wc -l
	if n, ok := tsharkCount(t, file, "ip.src==192.168.117.128 && ip.dst==198.46.158.57 && dns.flags.response==0"); ok {
		want = n
	}
	if got := evInt(t, a, "query_count"); got != want {
		t.Errorf("query_count = %d, want %d (tshark)", got, want)
	}
}

// Benign captures (a host and its home router) raise no resolver alert.
func TestScanNormalNoResolverAlert(t *testing.T) {
	dir := testutil.SharedData(t, "graphtunnel-dns-tunnel-datasets/normal/normal")
	res := scan(t, dir)
	if n := len(res.byRule("DNSV-RES-001")); n != 0 {
		t.Errorf("%d resolver alerts on benign traffic: %+v", n, res.byRule("DNSV-RES-001"))
	}
	if got := strings.Count(res.stderr, "dns queries              15000"); got != 6 {
		t.Errorf("summary reports 15000 queries for %d of 6 captures:\n%s", got, res.stderr)
	}
}

// dns2tcp from 172.17.0.3: 4,537 queries in one 5-minute bin.
func TestScanVolumeDNS2TCP(t *testing.T) {
	file := testutil.SharedData(t, "comnet24s-dns-tunnel-pcaps/dns2tcp/learn.netrack.github.com.pcap")
	res := scan(t, file)
	var found bool
	for _, a := range res.alerts {
		if a.Rule.ID != "DNSV-VOL-001" {
			continue
		}
		if a.Source.IP == "172.17.0.3" || a.Host.Name == "172.17.0.3" {
			found = true
			// 4,537 queries (tshark); the capture's records are reordered so
			// that 18 responses come before their queries and are counted as
			// response-only records (volume.count_response_only).
			if n := evInt(t, a, "query_count"); n < 4537 || n > 4537+18 {
				t.Errorf("query_count = %d, want 4537 to 4555", n)
			}
		}
	}
	if !found {
		t.Fatalf("no volume alert for 172.17.0.3; alerts: %+v\nstderr:\n%s", res.alerts, res.stderr)
	}
}

func TestScanExitCodes(t *testing.T) {
	dir := t.TempDir()
	random := filepath.Join(dir, "random.bin")
	data := make([]byte, 64<<10)
	for i := range data {
		data[i] = byte(i*7919>>3) ^ byte(i>>5)
	}
	if err := os.WriteFile(random, data, 0o644); err != nil {
		t.Fatal(err)
	}
	// The corp capture only talks to the private corporate resolver; its
	// benign load is above the volume threshold unless raised.
	lab := filepath.Join(testutil.RepoRoot(), "testdata/lab/corp/lan.pcap")
	quiet := writeConfig(t, "detectors:\n  volume:\n    threshold: 100000\n")
	tests := []struct {
		name string
		args []string
		code int
		errs []string // substrings of stderr
	}{
		{"no alert", []string{"--config", quiet, lab}, exitOK, []string{"summary:", "0 alerts"}},
		{"alerts", []string{lab}, exitAlerts, []string{"DNSV-VOL-001"}},
		{"random binary is an input error", []string{random}, exitError, []string{"random.bin", "unknown input format"}},
		{"missing file", []string{filepath.Join(dir, "nope.pcap")}, exitError, []string{"nope.pcap"}},
		{"bad format flag", []string{"--format", "xml", lab}, exitError, []string{"--format"}},
		{"bad config", []string{"--config", writeConfig(t, "detectors:\n  volume:\n    treshold: 5\n"), lab}, exitError, []string{"dnsvigil.yaml:3:", "treshold"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := scan(t, tc.args...)
			if res.code != tc.code {
				t.Errorf("exit code %d, want %d; stderr:\n%s", res.code, tc.code, res.stderr)
			}
			for _, s := range tc.errs {
				if !strings.Contains(res.stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, res.stderr)
				}
			}
		})
	}
}
