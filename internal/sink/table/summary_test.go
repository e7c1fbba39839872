package table

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/sink"
	"github.com/dnsvigil/dnsvigil/internal/sink/sinktest"
)

func TestWriteSummary(t *testing.T) {
	tests := []struct {
		name string
		s    sink.Summary
		want string
	}{
		{
			"empty run",
			sink.Summary{},
			"summary: 0 events from 0 inputs in 0s (0 events/s), 0 records skipped, 0 alerts\n",
		},
		{
			"full run",
			sink.Summary{
				Events:       1500000,
				EventsByKind: map[string]int64{"dns": 1400000, "conn": 100000},
				Skipped:      map[string]int64{"truncated packet": 8, "bad field count": 2, "bad time": 2},
				ErrorSamples: []string{"conn.log:12: bad field count: 3 fields, want 21", "evil\x1b[2J.log:1: bad time"},
				Inputs: []sink.Input{
					{Name: "lan.pcap", Format: "pcap", Events: 1400000, Skipped: 8, Counters: map[string]int64{"not dns": 1234, "ip fragments": 5}},
					{Name: "conn.log", Format: "zeek", Events: 100000, Skipped: 4},
					{Name: "notes\u202etxt.exe", Events: 0},
				},
				InputErrors: []string{"missing.pcap: open: no such file or directory"},
				Counters:    map[string]int64{"tunnel keys evicted": 0, "tunnel keys tracked": 9000},
				Alerts:      map[string]int64{"resolver.unapproved": 2, "dns.tunnel": 3},
				FirstEvent:  sinktest.T0,
				LastEvent:   sinktest.T0.Add(time.Hour),
				Duration:    3 * time.Second,
			},
			"summary: 1500000 events from 3 inputs in 3s (500000 events/s), 12 records skipped, 5 alerts\n" +
				"  event time: 2026-03-14T09:26:53Z .. 2026-03-14T10:26:53Z\n" +
				"  events by kind:\n" +
				"    dns   1400000\n" +
				"    conn  100000\n" +
				"  records skipped by reason:\n" +
				"    truncated packet  8\n" +
				"    bad field count   2\n" +
				"    bad time          2\n" +
				"  first record errors:\n" +
				"    conn.log:12: bad field count: 3 fields, want 21\n" +
				"    evil\\x1b[2J.log:1: bad time\n" +
				"  input lan.pcap (pcap): 1400000 events, 8 records skipped\n" +
				"    not dns       1234\n" +
				"    ip fragments  5\n" +
				"  input conn.log (zeek): 100000 events, 4 records skipped\n" +
				"  input notes\\u202etxt.exe (unrecognised): 0 events, 0 records skipped\n" +
				"  input errors:\n" +
				"    missing.pcap: open: no such file or directory\n" +
				"  counters:\n" +
				"    tunnel keys tracked  9000\n" +
				"    tunnel keys evicted  0\n" +
				"  alerts by rule:\n" +
				"    dns.tunnel           3\n" +
				"    resolver.unapproved  2\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteSummary(&buf, &tc.s); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, buf.String()); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
