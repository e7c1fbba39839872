package jsonl

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/sink"
	"github.com/dnsvigil/dnsvigil/internal/sink/escape"
	"github.com/dnsvigil/dnsvigil/internal/sink/sinktest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func writeAll(t *testing.T, alerts []*alert.Alert) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := New(&buf)
	for _, a := range alerts {
		if err := w.Write(a); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	got := writeAll(t, sinktest.Alerts())
	path := filepath.Join("testdata", "alerts.golden.jsonl")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	for i, line := range bytes.SplitAfter(got, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		checkLine(t, line)
		if t.Failed() {
			t.Fatalf("line %d: %s", i+1, line)
		}
	}
}

// checkLine fails t unless line is one valid JSON object ending in a newline
// with no raw control, bidi, invisible or HTML-significant character.
func checkLine(t *testing.T, line []byte) {
	t.Helper()
	if !bytes.HasSuffix(line, []byte("\n")) || bytes.Count(line, []byte("\n")) != 1 {
		t.Errorf("not exactly one line")
	}
	body := bytes.TrimSuffix(line, []byte("\n"))
	if !json.Valid(body) {
		t.Errorf("not valid JSON")
	}
	if !utf8.Valid(body) {
		t.Errorf("not valid UTF-8")
	}
	for _, c := range body {
		if c < 0x20 || c == 0x7f {
			t.Errorf("raw control byte %#x", c)
		}
	}
	for _, r := range string(body) {
		if !escape.Visible(r) {
			t.Errorf("raw character %U", r)
		}
	}
	if bytes.ContainsAny(body, "<>&") {
		t.Errorf("raw HTML-significant character")
	}
}

// TestInjection writes an alert whose strings all carry the hostile name and
// checks that it is one safe JSON line decoding to the escaped visible forms.
func TestInjection(t *testing.T) {
	h := sinktest.Hostile
	a := &alert.Alert{
		Key: "k|" + h, RuleID: "r" + h, RuleName: "n" + h, Summary: "s" + h,
		Technique: "T1\n</script>", Strategy: h,
		Host: h, User: h, Process: `C:\x` + h, Transport: h,
		QName: h, Domain: h,
		Evidence: []alert.Field{{Name: h, Value: h}, {Name: "list", Value: []string{h, "ok"}}},
	}
	line := writeAll(t, []*alert.Alert{a})
	checkLine(t, line)
	var got map[string]any
	if err := json.Unmarshal(line, &got); err != nil {
		t.Fatal(err)
	}
	v := escape.JSONString(h)
	n := escape.Name(h)
	want := map[string]any{
		"message": "s" + v,
		"event":   map[string]any{"kind": "alert", "category": []any{"network"}, "module": "dnsvigil", "severity": 0.0},
		"rule":    map[string]any{"id": "r" + v, "name": "n" + v},
		"threat": map[string]any{
			"framework": "MITRE ATT&CK",
			"technique": map[string]any{"id": []any{"T1\n</script>"}},
		},
		"host":    map[string]any{"name": v},
		"user":    map[string]any{"name": v},
		"process": map[string]any{"name": escape.JSONString(h[strings.LastIndex(h, "/")+1:]), "executable": `C:\x` + v},
		"network": map[string]any{"transport": v},
		"dns":     map[string]any{"question": map[string]any{"name": n, "registered_domain": n}},
		"dnsvigil": map[string]any{
			"key": "k|" + v, "severity": "info", "detection_strategy": v,
			"evidence": map[string]any{v: v, "list": []any{v, "ok"}},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decoded alert mismatch (-want +got):\n%s", diff)
	}
	if strings.ContainsRune(n, '\n') || !strings.Contains(n, `\010</script>\000\255\254`) {
		t.Errorf("dns.question.name = %q, want presentation escapes", n)
	}
	if !strings.Contains(v, `\xff\xfe`) {
		t.Errorf("invalid bytes not shown as \\xNN: %q", v)
	}
}

func TestLifecycle(t *testing.T) {
	var buf bytes.Buffer
	w := New(&buf)
	if err := w.Write(sinktest.Alerts()[0]); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 0 {
		t.Errorf("wrote %d bytes before Flush or Close", buf.Len())
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(buf.Bytes(), []byte("\n")); n != 1 {
		t.Errorf("after Flush: %d lines, want 1", n)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(sinktest.Alerts()[0]); !errors.Is(err, sink.ErrClosed) {
		t.Errorf("Write after Close = %v, want ErrClosed", err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrorIsSticky(t *testing.T) {
	w := New(failWriter{})
	if err := w.Write(sinktest.Alerts()[0]); err != nil {
		t.Fatal(err) // buffered: nothing reached the writer yet
	}
	if err := w.Close(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Close = %v, want the write error", err)
	}
	w = New(failWriter{})
	big := sinktest.Alerts()[0]
	big.Summary = strings.Repeat("x", 128<<10)
	if err := w.Write(big); err == nil {
		t.Fatal("Write larger than the buffer succeeded on a failing writer")
	}
	if err := w.Write(sinktest.Alerts()[1]); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("later Write = %v, want the first error", err)
	}
}
