package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

func TestBuildMerges(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, content string) {
		t.Helper()
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("pingproxies-public-dns-directory/resolvers.csv", "ip,version,organization,trusted,anycast\n"+
		"9.9.9.9,4,Quad9 Foundation,True,True\n"+
		"203.0.113.7,4,\"Example ISP, Inc.\",False,False\n"+
		"198.51.100.9,4,Anycast Co\t(tab),False,True\n"+
		"10.1.2.3,4,Private Box,False,False\n"+
		"not-an-ip,4,Broken,False,False\n")
	write("misp-warninglists/public-dns-v4.json", `{"description": "x", "list": ["203.0.113.7", "192.0.2.99", "9.9.9.9"]}`)
	write("misp-warninglists/public-dns-v6.json", `{"list": ["2001:db8::53", "::ffff:192.0.2.99"]}`)
	curated := "# comment\n9.9.9.9\tQuad9\tresolver,doh,dot\tseed,curated\thttps://example.test/quad9\n"

	c, err := build(dir, []byte(curated))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := c.writeTSV(&buf); err != nil {
		t.Fatal(err)
	}
	body := strings.TrimPrefix(buf.String(), header)
	want := "9.9.9.9\tQuad9\tresolver,doh,dot\tknown\tseed,curated,pingproxies,misp\n" +
		"192.0.2.99\t\tresolver\topen\tmisp\n" +
		"198.51.100.9\tAnycast Co (tab)\tresolver\tknown\tpingproxies\n" +
		"203.0.113.7\tExample ISP, Inc.\tresolver\topen\tpingproxies,misp\n" +
		"2001:db8::53\t\tresolver\topen\tmisp\n"
	if diff := cmp.Diff(want, body); diff != "" {
		t.Errorf("catalogue mismatch (-want +got):\n%s", diff)
	}
	if c.invalid != 1 || c.special != 1 {
		t.Errorf("invalid = %d, special = %d; want 1 and 1", c.invalid, c.special)
	}
}

func TestBuildFailsOnMissingList(t *testing.T) {
	if _, err := build(t.TempDir(), curatedTSV); err == nil {
		t.Fatal("build over an empty folder: want an error")
	}
}

// TestCatalogueUpToDate regenerates the catalogue from the shared lists and
// compares it with the committed catalogue.tsv.gz (decompressed, so a
// different compressor version does not matter).
func TestCatalogueUpToDate(t *testing.T) {
	lists := testutil.SharedData(t, "lists")
	c, err := build(lists, curatedTSV)
	if err != nil {
		t.Fatal(err)
	}
	var fresh bytes.Buffer
	if err := c.writeTSV(&fresh); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join("..", "..", "catalogue.tsv.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fresh.Bytes(), committed) {
		t.Errorf("catalogue.tsv.gz is stale: run go generate ./internal/detect/resolver (fresh %d bytes, committed %d bytes)", fresh.Len(), len(committed))
	}
}
