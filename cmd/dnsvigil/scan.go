package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/dnsvigil/dnsvigil/internal/components"
	"github.com/dnsvigil/dnsvigil/internal/detect/authns"
	"github.com/dnsvigil/dnsvigil/internal/dnsname"
	"github.com/dnsvigil/dnsvigil/internal/pipeline"
	"github.com/dnsvigil/dnsvigil/internal/rdap"
	"github.com/dnsvigil/dnsvigil/internal/sink"
	"github.com/dnsvigil/dnsvigil/internal/sink/escape"
	"github.com/dnsvigil/dnsvigil/internal/store"
)

// scanOptions are the flags of `dnsvigil scan`.
type scanOptions struct {
	configPath string
	format     string
	output     string
	color      string
	progress   string
	quiet      bool
	approve    []string
	intel      []string
	store      string
	retention  time.Duration
	resolve    bool
	maxErrors  int
	incidents  bool
}

func newScanCmd() *cobra.Command {
	var o scanOptions
	c := &cobra.Command{
		Use:   "scan PATH...",
		Short: "Scan captures and logs for unapproved resolvers, DNS tunnels, volume anomalies, resolver changes, delegation changes and threat-intel matches",
		Long: `scan reads each PATH (a file, a directory walked recursively, a zip archive,
or - for standard input), recognises its format from its content (pcap, pcapng,
Zeek dns.log/conn.log as TSV or JSON, Sysmon EVTX/JSON/XML, Defender CSV/JSON
exports, any of them gzip-compressed), merges all inputs in event-time order,
runs the detectors and prints the alerts, or with --incidents the incidents.

Alerts go to standard output (or --output FILE) as a table or as JSON lines;
the closing summary and any input errors go to standard error.

Exit codes: 0 no alert, 1 alerts raised, 2 usage, configuration or input error.`,
		Example: `  dnsvigil scan testdata/lab/bypass/lan.pcap
  dnsvigil scan --config dnsvigil.yaml --format json --output alerts.jsonl /var/log/zeek/
  dnsvigil scan --approve 10.20.1.53 --approve 10.20.1.5 capture.pcapng.gz`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScan(cmd, o, args)
		},
	}
	f := c.Flags()
	f.StringVarP(&o.configPath, "config", "c", "", "configuration file (default: built-in defaults, see 'dnsvigil config default')")
	f.StringVarP(&o.format, "format", "f", "table", "alert format: table or json (JSON lines, ECS-shaped)")
	f.StringVarP(&o.output, "output", "o", "", "write alerts to FILE instead of standard output")
	f.StringVar(&o.color, "color", "auto", "colour severities in the table: auto, always or never (NO_COLOR is honoured)")
	f.StringVar(&o.progress, "progress", "auto", "progress bar on standard error: auto (terminal and large input), always or never")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "do not print the closing summary")
	f.StringSliceVar(&o.approve, "approve", nil, "add an approved resolver (IP or CIDR); repeatable, added to the config's list")
	f.StringSliceVar(&o.intel, "intel", nil, "load threat intelligence (STIX 2.1 bundle, MISP JSON export or a list of domains, IPs and CIDRs); repeatable, added to the config's intel.files")
	f.StringVar(&o.store, "store", "", "record every response's records and the clients of each domain into this passive-DNS store file (created if absent; later scans add to it)")
	f.DurationVar(&o.retention, "store-retention", 0, "with --store, delete facts last seen longer than this before the newest event time (e.g. 2160h); 0 keeps everything")
	f.BoolVar(&o.resolve, "resolve", false, "after reading the input, look up the name servers of domains clients asked for whose name servers no response showed, through the approved resolvers only (resolve section), and score them")
	f.BoolVar(&o.incidents, "incidents", false, "print incidents (the alerts of one host within incidents.window, grouped, with a timeline) instead of alerts")
	f.IntVar(&o.maxErrors, "max-errors", 20, "print at most this many input errors as they happen (all are counted)")
	return c
}

func runScan(cmd *cobra.Command, o scanOptions, args []string) error {
	stderr := cmd.ErrOrStderr()
	if err := o.validate(); err != nil {
		return err
	}
	cfg, err := components.LoadConfig(o.configPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitCode(exitError)
	}
	if len(o.approve) > 0 {
		if err := cfg.Approve(o.approve); err != nil {
			return fmt.Errorf("--approve: %w", err)
		}
	}
	paths, err := pipeline.Expand(args)
	if err != nil {
		return err
	}
	cfg.Intel.Files = append(cfg.Intel.Files, o.intel...)
	var db *store.DB
	var extras components.Extras
	if o.store != "" {
		if err := notAnInput("--store", o.store, paths); err != nil {
			return err
		}
		if o.retention < 0 {
			return fmt.Errorf("--store-retention: want 0 or a positive duration, got %v", o.retention)
		}
		if db, err = store.Open(o.store, store.Options{Retention: o.retention}); err != nil {
			return err
		}
		defer db.Close()
		if extras.History, extras.Authoritative, err = loadHistory(db); err != nil {
			return err
		}
	}
	built, err := components.BuildWith(cfg, extras)
	if err != nil {
		return err
	}
	if !o.quiet && extras.History.Len() > 0 {
		fmt.Fprintf(stderr, "delegation history of %d zones loaded from %s\n", extras.History.Len(), escape.Terminal(o.store))
	}
	if !o.quiet {
		for _, n := range built.Notes {
			fmt.Fprintln(stderr, escape.Terminal(n))
		}
	}
	var rec *store.Recorder
	if db != nil {
		rec = store.NewRecorder(db)
		built.Detectors = append(built.Detectors, rec)
		built.Options.HeaderOnly = false
	}
	out, err := openOutput(o.output, cmd.OutOrStdout(), paths)
	if err != nil {
		return err
	}
	defer out.abort()
	counted := &countingSink{byRule: map[string]int64{}}
	var wrap func(sink.Sink) sink.Sink
	if cfg.Enrich.RDAP.Enabled {
		client, err := rdap.New(cfg.Enrich.RDAP, nil, nil)
		if err != nil {
			return err
		}
		psl := dnsname.NewPSL(dnsname.PSLOptions{Private: cfg.Names.PrivateSuffixes})
		wrap = func(next sink.Sink) sink.Sink { return &rdapSink{next: next, client: client, psl: psl} }
	}
	sink, err := newAlertSink(o, out.w, counted, cfg.Incidents, wrap)
	if err != nil {
		return err
	}
	run := &pipeline.Run{
		Opener:    &pipeline.Opener{Formats: components.Formats(), Options: built.Options, Stdin: cmd.InOrStdin()},
		Enrichers: built.Enrichers,
		Detectors: built.Detectors,
		Sink:      sink,
		OnError:   errorPrinter(stderr, o.maxErrors),

		ReorderWindow: cfg.Input.ReorderWindow,
		ReorderMax:    cfg.Input.ReorderMax,
	}
	if o.resolve {
		ar, err := newActiveResolver(cfg.ResolveConfig(), built.Detectors, stderr)
		if err != nil {
			return err
		}
		run.Finish = ar.finish
	}
	bar := newProgress(o.progress, stderr, paths)
	if bar != nil {
		run.Opener.Wrap = bar.wrap
	}
	runErr := run.Execute(paths)
	bar.finish()
	if err := sink.Close(); err != nil && runErr == nil {
		runErr = err
	}
	if runErr == nil && rec != nil {
		if err := rec.Err(); err != nil {
			runErr = fmt.Errorf("--store %s: %w", o.store, err)
		}
	}
	if runErr != nil {
		return runErr
	}
	if err := out.commit(); err != nil {
		return err
	}
	// The summary reports the alerts written: re-reports of one finding
	// were merged into one line.
	emitted := run.Summary.AlertTotal()
	run.Summary.Alerts = counted.byRule
	if merged := emitted - run.Summary.AlertTotal(); merged > 0 {
		run.Summary.Counters["output: re-reports merged into their finding"] = merged
	}
	if !o.quiet {
		writeSummary(stderr, &run.Summary)
	}
	switch {
	case run.FilesFailed > 0 || run.FailedInputs > 0:
		return exitCode(exitError)
	case run.Summary.AlertTotal() > 0:
		return exitCode(exitAlerts)
	}
	return nil
}

// validate checks the flags that take one of a fixed set of words.
func (o scanOptions) validate() error {
	for _, f := range []struct {
		flag, val string
		allowed   []string
	}{
		{"--format", o.format, []string{"table", "json"}},
		{"--color", o.color, []string{"auto", "always", "never"}},
		{"--progress", o.progress, []string{"auto", "always", "never"}},
	} {
		if !slices.Contains(f.allowed, f.val) {
			return fmt.Errorf("%s must be %s, not %q", f.flag, strings.Join(f.allowed, ", "), f.val)
		}
	}
	return nil
}

// errorPrinter prints the first max input errors to w and counts the rest;
// the summary reports the total.
func errorPrinter(w io.Writer, max int) func(error) {
	n := 0
	return func(err error) {
		n++
		if n <= max {
			fmt.Fprintf(w, "dnsvigil: %s\n", escape.Terminal(err.Error()))
		} else if n == max+1 {
			fmt.Fprintf(w, "dnsvigil: further input errors are counted in the summary only\n")
		}
	}
}

// useColor decides whether the table gets ANSI colour.
func useColor(mode string, w io.Writer) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// maxHistory bounds the NS facts loaded from the store before a scan.
const maxHistory = 1_000_000

// loadHistory reads the delegation history of earlier scans from the
// store: the most recent NS facts and name-server addresses, at most
// maxHistory of each.
func loadHistory(db *store.DB) (*authns.History, map[netip.Addr]string, error) {
	ctx := context.Background()
	st, err := db.Stats(ctx)
	if err != nil || st.RRsets == 0 {
		return nil, nil, err
	}
	recs, err := db.RecentNS(ctx, maxHistory)
	if err != nil {
		return nil, nil, err
	}
	hist := make([]authns.HistoryRecord, len(recs))
	for i, r := range recs {
		hist[i] = authns.HistoryRecord{Zone: r.Name, Server: r.Data, First: r.First, Last: r.Last}
	}
	nsAddrs, err := db.RecentNSAddresses(ctx, maxHistory)
	if err != nil {
		return nil, nil, err
	}
	auth := make(map[netip.Addr]string, len(nsAddrs))
	for _, a := range nsAddrs {
		if addr, err := netip.ParseAddr(a.Addr); err == nil {
			auth[addr.Unmap()] = a.Zone
		}
	}
	return authns.NewHistory(st.First, hist), auth, nil
}
