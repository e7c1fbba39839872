package latest

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/alert"
)

type recorder struct {
	got    []string
	closed bool
}

func (r *recorder) Write(a *alert.Alert) error {
	r.got = append(r.got, a.Key+"="+a.Summary)
	return nil
}
func (r *recorder) Close() error { r.closed = true; return nil }

func TestLatest(t *testing.T) {
	tests := []struct {
		name string
		max  int
		in   []string // key=summary
		want []string
	}{
		{"later replaces earlier, first-seen order", 10, []string{"a=1", "b=1", "a=2", "a=3"}, []string{"a=3", "b=1"}},
		{"over the cap passes through", 1, []string{"a=1", "b=1", "a=2", "b=2"}, []string{"b=1", "b=2", "a=2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			s := New(rec, tc.max)
			for _, kv := range tc.in {
				k, v := kv[:1], kv[2:]
				if err := s.Write(&alert.Alert{Key: k, Summary: v}); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, rec.got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			if !rec.closed {
				t.Error("next sink not closed")
			}
			if err := s.Write(&alert.Alert{Key: "z"}); err == nil {
				t.Error("write after close succeeded")
			}
		})
	}
}
