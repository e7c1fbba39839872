package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// defenderFixtures returns the Defender export fixtures of one format.
func defenderFixtures(t *testing.T, ext string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(testutil.RepoRoot(), "internal/input/defender/testdata", "*."+ext))
	if err != nil || len(files) == 0 {
		t.Fatalf("no %s fixtures: %v", ext, err)
	}
	return files
}

// alertLines scans files and returns the JSON alert lines with the fields
// that depend on the input's name removed, sorted.
func alertLines(t *testing.T, files []string) []string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(append([]string{"scan", "--format", "json"}, files...), nil, &out, &errb); code != exitAlerts {
		t.Fatalf("exit %d; stderr:\n%s", code, errb.String())
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(m)
		lines = append(lines, string(b))
	}
	sort.Strings(lines)
	return lines
}

// The same Defender rows exported as CSV and as JSON give identical alerts.
func TestDefenderCSVAndJSONGiveIdenticalAlerts(t *testing.T) {
	csv := alertLines(t, defenderFixtures(t, "csv"))
	js := alertLines(t, append(defenderFixtures(t, "json"), defenderFixtures(t, "jsonl")...))
	if d := cmp.Diff(csv, js); d != "" {
		t.Errorf("alerts differ (-csv +json):\n%s", d)
	}
	if len(csv) < 3 {
		t.Errorf("%d alerts, want the registry change, the traffic after it and the resolver pairs", len(csv))
	}
}

// A process sets the resolver to an external address and the host then
// resolves through it: one high-severity incident that names the process
// and says the change was followed by traffic.
func TestConfigChangeThenTrafficIncident(t *testing.T) {
	var out, errb bytes.Buffer
	args := append([]string{"scan", "--incidents", "--format", "json"}, defenderFixtures(t, "csv")...)
	if code := run(args, nil, &out, &errb); code != exitAlerts {
		t.Fatalf("exit %d; stderr:\n%s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d incidents, want 1:\n%s", len(lines), out.String())
	}
	var inc struct {
		Dnsvigil struct {
			Incident struct {
				Severity  string   `json:"severity"`
				Summary   string   `json:"summary"`
				Processes []string `json:"processes"`
			} `json:"incident"`
		} `json:"dnsvigil"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &inc); err != nil {
		t.Fatal(err)
	}
	i := inc.Dnsvigil.Incident
	if i.Severity != "high" && i.Severity != "critical" {
		t.Errorf("severity %q, want high or critical", i.Severity)
	}
	text := inc.Message + " " + i.Summary
	if !strings.Contains(text, "netsh.exe") || !strings.Contains(text, "DNS traffic to it followed") {
		t.Errorf("incident does not name the process and the traffic after the change: %s", text)
	}
}

// The OTRF benign background (Sysmon JSON and Zeek logs in zips) raises no
// high-severity alert: the domain controller's DNS service recursing to the
// Internet is resolver work, not a bypass.
func TestOTRFBenignNoHighSeverity(t *testing.T) {
	dir := testutil.SharedData(t, "otrf-security-datasets")
	var out, errb bytes.Buffer
	code := run([]string{"scan", "--format", "json", dir}, nil, &out, &errb)
	if code == exitError {
		t.Fatalf("exit %d; stderr:\n%s", code, errb.String())
	}
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if l == "" {
			continue
		}
		var a struct {
			Message  string `json:"message"`
			Dnsvigil struct {
				Severity string `json:"severity"`
			} `json:"dnsvigil"`
		}
		if err := json.Unmarshal([]byte(l), &a); err != nil {
			t.Fatal(err)
		}
		if a.Dnsvigil.Severity == "high" || a.Dnsvigil.Severity == "critical" {
			t.Errorf("%s alert on benign data: %s", a.Dnsvigil.Severity, a.Message)
		}
	}
	if !strings.Contains(errb.String(), "(sysmon-json)") {
		t.Errorf("no Sysmon JSON input was read:\n%s", errb.String())
	}
}

// The EVTX attack samples hold registry events of other techniques (UAC,
// run keys, port forwarding): they decode and raise no configchange alert.
func TestEVTXSamplesRaiseNoConfigChange(t *testing.T) {
	dir := testutil.SharedData(t, "evtx-attack-samples")
	var out, errb bytes.Buffer
	code := run([]string{"scan", "--format", "json", dir}, nil, &out, &errb)
	if code == exitError {
		t.Fatalf("exit %d; stderr:\n%s", code, errb.String())
	}
	if strings.Contains(out.String(), `"DNSV-CFG-`) {
		t.Errorf("configchange alert on unrelated registry events:\n%s", out.String())
	}
	if n := strings.Count(errb.String(), "(sysmon-evtx)"); n != 9 {
		t.Errorf("%d EVTX inputs read, want 9:\n%s", n, errb.String())
	}
	if !strings.Contains(errb.String(), "registry") {
		t.Errorf("no registry events decoded:\n%s", errb.String())
	}
}

// The seed's Signals 1 and 2 and every false positive it lists, as a
// Defender DeviceNetworkEvents export: only the true positives alert, and
// they name device, process and account (testdata/endpoint/seed-cases).
func TestSeedCases(t *testing.T) {
	dir := filepath.Join(testutil.RepoRoot(), "testdata/endpoint/seed-cases")
	var out, errb bytes.Buffer
	code := run([]string{"scan", "--format", "json", "--config", filepath.Join(dir, "dnsvigil.yaml"),
		filepath.Join(dir, "DeviceNetworkEvents.csv")}, nil, &out, &errb)
	if code != exitAlerts {
		t.Fatalf("exit %d; stderr:\n%s", code, errb.String())
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var a struct {
			Rule        struct{ ID string }               `json:"rule"`
			Host        struct{ Name string }             `json:"host"`
			Process     struct{ Name string }             `json:"process"`
			User        struct{ Name string }             `json:"user"`
			Destination struct{ IP string }               `json:"destination"`
			Dnsvigil    struct{ Evidence map[string]any } `json:"dnsvigil"`
		}
		if err := json.Unmarshal([]byte(l), &a); err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.Join([]string{a.Rule.ID, a.Host.Name, a.Process.Name, a.User.Name, a.Destination.IP}, " "))
		if a.Rule.ID == "DNSV-VOL-001" && a.Dnsvigil.Evidence["query_count"] != float64(201) {
			t.Errorf("volume count %v, want 201", a.Dnsvigil.Evidence["query_count"])
		}
	}
	sort.Strings(got)
	want := []string{
		`DNSV-RES-001 ws-101.contoso.local updater.exe nt authority\system 198.51.100.77`,
		`DNSV-RES-001 ws-108.contoso.local nessusd.exe contoso\eve 203.0.113.201`,
		`DNSV-VOL-001 ws-102.contoso.local tunnel.exe contoso\bob `,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("alerts (rule host process user destination), -want +got:\n%s", d)
	}
}

// A dropper resets the resolver and the host then resolves through it, as
// Sysmon logs it (wevtutil XML and Winlogbeat JSON lines): the two forms give
// identical alerts, and the incident is high severity, names the process and
// says the change was followed by traffic (testdata/endpoint/sysmon-tamper).
func TestSysmonTamperIncident(t *testing.T) {
	dir := filepath.Join(testutil.RepoRoot(), "testdata/endpoint/sysmon-tamper")
	xml := alertLines(t, []string{filepath.Join(dir, "Microsoft-Windows-Sysmon-Operational.xml")})
	js := alertLines(t, []string{filepath.Join(dir, "winlogbeat-sysmon.jsonl")})
	if d := cmp.Diff(xml, js); d != "" {
		t.Errorf("XML and JSON alerts differ (-xml +json):\n%s", d)
	}
	var rules []string
	for _, l := range xml {
		var a struct {
			Rule struct{ ID string } `json:"rule"`
		}
		if err := json.Unmarshal([]byte(l), &a); err != nil {
			t.Fatal(err)
		}
		rules = append(rules, a.Rule.ID)
	}
	sort.Strings(rules)
	if d := cmp.Diff([]string{"DNSV-CFG-001", "DNSV-CFG-001", "DNSV-CFG-003", "DNSV-RES-001"}, rules); d != "" {
		t.Errorf("rules (-want +got):\n%s", d)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"scan", "--incidents", "--format", "json", dir}, nil, &out, &errb); code != exitAlerts {
		t.Fatalf("exit %d; stderr:\n%s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d incidents, want 1 (both files describe one host):\n%s", len(lines), out.String())
	}
	var inc struct {
		Message  string `json:"message"`
		Dnsvigil struct {
			Incident struct {
				Severity string `json:"severity"`
			} `json:"incident"`
		} `json:"dnsvigil"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &inc); err != nil {
		t.Fatal(err)
	}
	if s := inc.Dnsvigil.Incident.Severity; s != "high" && s != "critical" {
		t.Errorf("incident severity %q, want high or critical", s)
	}
	for _, want := range []string{"svcupd.exe", "203.0.113.99", "DNS traffic to it followed"} {
		if !strings.Contains(inc.Message, want) {
			t.Errorf("incident summary lacks %q: %s", want, inc.Message)
		}
	}
}

// A dnsmasq query log (log-queries) is recognised from its content and
// decoded: the iodine tunnel through dnsmasq in the korving sample.
func TestScanDnsmasqLog(t *testing.T) {
	file := testutil.SharedData(t, "korving-iodine-dnsmasq/dnsmasq.log")
	var out, errb bytes.Buffer
	if code := run([]string{"scan", "--format", "json", file}, nil, &out, &errb); code == exitError {
		t.Fatalf("exit %d; stderr:\n%s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "(dnsmasq): 21 events, 0 records skipped") {
		t.Errorf("the log was not read as dnsmasq with its 21 queries:\n%s", errb.String())
	}
}
