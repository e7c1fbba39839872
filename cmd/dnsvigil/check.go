package main

import (
	"fmt"

	"github.com/dnsvigil/dnsvigil/internal/components"
	"github.com/spf13/cobra"
)

func newCheckCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check FILE",
		Short: "Validate a configuration file",
		Long: `check decodes FILE strictly (unknown keys are errors) and validates every
setting, printing each problem with its file and line. Exit status 0 when the
file is valid, 2 otherwise.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := components.LoadConfig(args[0]); err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), err)
				return exitCode(exitError)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: ok\n", args[0])
			return nil
		},
	}
}

func newConfigCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "config",
		Short: "Show configuration",
	}
	c.AddCommand(&cobra.Command{
		Use:   "default",
		Short: "Print the documented default configuration",
		Long: `default prints the default configuration as YAML with every key documented.
Save it, edit it, and pass it to 'dnsvigil scan --config FILE'.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := cmd.OutOrStdout().Write(components.DefaultYAML())
			return err
		},
	})
	return c
}
