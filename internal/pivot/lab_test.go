package pivot

import (
	"bytes"
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
	"github.com/dnsvigil/dnsvigil/internal/store"
	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// labStore records the NS-hijack lab captures (internet edge and client
// link) into a new store, as `dnsvigil scan --store` does, and opens it.
func labStore(t *testing.T) *store.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pdns.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec := store.NewRecorder(db)
	names := enrich.NewNames(dnsname.NewPSL(dnsname.PSLOptions{}))
	for _, c := range []string{"ns-change/inet.pcap.gz", "ns-change/lan.pcap.gz"} {
		decodeLab(t, c, func(ev *event.Event) {
			names.Enrich(ev)
			rec.Observe(ev, nil)
		})
	}
	rec.Flush(nil)
	if err := rec.Err(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func decodeLab(t *testing.T, capture string, observe func(*event.Event)) {
	t.Helper()
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
	var ev event.Event
	for {
		ev.Reset()
		err := dec.Next(&ev)
		if errors.Is(err, io.EOF) {
			return
		}
		if err == nil {
			observe(&ev)
		}
	}
}

// TestLab pivots on the NS-hijack lab store: from the hijacked domain to
// both delegations, the adversary's name server address and the
// workstations, and from the adversary's address back to the domain.
func TestLab(t *testing.T) {
	db := labStore(t)
	cases := []struct {
		root string
		want []string // node IDs
	}{
		{root: "corp-victim.test", want: []string{
			"ns:ns1.evil-c2.test", "ns:ns1.legit-provider.test", "addr:203.0.113.53",
			"client:10.20.0.10", "client:10.20.0.23",
		}},
		{root: "203.0.113.53", want: []string{"ns:ns1.evil-c2.test", "domain:corp-victim.test"}},
	}
	for _, c := range cases {
		t.Run(c.root, func(t *testing.T) {
			g, err := Build(context.Background(), db, c.root, Options{})
			if err != nil {
				t.Fatal(err)
			}
			have := map[string]bool{}
			for _, n := range g.Nodes {
				have[n.ID] = true
			}
			for _, id := range c.want {
				if !have[id] {
					t.Errorf("pivot from %s lacks %s", c.root, id)
				}
			}
			checkGraph(t, g)
			var b bytes.Buffer
			if err := WriteTree(&b, g); err != nil {
				t.Fatal(err)
			}
			t.Logf("\n%s", b.String())
		})
	}
}
