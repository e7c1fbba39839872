package main

import (
	"fmt"
	"io"

	"github.com/dnsvigil/dnsvigil/internal/components"
	"github.com/dnsvigil/dnsvigil/internal/sink"
	"github.com/dnsvigil/dnsvigil/internal/sink/jsonl"
	"github.com/dnsvigil/dnsvigil/internal/sink/queue"
	"github.com/dnsvigil/dnsvigil/internal/sink/rotate"
	"github.com/dnsvigil/dnsvigil/internal/sink/syslog"
	"github.com/dnsvigil/dnsvigil/internal/sink/webhook"
)

// buildOutputs makes each configured output behind its own bounded queue;
// without outputs, alerts go to stdout as JSON lines.
func buildOutputs(c components.ServeConfig, stdout io.Writer) (*queue.Fanout, error) {
	outs := c.Outputs
	if len(outs) == 0 {
		outs = []components.OutputConfig{{Stdout: &struct{}{}}}
	}
	var qs []*queue.Queue
	fail := func(err error) (*queue.Fanout, error) {
		for _, q := range qs {
			q.Close()
		}
		return nil, err
	}
	for i, oc := range outs {
		inner, err := buildOutput(oc, stdout)
		if err != nil {
			return fail(fmt.Errorf("serve.outputs[%d] (%s): %w", i, oc.OutputName(), err))
		}
		size := c.Queue
		if oc.Queue > 0 {
			size = oc.Queue
		}
		q, err := queue.New(inner, queue.Config{Name: oc.OutputName(), Size: size, DrainTimeout: c.DrainTimeout})
		if err != nil {
			inner.Close()
			return fail(err)
		}
		qs = append(qs, q)
	}
	return queue.NewFanout(qs...), nil
}

func buildOutput(oc components.OutputConfig, stdout io.Writer) (sink.Sink, error) {
	switch oc.Type() {
	case "jsonl":
		f, err := rotate.Open(oc.JSONL.Path, oc.JSONL.Config)
		if err != nil {
			return nil, err
		}
		return &fileJSONL{Writer: jsonl.New(f), f: f}, nil
	case "stdout":
		return jsonl.New(stdout), nil
	case "syslog":
		return syslog.New(*oc.Syslog)
	case "webhook":
		return webhook.New(*oc.Webhook)
	}
	return nil, fmt.Errorf("no output type")
}

// fileJSONL is a jsonl writer over a rotated file it closes.
type fileJSONL struct {
	*jsonl.Writer
	f *rotate.File
}

func (w *fileJSONL) Close() error {
	err := w.Writer.Close()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}
