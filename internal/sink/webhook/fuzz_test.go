package webhook

import (
	"testing"
	"time"
)

// FuzzRetryAfter checks that any Retry-After a server sends gives a wait
// between zero and the cap.
func FuzzRetryAfter(f *testing.F) {
	for _, v := range []string{"", "0", "120", "-1", "99999999999999999999", "Fri, 01 May 2026 12:00:30 GMT", "Friday, 01-May-26 12:00:30 GMT", "Fri May  1 12:00:30 2026", "1.5"} {
		f.Add(v)
	}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		if d := RetryAfter(v, now, time.Hour); d < 0 || d > time.Hour {
			t.Errorf("RetryAfter(%q) = %v, outside [0, 1h]", v, d)
		}
	})
}
