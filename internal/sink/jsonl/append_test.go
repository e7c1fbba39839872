package jsonl

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/sink/sinktest"
)

// TestAppendAlertIsTheLine checks that AppendAlert gives the line Writer
// writes, newline aside, for every fixture, hostile ones included.
func TestAppendAlertIsTheLine(t *testing.T) {
	for _, a := range sinktest.Alerts() {
		t.Run(a.RuleID, func(t *testing.T) {
			line := writeAll(t, []*alert.Alert{a})
			got, err := AppendAlert([]byte("prefix"), a)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(got, []byte("prefix")) {
				t.Fatalf("dst not kept: %q", got)
			}
			checkLine(t, append(got[len("prefix"):], '\n'))
			if diff := cmp.Diff(string(line), string(got[len("prefix"):])+"\n"); diff != "" {
				t.Errorf("mismatch (-Writer +AppendAlert):\n%s", diff)
			}
		})
	}
}
