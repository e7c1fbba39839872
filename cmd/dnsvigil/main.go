// Command dnsvigil finds adversary-run DNS infrastructure and DNS abuse in
// the telemetry a security team already has (MITRE ATT&CK DET0862,
// T1583.002).
//
// Exit codes: 0 when no alert was raised, 1 when at least one was, 2 for a
// usage, configuration or input error (an input named on the command line
// that could not be opened or recognised, or a read that failed). Records
// skipped inside a readable input, and files of other formats found while
// walking a folder, are counted in the summary and do not change the exit
// code.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	exitOK     = 0
	exitAlerts = 1
	exitError  = 2
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// exitCode carries a non-zero exit status out of a command without printing
// anything more.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	var code exitCode
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &code):
		return int(code)
	default:
		fmt.Fprintf(stderr, "dnsvigil: %v\n", err)
		return exitError
	}
}

func newRootCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "dnsvigil",
		Short: "Find adversary-run DNS infrastructure and DNS abuse in network and endpoint telemetry",
		Long: `dnsvigil reads the DNS telemetry a security team already has (pcap, Zeek logs,
Sysmon, Microsoft Defender exports) and reports hosts that send DNS to unapproved
resolvers, hosts whose DNS volume looks like tunnelling, and changes of a host's
resolver settings (MITRE ATT&CK T1583.002, detection strategy DET0862).

Exit codes: 0 no alert, 1 alerts raised, 2 usage, configuration or input error.`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w\nrun '%s --help' for usage", err, c.CommandPath())
	})
	root.AddCommand(newScanCmd(), newCheckCmd(), newConfigCmd(), newBenchDetectCmd(), newStoreCmd(), newPivotCmd(), newServeCmd())
	return root
}
