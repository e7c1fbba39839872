package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/spf13/cobra"

	"github.com/dnsvigil/dnsvigil/internal/components"
	"github.com/dnsvigil/dnsvigil/internal/dnsname"
	"github.com/dnsvigil/dnsvigil/internal/pivot"
	"github.com/dnsvigil/dnsvigil/internal/resolve"
	"github.com/dnsvigil/dnsvigil/internal/sink/escape"
	"github.com/dnsvigil/dnsvigil/internal/store"
)

type pivotOptions struct {
	store, since, until, format, configPath string
	resolve                                 bool
	resolvers                               []string
	maxSiblings, maxAddresses, maxClients   int
}

func newPivotCmd() *cobra.Command {
	var o pivotOptions
	c := &cobra.Command{
		Use:   "pivot NAME|IP",
		Short: "Walk the passive-DNS store from a domain or address to its name servers, sibling zones, addresses and clients",
		Long: `pivot reads the passive-DNS store that scan --store fills and walks from a
domain to the name servers it was delegated to (with first and last seen), to
the other zones those servers serve, to the addresses of all of them, and to
the internal clients that asked under any of them; from an address it starts
with the names seen at it. --since and --until bound every fact by event time.

With --resolve, a domain the store holds no name servers for is looked up
(NS, SOA and the servers' addresses) through the approved resolvers of the
configuration (detectors.resolver.approved, single addresses only) and those
named with --resolver, and the answers are added to the store first. Nothing
else is ever queried.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runPivot(cmd, o, args[0]) },
	}
	f := c.Flags()
	f.StringVar(&o.store, "store", "", "the passive-DNS store file (required)")
	f.StringVar(&o.since, "since", "", "only facts seen at or after this time (RFC 3339)")
	f.StringVar(&o.until, "until", "", "only facts seen at or before this time (RFC 3339)")
	f.StringVar(&o.format, "format", "tree", "output format: tree, json or dot")
	f.StringVar(&o.configPath, "config", "", "configuration file (for --resolve: the approved resolvers)")
	f.BoolVar(&o.resolve, "resolve", false, "look up name servers the store lacks, through the approved resolvers only")
	f.StringSliceVar(&o.resolvers, "resolver", nil, "an approved resolver to ask with --resolve (IP or IP:port); repeatable, added to the configuration's")
	f.IntVar(&o.maxSiblings, "max-siblings", pivot.DefaultMaxSiblings, "name servers per domain, zones per server and names per address, at most")
	f.IntVar(&o.maxAddresses, "max-addresses", pivot.DefaultMaxAddresses, "addresses per name, at most")
	f.IntVar(&o.maxClients, "max-clients", pivot.DefaultMaxClients, "clients per domain, at most")
	return c
}

func runPivot(cmd *cobra.Command, o pivotOptions, root string) error {
	stderr := cmd.ErrOrStderr()
	write := map[string]func(*pivot.Graph) error{
		"tree": func(g *pivot.Graph) error { return pivot.WriteTree(cmd.OutOrStdout(), g) },
		"json": func(g *pivot.Graph) error { return pivot.WriteJSON(cmd.OutOrStdout(), g) },
		"dot":  func(g *pivot.Graph) error { return pivot.WriteDOT(cmd.OutOrStdout(), g) },
	}[o.format]
	if write == nil {
		return fmt.Errorf("--format: want tree, json or dot, got %q", o.format)
	}
	if o.store == "" {
		return fmt.Errorf("--store: name the passive-DNS store file (filled by scan --store)")
	}
	opts := pivot.Options{MaxSiblings: o.maxSiblings, MaxAddresses: o.maxAddresses, MaxClients: o.maxClients}
	var err error
	if opts.Since, err = parseTimeFlag("--since", o.since); err != nil {
		return err
	}
	if opts.Until, err = parseTimeFlag("--until", o.until); err != nil {
		return err
	}
	db, err := openExistingStore(o.store)
	if err != nil {
		fmt.Fprintln(stderr, escape.Terminal(err.Error()))
		return exitCode(exitError)
	}
	defer db.Close()
	ctx := context.Background()
	if o.resolve {
		if err := resolveInto(ctx, db, o.configPath, o.resolvers, root, stderr); err != nil {
			return err
		}
	}
	root, err = zoneRoot(ctx, db, root)
	if err != nil {
		return err
	}
	g, err := pivot.Build(ctx, db, root, opts)
	if err != nil {
		return err
	}
	return write(g)
}

// zoneRoot returns the closest enclosing name of root, up to its
// registrable domain, that the store holds name servers for: a pivot from
// www.example.com starts at the zone example.com. Addresses, and names
// with no such parent, are returned as they are.
func zoneRoot(ctx context.Context, db *store.DB, root string) (string, error) {
	name, kind, err := pivot.ParseRoot(root)
	if err != nil || kind != pivot.KindDomain {
		return root, nil // Build reports a bad root
	}
	reg := dnsname.NewPSL(dnsname.PSLOptions{}).Domain(name)
	for n := name; n != "" && len(n) >= len(reg); n = dnsname.Parent(n) {
		ns, err := db.NSOf(ctx, n)
		if err != nil {
			return "", err
		}
		if len(ns) > 0 {
			return n, nil
		}
		if n == reg {
			break
		}
	}
	return name, nil
}

// resolveInto looks up the name servers of root's registrable domain when
// the store has none, through the approved resolvers, and adds the answers.
func resolveInto(ctx context.Context, db *store.DB, configPath string, extra []string, root string, stderr io.Writer) error {
	if _, err := netip.ParseAddr(root); err == nil {
		return nil // an address: nothing to resolve
	}
	name, _, err := pivot.ParseRoot(root)
	if err != nil {
		return err
	}
	domain := dnsname.NewPSL(dnsname.PSLOptions{}).Domain(name)
	if domain == "" {
		return fmt.Errorf("--resolve: %q has no registrable domain", name)
	}
	if ns, err := db.NSOf(ctx, domain); err != nil || len(ns) > 0 {
		return err
	}
	cfg, err := components.LoadConfig(configPath)
	if err != nil {
		return err
	}
	rc := cfg.ResolveConfig()
	rc.Resolvers = append(rc.Resolvers, extra...)
	if len(rc.Resolvers) == 0 {
		return fmt.Errorf("--resolve: the configuration names no approved resolver address (resolve.resolvers, detectors.resolver.approved) to ask")
	}
	r, err := resolve.New(rc, nil)
	if err != nil {
		return err
	}
	res, err := r.Lookup(ctx, domain)
	if err != nil {
		return fmt.Errorf("--resolve %s: %w", domain, err)
	}
	for _, f := range res.Facts(time.Now().UTC()) {
		if err := db.Add(f); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "resolved %s through %s: %d name servers\n", escape.Terminal(domain), escape.Terminal(res.Resolver), len(res.NS))
	return db.Flush()
}

func parseTimeFlag(flag, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: want an RFC 3339 time such as 2026-11-28T04:00:00Z: %w", flag, err)
	}
	return t, nil
}
