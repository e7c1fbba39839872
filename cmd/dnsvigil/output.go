package main

import (
	"io"

	"github.com/dnsvigil/dnsvigil/internal/incident"
	"github.com/dnsvigil/dnsvigil/internal/sink"
	"github.com/dnsvigil/dnsvigil/internal/sink/jsonl"
	"github.com/dnsvigil/dnsvigil/internal/sink/latest"
	"github.com/dnsvigil/dnsvigil/internal/sink/table"
)

// maxFindings is how many distinct alert keys a scan merges; beyond it
// alerts are written as they come.
const maxFindings = 100_000

// newAlertSink returns the sink for --format. A scan reports each finding
// once, with its final numbers: detectors that re-report a growing finding
// under the same key are merged by the latest sink in front. counted sits
// between the two and counts what is written.
// newAlertSink builds the chain latest -> wrap (when not nil) -> counted ->
// writer: one report per finding reaches wrap and the writer.
func newAlertSink(o scanOptions, w io.Writer, counted *countingSink, inc incident.Config, wrap func(sink.Sink) sink.Sink) (sink.Sink, error) {
	var first sink.Sink = counted
	if wrap != nil {
		first = wrap(counted)
	}
	if o.incidents {
		var out incident.Output = incident.NewTableWriter(w, useColor(o.color, w), table.DefaultConfig().MaxAlerts)
		if o.format == "json" {
			out = incident.NewJSONWriter(w)
		}
		s, err := incident.NewSink(inc, out)
		if err != nil {
			return nil, err
		}
		counted.next = s
		return latest.New(first, maxFindings), nil
	}
	if o.format == "json" {
		counted.next = jsonl.New(w)
		return latest.New(first, maxFindings), nil
	}
	cfg := table.DefaultConfig()
	cfg.Color = useColor(o.color, w)
	t, err := table.New(w, cfg)
	if err != nil {
		return nil, err
	}
	counted.next = t
	return latest.New(first, maxFindings), nil
}

// writeSummary prints the closing summary to w (standard error).
func writeSummary(w io.Writer, s *sink.Summary) {
	_ = table.WriteSummary(w, s)
}
