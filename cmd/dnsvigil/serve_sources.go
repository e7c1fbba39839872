package main

import (
	"fmt"
	"log/slog"

	"github.com/dnsvigil/dnsvigil/internal/components"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/input/capture"
	"github.com/dnsvigil/dnsvigil/internal/input/dnstap"
	"github.com/dnsvigil/dnsvigil/internal/input/follow"
	"github.com/dnsvigil/dnsvigil/internal/pipeline"
)

// buildSources makes the configured live sources, each given its resume
// position from the checkpoint.
func buildSources(cfg components.Config, opts input.Options, resume map[string]input.Position, log *slog.Logger) ([]input.Source, error) {
	var out []input.Source
	for i, sc := range cfg.Serve.Sources {
		src, err := buildSource(sc, opts, resume[sc.SourceName()], log)
		if err != nil {
			return nil, fmt.Errorf("serve.sources[%d] (%s): %w", i, sc.SourceName(), err)
		}
		out = append(out, src)
	}
	return out, nil
}

func buildSource(sc components.SourceConfig, opts input.Options, resume input.Position, log *slog.Logger) (input.Source, error) {
	name := sc.SourceName()
	opts.Name = name
	switch sc.Type() {
	case "dnstap":
		return dnstap.Listen(*sc.Dnstap, opts)
	case "capture":
		return capture.New(*sc.Capture, opts)
	case "follow":
		format, _ := components.TextFormat(sc.Follow.Format) // validated
		fc := sc.Follow.Config
		fc.Name = name
		fc.Logger = log.With("source", name)
		return follow.New(fc, format, opts, resume)
	case "file":
		paths, err := pipeline.Expand(sc.File.Paths)
		if err != nil {
			return nil, err
		}
		return &pipeline.FileSource{
			SourceName: name,
			Opener:     &pipeline.Opener{Formats: components.Formats(), Options: opts},
			Paths:      paths,
		}, nil
	}
	return nil, fmt.Errorf("no source type")
}
