package table

import (
	"bytes"
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/sink/sinktest"
)

// FuzzTable checks that whatever strings an alert carries, the table holds no
// raw control byte other than newlines and no raw bidi or C1 character, at
// any column width.
func FuzzTable(f *testing.F) {
	for _, a := range sinktest.Alerts() {
		f.Add(a.QName, a.Host, a.Summary, a.Process, 10)
	}
	f.Add(sinktest.Hostile, "\u202e", "\x7f\u0085", `C:\a\b`, 2)
	f.Fuzz(func(t *testing.T, qname, host, summary, proc string, w int) {
		a := &alert.Alert{
			RuleID: summary, QName: qname, Host: host, Summary: summary, Process: proc, User: host,
			Transport: qname, Evidence: []alert.Field{{Name: host, Value: summary}, {Name: "s", Value: []any{qname, 1}}},
		}
		w = minWidth + (w&0xff)%200
		var buf bytes.Buffer
		tb, err := New(&buf, Config{MaxRule: w, MaxHost: w, MaxDestination: w, MaxDetail: w})
		if err != nil {
			t.Fatal(err)
		}
		if err := tb.Write(a); err != nil {
			t.Fatal(err)
		}
		if err := tb.Close(); err != nil {
			t.Fatal(err)
		}
		checkTerminalSafe(t, buf.String())
	})
}
