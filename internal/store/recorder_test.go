package store

import (
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/dnsname"
	"github.com/dnsvigil/dnsvigil/internal/enrich"
	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/input/pcap"
	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// recordLab records a lab capture into the store at path, as
// `dnsvigil scan --store` does (decoded with records, names enriched).
func recordLab(t *testing.T, path, capture string) {
	t.Helper()
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(testutil.RepoRoot(), "testdata", "lab", capture))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	opts := input.DefaultOptions()
	opts.Name = capture
	dec, err := pcap.Open(zr, opts)
	if err != nil {
		t.Fatal(err)
	}
	rec := NewRecorder(db)
	names := enrich.NewNames(dnsname.NewPSL(dnsname.PSLOptions{}))
	var ev event.Event
	for {
		ev.Reset()
		err := dec.Next(&ev)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			continue
		}
		names.Enrich(&ev)
		rec.Observe(&ev, nil)
	}
	rec.Flush(nil)
	if err := rec.Err(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestRecorderLab fills a store from the NS-hijack lab capture (internet
// edge and client link) and pivots: the adversary's name server serves
// the hijacked zone, its address is the glue, and the workstations asked
// under that zone. A second scan of the same capture adds to the counts.
func TestRecorderLab(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pdns.db")
	for _, c := range []string{"ns-change/inet.pcap.gz", "ns-change/lan.pcap.gz"} {
		recordLab(t, path, c)
	}
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	ns, err := db.NSOf(ctx, "corp-victim.test")
	if err != nil {
		t.Fatal(err)
	}
	hosts := map[string]bool{}
	for _, r := range ns {
		hosts[r.Data] = true
	}
	for _, want := range []string{"ns1.legit-provider.test", "ns2.legit-provider.test", "ns1.evil-c2.test", "ns2.evil-c2.test"} {
		if !hosts[want] {
			t.Errorf("NS of corp-victim.test lacks %s: %v", want, ns)
		}
	}
	served, err := db.DomainsOn(ctx, "ns1.evil-c2.test", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(served) == 0 || served[0].Name != "corp-victim.test" {
		t.Errorf("domains on ns1.evil-c2.test: %v", served)
	}
	addrs, err := db.Addresses(ctx, "ns1.evil-c2.test")
	if err != nil {
		t.Fatal(err)
	}
	if len(addrs) != 1 || addrs[0].Data != "203.0.113.53" {
		t.Errorf("addresses of ns1.evil-c2.test: %v", addrs)
	}
	clients, err := db.Clients(ctx, "corp-victim.test", ns[0].First.AddDate(0, 0, -1), ns[0].Last.AddDate(0, 0, 1), 10)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range clients {
		seen[c.Client] = true
	}
	if !seen["10.20.0.10"] || !seen["10.20.0.23"] {
		t.Errorf("clients of corp-victim.test: %v", clients)
	}
	before, _ := db.Stats(ctx)
	db.Close()
	recordLab(t, path, "ns-change/lan.pcap.gz")
	db2, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	after, _ := db2.Stats(ctx)
	if after.RRsets != before.RRsets || after.ClientDomains != before.ClientDomains || !after.First.Equal(before.First) {
		t.Errorf("a second scan of known data changed the rows or first seen: %+v -> %+v", before, after)
	}
	c2, _ := db2.Clients(ctx, "corp-victim.test", ns[0].First.AddDate(0, 0, -1), ns[0].Last.AddDate(0, 0, 1), 10)
	for i := range c2 {
		for _, c := range clients {
			// The workstations are only on the client link, scanned twice.
			if c.Client == c2[i].Client && c.Client != "10.20.1.53" && c2[i].Count != 2*c.Count {
				t.Errorf("client %s count %d after a second scan, want %d", c.Client, c2[i].Count, 2*c.Count)
			}
		}
	}
}
