package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dnsvigil/dnsvigil/internal/benchdetect"
)

type benchOptions struct {
	data, repo, manifest, format, only string
	names                              bool
}

func newBenchDetectCmd() *cobra.Command {
	var o benchOptions
	c := &cobra.Command{
		Use:   "bench-detect",
		Short: "Run the detection benchmark over labelled captures and print precision, recall and time to detect",
		Long: `bench-detect runs every detector, with the default configuration, over each
capture and log of a manifest of labelled data (the shipped manifest points at
the shared real-data corpus, ../shared/data, and at samples in this
repository), and prints one row per capture: its tool and truth, the tunnel
alerts raised for the right client and domain and any others, their severity,
the seconds of tunnel traffic before the first alert, and a verdict; then
overall precision and recall, and the rate of medium alerts on benign traffic.
With --names it also scores single query names of labelled name lists.

Cases whose files are missing are listed as not run, with the path looked for.
Exit status 0 when every case that ran is within the acceptance bounds, 1 when
one is not, 2 on a usage error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runBenchDetect(cmd, o) },
	}
	f := c.Flags()
	f.StringVar(&o.data, "data", defaultDataDir(), "the shared real-data folder (environment DNSVIGIL_SHARED_DATA)")
	f.StringVar(&o.repo, "repo", ".", "the repository root, for manifest entries shipped with it")
	f.StringVar(&o.manifest, "manifest", "", "a manifest file instead of the shipped one")
	f.StringVar(&o.format, "format", "table", "output format: table or markdown")
	f.StringVar(&o.only, "only", "", "run only cases whose name contains this text")
	f.BoolVar(&o.names, "names", false, "also evaluate the per-name label-shape score on labelled name lists")
	return c
}

func defaultDataDir() string {
	if d := os.Getenv("DNSVIGIL_SHARED_DATA"); d != "" {
		return d
	}
	return filepath.Join("..", "shared", "data")
}

func runBenchDetect(cmd *cobra.Command, o benchOptions) error {
	out, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	write := benchdetect.WriteTable
	switch o.format {
	case "table":
	case "markdown":
		write = benchdetect.WriteMarkdown
	default:
		return fmt.Errorf("--format: want table or markdown, got %q", o.format)
	}
	src, name := benchdetect.DefaultManifest, "manifest.yaml (shipped)"
	if o.manifest != "" {
		var err error
		if src, err = os.ReadFile(o.manifest); err != nil {
			return err
		}
		name = o.manifest
	}
	entries, err := benchdetect.ParseManifest(name, src)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitCode(exitError)
	}
	if st, err := os.Stat(o.data); err != nil || !st.IsDir() {
		fmt.Fprintf(stderr, "shared data folder %s not found (it sits beside the checkout as ../shared/data, or set --data): cases that need it are listed as not run\n", o.data)
	}
	cases := benchdetect.Resolve(entries, benchdetect.Dirs{Data: o.data, Repo: o.repo})
	runner := &benchdetect.Runner{Synthesize: benchdetect.SynthesizeBrowsing}
	var results []benchdetect.Result
	for _, c := range cases {
		if o.only != "" && !strings.Contains(c.Name, o.only) {
			continue
		}
		fmt.Fprintf(stderr, "running %s\n", c.Name)
		results = append(results, runner.Run(c))
	}
	if err := write(out, results); err != nil {
		return err
	}
	for _, r := range results {
		if r.Err != nil {
			fmt.Fprintf(stderr, "not run: %s: %v\n", r.Name, r.Err)
		}
	}
	ok := benchdetect.Sum(results).Acceptable()
	if o.names {
		rows, err := benchdetect.EvaluateNames(o.data)
		if err != nil {
			fmt.Fprintf(stderr, "per-name evaluation not run: %v\n", err)
		} else {
			fmt.Fprintln(out)
			if o.format == "markdown" {
				fmt.Fprint(out, "### Per-name label shape\n\n"+
					"Each labelled name list scored name by name with `tunnel.NameScorer` (label shape only;\n"+
					"threshold `tunnel.NameThreshold`).\n\n")
			}
			if err := benchdetect.FormatNameTable(out, rows, o.format == "markdown"); err != nil {
				return err
			}
		}
	}
	if !ok {
		return exitCode(exitAlerts)
	}
	return nil
}
