// Command gencatalogue writes the resolver detector's catalogue of public DNS
// resolvers and DoH endpoints (catalogue.tsv.gz) from public lists, so that
// an alert can say "this is Quad9" or "this is an ISP's open resolver" and
// every entry carries the lists that name it.
//
// It reads, under -lists (the shared data folder's lists/):
//
//   - curated.tsv beside this file: the seed query's KnownPublicDNS list and
//     addresses from providers' own documentation (source codes seed, curated);
//   - pingproxies-public-dns-directory/resolvers.csv (MIT License; source
//     pingproxies): entries marked trusted or anycast are tier known, the
//     others tier open;
//   - misp-warninglists/public-dns-v4.json and public-dns-v6.json (CC0-1.0;
//     source misp): tier open unless another source knows them.
//
// Two lists in the same folder are left out on purpose: dibdot
// DoH-IP-blocklists is GPL-3.0, which the catalogue's licence cannot carry,
// and jameshas Public-DoH-Lists states no licence, so it may not be
// redistributed.
//
// Addresses in special-purpose ranges (private, loopback, ...) are dropped:
// the detector never alerts on them when private destinations count as
// approved, and a public list that names one is wrong. The output is sorted
// by address and deterministic.
//
// Usage (from the resolver package, through go generate):
//
//	go run ./internal/gencatalogue -lists ../../../../shared/data/lists -out catalogue.tsv.gz
package main

import (
	"compress/gzip"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"os"
)

//go:embed curated.tsv
var curatedTSV []byte

func main() {
	lists := flag.String("lists", "", "folder holding the public lists (shared/data/lists)")
	out := flag.String("out", "catalogue.tsv.gz", "output file")
	flag.Parse()
	if *lists == "" {
		fmt.Fprintln(os.Stderr, "gencatalogue: -lists is required")
		os.Exit(2)
	}
	if err := run(*lists, *out, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gencatalogue:", err)
		os.Exit(1)
	}
}

func run(lists, out string, log io.Writer) error {
	cat, err := build(lists, curatedTSV)
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	zw, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		f.Close()
		return err
	}
	if err := cat.writeTSV(zw); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(log, "gencatalogue: wrote %s: %d entries (%d known, %d open); skipped %d invalid and %d special-purpose addresses\n",
		out, len(cat.entries), cat.count(tierKnown), cat.count(tierOpen), cat.invalid, cat.special)
	return nil
}
