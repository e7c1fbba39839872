package incident

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/sink"
	"github.com/dnsvigil/dnsvigil/internal/sink/escape"
	"github.com/dnsvigil/dnsvigil/internal/sink/sinktest"
)

// hostile returns alerts whose host, process, user, domain, rule and summary
// carry terminal escapes, bidi overrides, newlines and invalid UTF-8.
func hostile() []*alert.Alert {
	h := sinktest.Hostile
	return []*alert.Alert{
		with(at(h, "DNSV-RES-001", alert.SeverityMedium, 0), func(a *alert.Alert) {
			a.Process, a.User, a.Domain, a.Summary = h, h, h, h
			a.Server = netip.MustParseAddr("203.0.113.7")
		}),
		with(at(h, "DNSV-X\x1b[31m\u202e", alert.SeverityLow, time.Hour), func(a *alert.Alert) {
			a.Key, a.RuleName = h, h
		}),
	}
}

// unsafe reports the first raw control (other than the newline), DEL, C1,
// bidi or invisible character in out, or invalid UTF-8.
func unsafe(out string) string {
	for i, r := range out {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(out[i:]); n == 1 {
				return fmt.Sprintf("invalid UTF-8 at byte %d", i)
			}
		}
		if r != '\n' && !escape.Visible(r) && r != ' ' {
			return fmt.Sprintf("%U at byte %d", r, i)
		}
	}
	return ""
}

func TestTableEscapes(t *testing.T) {
	incs := correlate(t, DefaultConfig(), hostile())
	tests := []struct {
		name  string
		color bool
	}{{"plain", false}, {"color", true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteTable(&buf, incs, tt.color); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			if tt.color {
				out = strings.ReplaceAll(out, severityColor(incs[0].Severity), "")
				out = strings.ReplaceAll(out, colorReset, "")
			}
			if bad := unsafe(out); bad != "" {
				t.Errorf("table holds an unsafe character: %q\n%s", bad, out)
			}
			if !strings.Contains(out, escape.Terminal(sinktest.Hostile)) {
				t.Errorf("table does not show the escaped host:\n%s", out)
			}
		})
	}
}

func TestJSONEscapes(t *testing.T) {
	incs := correlate(t, DefaultConfig(), hostile())
	var buf bytes.Buffer
	jw := NewJSONWriter(&buf)
	for i := range incs {
		if err := jw.Write(&incs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := jw.Flush(); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if bad := unsafe(out); bad != "" {
		t.Errorf("JSON holds an unsafe character: %q", bad)
	}
	for _, bad := range []string{"<", ">", "\r"} {
		if strings.Contains(out, bad) {
			t.Errorf("JSON holds a raw %q", bad)
		}
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(incs) {
		t.Fatalf("%d lines for %d incidents", len(lines), len(incs))
	}
	var doc struct {
		Host     struct{ Name string }
		DNSVigil struct {
			Incident struct {
				Processes []string
				Domains   []string
			}
		} `json:"dnsvigil"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &doc); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, lines[0])
	}
	want := []string{escape.JSONString(sinktest.Hostile), escape.JSONString(sinktest.Hostile), escape.Name(sinktest.Hostile)}
	got := []string{doc.Host.Name, doc.DNSVigil.Incident.Processes[0], doc.DNSVigil.Incident.Domains[0]}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decoded values (-want +got):\n%s", diff)
	}
}

func TestJSONShape(t *testing.T) {
	a := with(at("wks-1", "DNSV-RES-001", alert.SeverityMedium, 0), func(a *alert.Alert) {
		a.Client = netip.MustParseAddr("10.1.2.3")
		a.Server = netip.MustParseAddr("203.0.113.7")
		a.Process = "dig.exe"
		a.FirstSeen = t0.Add(-10 * time.Minute)
	})
	incs := correlate(t, DefaultConfig(), []*alert.Alert{a})
	var buf bytes.Buffer
	jw := NewJSONWriter(&buf)
	if err := jw.Write(&incs[0]); err != nil {
		t.Fatal(err)
	}
	if err := jw.Flush(); err != nil {
		t.Fatal(err)
	}
	want := `{"@timestamp":"2026-03-14T09:00:00Z","message":"1 alert on wks-1 (10.1.2.3) over 0s from 1 rule (DNSV-RES-001), processes dig.exe, servers 203.0.113.7; severity medium.",` +
		`"event":{"kind":"alert","category":["network"],"module":"dnsvigil","severity":2,"start":"2026-03-14T08:50:00Z","end":"2026-03-14T09:00:00Z"},` +
		`"host":{"name":"wks-1"},"source":{"ip":"10.1.2.3"},"dnsvigil":{"incident":{"id":"` + incs[0].ID + `","severity":"medium","base_severity":"medium",` +
		`"first":"2026-03-14T09:00:00Z","last":"2026-03-14T09:00:00Z","alerts":1,"rules":[{"id":"DNSV-RES-001","name":"rule DNSV-RES-001","count":1}],` +
		`"processes":["dig.exe"],"servers":["203.0.113.7"],` +
		`"timeline":[{"@timestamp":"2026-03-14T09:00:00Z","rule_id":"DNSV-RES-001","severity":"medium","summary":"DNSV-RES-001 fired","key":"DNSV-RES-001|wks-1|0s"}]}}}` + "\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("JSON line (-want +got):\n%s", diff)
	}
}

// TestSinkWritesEvicted checks that incidents evicted from a full Sink are
// written when evicted and the rest on Close, none lost.
func TestSinkWritesEvicted(t *testing.T) {
	tests := []struct {
		name  string
		max   int
		hosts int
	}{{"under the cap", 10, 5}, {"over the cap", 3, 20}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.MaxIncidents = tt.max
			var buf bytes.Buffer
			s, err := NewSink(cfg, NewJSONWriter(&buf))
			if err != nil {
				t.Fatal(err)
			}
			for i := range tt.hosts {
				if err := s.Write(at("wks-"+string(rune('a'+i)), "DNSV-RES-001", alert.SeverityLow, time.Duration(i)*time.Minute)); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if err := s.Write(at("x", "r", 0, 0)); !errors.Is(err, sink.ErrClosed) {
				t.Errorf("Write after Close = %v, want ErrClosed", err)
			}
			got := struct{ Lines, Evicted int }{}
			sc := bufio.NewScanner(&buf)
			for sc.Scan() {
				got.Lines++
				if strings.Contains(sc.Text(), `"evicted":true`) {
					got.Evicted++
				}
			}
			want := struct{ Lines, Evicted int }{tt.hosts, max(0, tt.hosts-tt.max)}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("written (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTableWriterCap(t *testing.T) {
	var alerts []*alert.Alert
	for i := range 5 {
		sev := alert.SeverityLow
		if i == 3 {
			sev = alert.SeverityHigh
		}
		alerts = append(alerts, at("wks-"+string(rune('a'+i)), "DNSV-RES-001", sev, time.Duration(i)*time.Minute))
	}
	var buf bytes.Buffer
	s, err := NewSink(DefaultConfig(), NewTableWriter(&buf, false, 2))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range alerts {
		if err := s.Write(a); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	var rows []string
	for line := range strings.SplitSeq(buf.String(), "\n") {
		if strings.HasPrefix(line, "INC-") {
			rows = append(rows, strings.Fields(line)[5])
		}
	}
	if diff := cmp.Diff([]string{"wks-a", "wks-d"}, rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if !strings.Contains(buf.String(), "3 more incidents not shown") {
		t.Errorf("no footer counting the incidents left out:\n%s", buf.String())
	}
}
