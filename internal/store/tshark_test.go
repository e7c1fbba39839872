package store

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/dnsname"
	"github.com/dnsvigil/dnsvigil/internal/enrich"
	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/input/pcap"
	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// TestQueryCountsAgainstTshark records a benign GraphTunnel capture (15,000
// queries from one client) into a store, twice, and compares the client
// counts with tshark's count of DNS queries in the file: the store counts
// every query once per scan, and the second scan doubles the counts while
// keeping the rows and first-seen times.
func TestQueryCountsAgainstTshark(t *testing.T) {
	capture := testutil.SharedData(t, "graphtunnel-dns-tunnel-datasets/normal/normal/normal_00000_20230805150331.pcap")
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tshark not found (CI installs it)")
		}
		t.Skip("tshark not installed")
	}
	out, err := exec.Command(tshark, "-r", capture, "-Y", "dns.flags.response == 0", "-T", "fields", "-e", "frame.number").Output()
	if err != nil {
		t.Fatal(err)
	}
	want := int64(strings.Count(string(out), "\n"))
	path := filepath.Join(t.TempDir(), "pdns.db")
	var withDomain int64
	for scan := 1; scan <= 2; scan++ {
		db, err := Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		withDomain = recordFile(t, db, capture)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		sum, rows, first := storeTotals(t, path)
		t.Logf("scan %d: tshark %d queries, %d with a registrable domain; store: %d client facts in %d rows, first %s", scan, want, withDomain, sum, rows, first)
		if sum != int64(scan)*withDomain {
			t.Errorf("scan %d: store counts %d queries, want %d", scan, sum, int64(scan)*withDomain)
		}
	}
	if withDomain > want || withDomain < want*99/100 {
		t.Errorf("%d queries with a registrable domain out of tshark's %d", withDomain, want)
	}
}

// recordFile records one capture and returns how many queries had a
// registrable domain (the ones the client table counts).
func recordFile(t *testing.T, db *DB, path string) int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	opts := input.DefaultOptions()
	opts.Name = path
	dec, err := pcap.Open(f, opts)
	if err != nil {
		t.Fatal(err)
	}
	rec := NewRecorder(db)
	names := enrich.NewNames(dnsname.NewPSL(dnsname.PSLOptions{}))
	var n int64
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
		if ev.DNS.HasQuery && ev.Enrich.Domain != "" {
			n++
		}
		rec.Observe(&ev, nil)
	}
	rec.Flush(nil)
	if err := rec.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

// storeTotals reads the sum of client counts, the rows and the earliest
// first-seen straight from the SQLite file.
func storeTotals(t *testing.T, path string) (sum, rows int64, first string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var firstSec int64
	err = db.QueryRowContext(context.Background(), `SELECT SUM(count), COUNT(*), MIN(first_seen) FROM client_domain`).Scan(&sum, &rows, &firstSec)
	if err != nil {
		t.Fatal(err)
	}
	return sum, rows, strconv.FormatInt(firstSec, 10)
}
