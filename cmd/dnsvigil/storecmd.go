package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/dnsvigil/dnsvigil/internal/sink/escape"
	"github.com/dnsvigil/dnsvigil/internal/store"
)

func newStoreCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "store",
		Short: "Inspect and maintain a passive-DNS store filled by scan --store",
	}
	c.AddCommand(newStoreStatsCmd(), newStorePruneCmd())
	return c
}

func newStoreStatsCmd() *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "stats FILE",
		Short: "Print what a passive-DNS store holds: rows, time span, size, schema version",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return fmt.Errorf("--format: want table or json, got %q", format)
			}
			db, err := openExistingStore(args[0])
			if err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), escape.Terminal(err.Error()))
				return exitCode(exitError)
			}
			defer db.Close()
			st, err := db.Stats(context.Background())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if format == "json" {
				return json.NewEncoder(out).Encode(map[string]any{
					"file": args[0], "rrsets": st.RRsets, "client_domains": st.ClientDomains,
					"bytes": st.FileBytes, "first_seen": timeOrNil(st.First), "last_seen": timeOrNil(st.Last),
					"schema_version": st.SchemaVersion,
				})
			}
			fmt.Fprintf(out, "store %s\n", escape.Terminal(args[0]))
			fmt.Fprintf(out, "  records (name, type, data)   %d\n", st.RRsets)
			fmt.Fprintf(out, "  clients per domain           %d\n", st.ClientDomains)
			fmt.Fprintf(out, "  event time                   %s .. %s\n", timeText(st.First), timeText(st.Last))
			fmt.Fprintf(out, "  size on disk                 %d bytes\n", st.FileBytes)
			fmt.Fprintf(out, "  schema version               %d\n", st.SchemaVersion)
			return nil
		},
	}
	c.Flags().StringVar(&format, "format", "table", "output format: table or json")
	return c
}

func newStorePruneCmd() *cobra.Command {
	var keep time.Duration
	c := &cobra.Command{
		Use:   "prune FILE",
		Short: "Delete facts last seen more than --keep before the newest event time in the store",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if keep <= 0 {
				return fmt.Errorf("--keep: want a positive duration such as 720h, got %v", keep)
			}
			db, err := openExistingStore(args[0])
			if err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), escape.Terminal(err.Error()))
				return exitCode(exitError)
			}
			defer db.Close()
			st, err := db.Stats(context.Background())
			if err != nil {
				return err
			}
			if st.Last.IsZero() {
				fmt.Fprintln(cmd.OutOrStdout(), "store is empty")
				return nil
			}
			n, err := db.Prune(st.Last.Add(-keep))
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "deleted %d facts last seen before %s\n", n, st.Last.Add(-keep).UTC().Format(time.RFC3339))
			return nil
		},
	}
	c.Flags().DurationVar(&keep, "keep", 0, "how much event time to keep before the newest fact (e.g. 720h)")
	return c
}

// openExistingStore opens a store that must exist: inspecting a path that
// is not there is a typo, not a request for a new store.
func openExistingStore(path string) (*store.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return store.Open(path, store.Options{})
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func timeOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}
