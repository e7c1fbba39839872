package jsonl

import (
	"bytes"
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/sink/sinktest"
)

// FuzzWrite checks that whatever strings an alert carries, it is written as
// one valid JSON line with no raw control, bidi, invisible or HTML character.
func FuzzWrite(f *testing.F) {
	for _, a := range sinktest.Alerts() {
		f.Add(a.QName, a.Host, a.Summary, a.Process)
	}
	f.Add(sinktest.Hostile, "\u202e", "\x7f\u0085", `C:\a\b`)
	f.Fuzz(func(t *testing.T, qname, host, summary, proc string) {
		a := &alert.Alert{
			RuleID: summary, QName: qname, Domain: qname, Host: host, Summary: summary,
			Process: proc, Transport: host, Technique: qname,
			Evidence: []alert.Field{{Name: host, Value: summary}, {Name: "s", Value: []any{qname, 1}}},
		}
		var buf bytes.Buffer
		w := New(&buf)
		if err := w.Write(a); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		checkLine(t, buf.Bytes())
	})
}
