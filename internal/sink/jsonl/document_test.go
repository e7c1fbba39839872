package jsonl

import (
	"errors"
	"math"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/alert"
)

func TestThreat(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want ecsThreat
	}{
		{"none", "", ecsThreat{}},
		{"one known", "T1583.002", ecsThreat{frameworkATTACK, ecsTechnique{
			ID: []string{"T1583.002"}, Name: []string{"Acquire Infrastructure: DNS Server"}}}},
		{"two known", "T1583.002, T1071.004", ecsThreat{frameworkATTACK, ecsTechnique{
			ID:   []string{"T1583.002", "T1071.004"},
			Name: []string{"Acquire Infrastructure: DNS Server", "Application Layer Protocol: DNS"}}}},
		{"one unknown drops names", "T1583.002,T9999", ecsThreat{frameworkATTACK, ecsTechnique{
			ID: []string{"T1583.002", "T9999"}}}},
		{"empty parts", " , ", ecsThreat{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, threat(tc.in)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestProcess(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want ecsProcess
	}{
		{"empty", "", ecsProcess{}},
		{"bare name", "dig", ecsProcess{Name: "dig"}},
		{"unix path", "/usr/bin/dig", ecsProcess{Name: "dig", Executable: "/usr/bin/dig"}},
		{"windows path", `C:\Windows\System32\nslookup.exe`, ecsProcess{Name: "nslookup.exe", Executable: `C:\Windows\System32\nslookup.exe`}},
		{"invalid utf-8", "/tmp/\xff", ecsProcess{Name: `\xff`, Executable: `/tmp/\xff`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, process(tc.in)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNetwork(t *testing.T) {
	tests := []struct {
		name      string
		transport string
		query     bool
		want      ecsNetwork
	}{
		{"unknown", "", true, ecsNetwork{}},
		{"udp query", "udp", true, ecsNetwork{"udp", "dns"}},
		{"tcp connection", "tcp", false, ecsNetwork{Transport: "tcp"}},
		{"dot", "dot", false, ecsNetwork{"tcp", "dot"}},
		{"doh", "doh", true, ecsNetwork{Protocol: "doh"}},
		{"doq", "doq", false, ecsNetwork{"udp", "doq"}},
		{"other", "sctp", false, ecsNetwork{Transport: "sctp"}},
		{"several", "udp,tcp,dot", true, ecsNetwork{[]string{"udp", "tcp"}, []string{"dns", "dot"}}},
		{"several, one layer 4", "tcp,dot", false, ecsNetwork{"tcp", "dot"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, network(tc.transport, tc.query)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEvidence(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 4, 4, 5, 6, time.FixedZone("x", 3600))
	tests := []struct {
		name string
		ev   evidence
		want string
	}{
		{"empty", nil, `{}`},
		{"order kept", evidence{{Name: "z", Value: 1}, {Name: "a", Value: 2}}, `{"z":1,"a":2}`},
		{"duplicate keeps first", evidence{{Name: "n", Value: 1}, {Name: "n", Value: 2}}, `{"n":1}`},
		{"time and duration", evidence{{Name: "t", Value: t0}, {Name: "zero", Value: time.Time{}}, {Name: "d", Value: 90 * time.Second}},
			`{"t":"2026-01-02T03:04:05.000000006Z","zero":null,"d":"1m30s"}`},
		{"floats", evidence{{Name: "f", Value: 0.5}, {Name: "nan", Value: math.NaN()}, {Name: "inf", Value: math.Inf(-1)}},
			`{"f":0.5,"nan":"NaN","inf":"-Inf"}`},
		{"addresses", evidence{{Name: "a", Value: []netip.Addr{netip.MustParseAddr("10.0.0.1")}}, {Name: "p", Value: netip.MustParsePrefix("10.0.0.0/8")}},
			`{"a":["10.0.0.1"],"p":"10.0.0.0/8"}`},
		{"invalid utf-8 in key and value", evidence{{Name: "k\xff", Value: []string{"v\xfe"}}}, `{"k\\xff":["v\\xfe"]}`},
		{"error and bytes", evidence{{Name: "e", Value: errors.New("bad\xff")}, {Name: "b", Value: []byte("x\x00")}},
			`{"e":"bad\\xff","b":"x\u0000"}`},
		{"nested any", evidence{{Name: "m", Value: []any{1, "a\xff", true, nil}}}, `{"m":[1,"a\\xff",true,null]}`},
		{"fallback to fmt", evidence{{Name: "m", Value: map[string]int{"a": 1}}}, `{"m":"map[a:1]"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.ev.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, string(got)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOmitEmpty(t *testing.T) {
	a := &alert.Alert{RuleID: "r", Severity: alert.SeverityLow}
	got := string(writeAll(t, []*alert.Alert{a}))
	want := `{"event":{"kind":"alert","category":["network"],"module":"dnsvigil","severity":1},"rule":{"id":"r"},"dnsvigil":{"severity":"low"}}` + "\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}
