package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/components"
	"github.com/spf13/cobra"
)

func newServeCmd() *cobra.Command {
	var configPath string
	c := &cobra.Command{
		Use:   "serve --config FILE",
		Short: "Run the detectors continuously on live sources (dnstap, followed logs, capture)",
		Long: `serve runs every detector of 'scan' continuously on the live sources of the
configuration's serve section: dnstap sockets that resolvers send to, log files
followed across rotations, a live capture (AF_PACKET), or files read once.
Alerts go to the configured outputs (JSON lines file, standard output, syslog,
webhook) as they are raised, each output behind a bounded queue.

Signals: SIGHUP reloads the configuration (allowlists, intel, thresholds)
keeping detector state; SIGTERM and SIGINT stop the sources, process what
they had sent, deliver queued alerts (up to serve.drain_timeout) and write
the checkpoint. /metrics and /healthz are served on serve.listen.

'dnsvigil config default' documents every key of the serve section.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			hup := make(chan os.Signal, 1)
			signal.Notify(hup, syscall.SIGHUP)
			defer signal.Stop(hup)
			return runServe(ctx, configPath, hup, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	c.Flags().StringVarP(&configPath, "config", "c", "", "configuration file (YAML) with a serve section")
	_ = c.MarkFlagRequired("config")
	return c
}

// runServe runs the daemon until ctx ends or every source has ended. A
// value on reload asks for a configuration reload.
func runServe(ctx context.Context, configPath string, reload <-chan os.Signal, stdout, stderr io.Writer) error {
	cfg, err := components.LoadConfig(configPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitCode(exitError)
	}
	if len(cfg.Serve.Sources) == 0 {
		fmt.Fprintf(stderr, "%s: serve.sources: serve needs at least one source\n", configPath)
		return exitCode(exitError)
	}
	log := newLogger(cfg.Serve, stderr)
	d, err := newDaemon(cfg, configPath, log, stdout)
	if err != nil {
		return err
	}
	defer d.close()

	var httpSrv *http.Server
	if cfg.Serve.Listen != "" {
		ln, err := net.Listen("tcp", cfg.Serve.Listen)
		if err != nil {
			return fmt.Errorf("serve.listen: %w", err)
		}
		httpSrv = &http.Server{Handler: d.handler(), ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = httpSrv.Serve(ln) }()
		log.Info("http endpoints listening", "address", ln.Addr().String(), "paths", "/metrics /healthz")
	}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- d.stream.Run(runCtx) }()
	log.Info("serve started", "sources", len(d.stream.Sources), "outputs", len(d.outputs.Queues()), "detectors", len(d.stream.Detectors))

	tick := time.NewTicker(cfg.Serve.CheckpointInterval)
	defer tick.Stop()
	var runErr error
loop:
	for {
		select {
		case runErr = <-done:
			break loop
		case <-reload:
			d.reload(runCtx)
		case <-tick.C:
			d.housekeeping(runCtx)
		}
	}
	log.Info("sources stopped; delivering queued alerts", "drain_timeout", cfg.Serve.DrainTimeout)
	d.finish()
	if httpSrv != nil {
		sctx, scancel := context.WithTimeout(context.Background(), time.Second)
		_ = httpSrv.Shutdown(sctx)
		scancel()
	}
	if runErr != nil {
		log.Error("every source failed", "error", runErr)
		return runErr
	}
	st := d.stream.Stats()
	attrs := []any{"events", st.Events.Load(), "alerts", st.Alerts.Load()}
	for _, ds := range st.Detectors() {
		var counts []any
		for _, c := range ds.Counts {
			counts = append(counts, slog.Int64(c.Name, c.Value))
		}
		attrs = append(attrs, slog.Group(ds.Name, counts...))
	}
	log.Info("serve stopped", attrs...)
	return nil
}

// newLogger returns the daemon's structured logger on w.
func newLogger(c components.ServeConfig, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
