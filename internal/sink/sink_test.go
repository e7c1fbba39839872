package sink

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSummaryTotals(t *testing.T) {
	type totals struct {
		Skipped, Alerts int64
		Rate            float64
	}
	tests := []struct {
		name string
		s    Summary
		want totals
	}{
		{"zero", Summary{}, totals{}},
		{"no duration has no rate", Summary{Events: 10}, totals{}},
		{"negative duration has no rate", Summary{Events: 10, Duration: -time.Second}, totals{}},
		{"sums", Summary{
			Events:   3000,
			Skipped:  map[string]int64{"a": 2, "b": 3},
			Alerts:   map[string]int64{"r1": 1, "r2": 4},
			Duration: 1500 * time.Millisecond,
		}, totals{Skipped: 5, Alerts: 5, Rate: 2000}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := totals{tc.s.SkippedTotal(), tc.s.AlertTotal(), tc.s.Rate()}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
