package table

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/sink"
	"github.com/dnsvigil/dnsvigil/internal/sink/sinktest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func writeAll(t *testing.T, cfg Config, alerts []*alert.Alert) string {
	t.Helper()
	var buf bytes.Buffer
	tb, err := New(&buf, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range alerts {
		if err := tb.Write(a); err != nil {
			t.Fatal(err)
		}
	}
	if err := tb.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

func TestGolden(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		file string
	}{
		{"default", Config{}, "alerts.golden.txt"},
		{"narrow", Config{MaxRule: 10, MaxHost: 8, MaxDestination: 12, MaxDetail: 24}, "alerts_narrow.golden.txt"},
		{"color", Config{Color: true}, "alerts_color.golden.txt"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			golden(t, tc.file, writeAll(t, tc.cfg, sinktest.Alerts()))
		})
	}
}

// TestNoRawControls checks that hostile alert strings reach the terminal only
// as visible escapes: the only control byte written is the newline ending
// each line, and with colour the only escape sequences are the table's own.
func TestNoRawControls(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"plain", Config{}},
		{"narrow", Config{MaxRule: 2, MaxHost: 2, MaxDestination: 2, MaxDetail: 2}},
		{"color", Config{Color: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := writeAll(t, tc.cfg, sinktest.Alerts())
			for _, seq := range []string{colorReset, colorCritical, colorHigh, colorMedium, colorLow, colorInfo} {
				out = strings.ReplaceAll(out, seq, "")
			}
			checkTerminalSafe(t, out)
			for _, want := range []string{`\x1b[2J`, `\x1b]8;;https://evil.example/\aclick`, `\rgood.example`, `wks-\u202e42`, `bob\x00`, `bad\x1bname: oops\r`} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks the visible escape %q", want)
				}
			}
		})
	}
}

func checkTerminalSafe(t *testing.T, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Errorf("output is not valid UTF-8")
	}
	for i := 0; i < len(out); i++ {
		if c := out[i]; (c < 0x20 && c != '\n') || c == 0x7f {
			t.Errorf("raw control byte %#x at %d: %q", c, i, out[max(0, i-20):min(len(out), i+20)])
		}
	}
	for _, r := range out {
		if (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || (r >= 0x80 && r <= 0x9f) {
			t.Errorf("raw control character %U", r)
		}
	}
}

func TestOrder(t *testing.T) {
	t0 := sinktest.T0
	mk := func(sec int, sev alert.Severity, rule, key string) *alert.Alert {
		return &alert.Alert{Time: t0.Add(time.Duration(sec) * time.Second), Severity: sev, RuleID: rule, Key: key}
	}
	tests := []struct {
		name   string
		alerts []*alert.Alert
		want   []string
	}{
		{
			"time first",
			[]*alert.Alert{mk(2, alert.SeverityCritical, "a", "1"), mk(1, alert.SeverityInfo, "z", "2")},
			[]string{"2", "1"},
		},
		{
			"then severity highest first",
			[]*alert.Alert{mk(1, alert.SeverityLow, "a", "1"), mk(1, alert.SeverityHigh, "z", "2")},
			[]string{"2", "1"},
		},
		{
			"then rule",
			[]*alert.Alert{mk(1, alert.SeverityLow, "b", "1"), mk(1, alert.SeverityLow, "a", "2")},
			[]string{"2", "1"},
		},
		{
			"then key",
			[]*alert.Alert{mk(1, alert.SeverityLow, "a", "k2"), mk(1, alert.SeverityLow, "a", "k1")},
			[]string{"k1", "k2"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tb, err := New(new(bytes.Buffer), Config{})
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range tc.alerts {
				if err := tb.Write(a); err != nil {
					t.Fatal(err)
				}
			}
			got := sortedKeys(tb)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("order mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func sortedKeys(tb *Writer) []string {
	alerts := append([]*alert.Alert(nil), tb.held...)
	var keys []string
	for len(alerts) > 0 {
		i := 0
		for j := range alerts {
			if before(alerts[j], alerts[i]) {
				i = j
			}
		}
		keys = append(keys, alerts[i].Key)
		alerts = append(alerts[:i], alerts[i+1:]...)
	}
	return keys
}

// TestMaxAlerts checks that at the cap the table keeps the earliest alerts in
// table order, whatever order they arrive in, and counts the rest.
func TestMaxAlerts(t *testing.T) {
	var alerts []*alert.Alert
	for _, sec := range []int{5, 1, 4, 2, 3} {
		alerts = append(alerts, &alert.Alert{
			Time: sinktest.T0.Add(time.Duration(sec) * time.Second), RuleID: "r", Summary: "s" + string(rune('0'+sec)),
		})
	}
	out := writeAll(t, Config{MaxAlerts: 2}, alerts)
	want := "TIME                  SEVERITY  RULE  HOST  DESTINATION  DETAIL\n" +
		"2026-03-14T09:26:54Z  info      r     -     -            s1\n" +
		"\n" +
		"2026-03-14T09:26:55Z  info      r     -     -            s2\n" +
		"\n" +
		"3 more alerts not shown (the table holds at most 2); the JSON output lists every alert\n"
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestLifecycle(t *testing.T) {
	var buf bytes.Buffer
	tb, err := New(&buf, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := tb.Close(); err != nil {
		t.Fatalf("Close with no alert: %v", err)
	}
	if buf.Len() != 0 {
		t.Errorf("Close with no alert wrote %q", buf.String())
	}
	if err := tb.Write(sinktest.Alerts()[0]); !errors.Is(err, sink.ErrClosed) {
		t.Errorf("Write after Close = %v, want ErrClosed", err)
	}
	if err := tb.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteError(t *testing.T) {
	tb, err := New(failWriter{}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := tb.Write(sinktest.Alerts()[0]); err != nil {
		t.Fatal(err)
	}
	err = tb.Close()
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Close = %v, want the write error", err)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"zero is defaults", Config{}, ""},
		{"defaults", DefaultConfig(), ""},
		{"too narrow and negative", Config{MaxHost: 1, MaxDetail: -3, MaxAlerts: -1},
			"table.max_host must be 0 (default) or at least 2, not 1\n" +
				"table.max_detail must be 0 (default) or at least 2, not -3\n" +
				"table.max_alerts must not be negative, not -1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			if err := tc.cfg.Validate(); err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
