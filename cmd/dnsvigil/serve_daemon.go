package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/checkpoint"
	"github.com/dnsvigil/dnsvigil/internal/components"
	"github.com/dnsvigil/dnsvigil/internal/detect"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/pipeline"
	"github.com/dnsvigil/dnsvigil/internal/sink/queue"
)

// daemon is one `dnsvigil serve` process: the stream engine, its outputs,
// the checkpoint and the counters the HTTP endpoints show.
type daemon struct {
	cfg        components.Config
	configPath string
	log        *slog.Logger
	stream     *pipeline.Stream
	outputs    *queue.Fanout
	metrics    *serveMetrics

	// Owned by the engine goroutine (the stream's Sink and OnMark run
	// there, and housekeeping reads them through Stream.Do).
	positions map[string]input.Position
	ledger    *checkpoint.Ledger

	checkpointOK   atomic.Int64 // unix nanoseconds of the last good write
	checkpointFail atomic.Int64
	errLog         errorLog
}

func newDaemon(cfg components.Config, configPath string, log *slog.Logger, stdout io.Writer) (*daemon, error) {
	d := &daemon{cfg: cfg, configPath: configPath, log: log, positions: map[string]input.Position{}}
	d.errLog.log = log
	var resume map[string]input.Position
	if cfg.Serve.Checkpoint != "" {
		st, err := checkpoint.Load(cfg.Serve.Checkpoint)
		if err != nil {
			return nil, err
		}
		resume = st.Positions
		maps.Copy(d.positions, st.Positions)
		d.ledger = checkpoint.NewLedger(cfg.Serve.Ledger, st.Delivered)
		if !st.Written.IsZero() {
			log.Info("checkpoint loaded", "file", cfg.Serve.Checkpoint, "written", st.Written, "positions", len(st.Positions), "delivered_alerts", len(st.Delivered))
		}
	}
	built, err := components.BuildWith(cfg, components.Extras{})
	if err != nil {
		return nil, err
	}
	for _, n := range built.Notes {
		log.Info(n)
	}
	sources, err := buildSources(cfg, built.Options, resume, log)
	if err != nil {
		return nil, err
	}
	if d.outputs, err = buildOutputs(cfg.Serve, stdout); err != nil {
		return nil, err
	}
	d.stream = &pipeline.Stream{
		Sources:       sources,
		Enrichers:     built.Enrichers,
		Detectors:     built.Detectors,
		Sink:          d,
		ReorderWindow: reorderWindow(cfg, sources),
		ReorderMax:    cfg.Input.ReorderMax,
		IdleAdvance:   cfg.Serve.IdleAdvance,
		FlushOnStop:   true,
		OnMark:        d.mark,
		OnError:       d.errLog.report,
	}
	d.stream.Init()
	d.metrics = newServeMetrics(d)
	d.stream.OnAlert = d.metrics.observeAlert
	return d, nil
}

// reorderWindow is the stream's re-sorting window: on only when a source
// reads a format that writes records out of event-time order.
func reorderWindow(cfg components.Config, sources []input.Source) time.Duration {
	for i, s := range cfg.Serve.Sources {
		switch {
		case s.File != nil:
			if fs, ok := sources[i].(*pipeline.FileSource); ok && fs.Unordered() {
				return cfg.Input.ReorderWindow
			}
		case s.Follow != nil:
			if f, ok := components.TextFormat(s.Follow.Format); ok && f.Unordered {
				return cfg.Input.ReorderWindow
			}
		}
	}
	return 0
}

// Write is the stream's sink, on the engine goroutine: an alert already
// delivered before a restart is dropped, every other goes to each output's
// queue.
func (d *daemon) Write(a *alert.Alert) error {
	if d.ledger != nil && !d.ledger.Deliver(a) {
		d.metrics.suppressed.Add(1)
		return nil
	}
	d.metrics.countAlert(a)
	_ = d.outputs.Write(a) // queues: never block, drops are counted
	return nil
}

// reportDrops sends each output's drop alert (DNSV-OPS-001) to the other
// outputs and, once it has room, to its own.
func (d *daemon) reportDrops() {
	for _, a := range d.outputs.ReportDrops() {
		d.metrics.countAlert(a)
		d.log.Warn("alerts dropped: an output's queue was full", "summary", a.Summary)
	}
}

// mark records a source's position once its events are processed.
func (d *daemon) mark(source string, pos input.Position) {
	d.positions[source] = pos
}

// housekeeping runs on the daemon's timer: drop alerts, then the
// checkpoint.
func (d *daemon) housekeeping(ctx context.Context) {
	var st checkpoint.State
	err := d.stream.Do(ctx, func() {
		d.reportDrops()
		st.Positions = maps.Clone(d.positions)
		if d.ledger != nil {
			st.Delivered = d.ledger.Snapshot()
		}
	})
	if err != nil || d.cfg.Serve.Checkpoint == "" {
		return
	}
	d.writeCheckpoint(ctx, &st)
}

// writeCheckpoint makes the outputs deliver what was queued before the
// snapshot, then saves it: the ledger never names an alert that an output
// has not received.
func (d *daemon) writeCheckpoint(ctx context.Context, st *checkpoint.State) {
	sctx, cancel := context.WithTimeout(ctx, d.cfg.Serve.DrainTimeout)
	defer cancel()
	for _, q := range d.outputs.Queues() {
		if err := q.Sync(sctx); err != nil {
			d.log.Warn("output did not deliver its queue before the checkpoint", "output", q.Name(), "error", err)
		}
	}
	st.Written = time.Now().UTC()
	if err := checkpoint.Save(d.cfg.Serve.Checkpoint, st); err != nil {
		d.checkpointFail.Add(1)
		d.log.Error("checkpoint not written", "error", err)
		return
	}
	d.checkpointOK.Store(st.Written.UnixNano())
}

// finish runs after the stream has stopped: the last drop alerts, the
// final checkpoint, and the outputs drained.
func (d *daemon) finish() {
	var st checkpoint.State
	d.reportDrops()
	st.Positions = maps.Clone(d.positions)
	if d.ledger != nil {
		st.Delivered = d.ledger.Snapshot()
	}
	if d.cfg.Serve.Checkpoint != "" {
		d.writeCheckpoint(context.Background(), &st)
	}
}

// close drains and closes the outputs.
func (d *daemon) close() {
	ctx, cancel := context.WithTimeout(context.Background(), d.cfg.Serve.DrainTimeout)
	defer cancel()
	if err := d.outputs.Shutdown(ctx); err != nil {
		d.log.Warn("outputs closed with alerts undelivered", "error", err)
	}
}

// reload reads the configuration file again and hands the detectors their
// new settings, keeping their state; sources and outputs need a restart.
func (d *daemon) reload(ctx context.Context) {
	cfg, err := components.LoadConfig(d.configPath)
	if err != nil {
		d.metrics.reloads.WithLabelValues("failed").Inc()
		d.log.Error("reload: configuration not valid, keeping the running one", "error", err)
		return
	}
	built, err := components.BuildWith(cfg, components.Extras{})
	if err != nil {
		d.metrics.reloads.WithLabelValues("failed").Inc()
		d.log.Error("reload: keeping the running configuration", "error", err)
		return
	}
	var notes []string
	var rerr error
	err = d.stream.Do(ctx, func() {
		var kept []detect.Detector
		kept, notes, rerr = components.Reload(d.stream.Detectors, built)
		if rerr == nil {
			d.stream.Detectors = kept
			d.stream.Enrichers = built.Enrichers
		}
	})
	if err == nil {
		err = rerr
	}
	if err != nil {
		d.metrics.reloads.WithLabelValues("failed").Inc()
		d.log.Error("reload failed", "error", err)
		return
	}
	for _, n := range notes {
		d.log.Info("reload: " + n)
	}
	if !reflect.DeepEqual(cfg.Serve.Sources, d.cfg.Serve.Sources) || !reflect.DeepEqual(cfg.Serve.Outputs, d.cfg.Serve.Outputs) {
		d.log.Warn("reload: changes to serve.sources and serve.outputs take effect at the next restart")
	}
	d.metrics.reloads.WithLabelValues("ok").Inc()
	d.log.Info("configuration reloaded", "file", d.configPath)
}

// errorLog logs record errors without letting a stream of bad records
// flood the log: the first ten of each source, then one in every thousand,
// each with the running count.
type errorLog struct {
	log *slog.Logger
	mu  sync.Mutex
	n   map[string]int64
}

func (e *errorLog) report(source string, err error) {
	e.mu.Lock()
	if e.n == nil {
		e.n = map[string]int64{}
	}
	e.n[source]++
	n := e.n[source]
	e.mu.Unlock()
	if n <= 10 || n%1000 == 0 {
		e.log.Warn("input problem", "source", source, "count", n, "error", fmt.Sprint(err))
	}
}
