package querylog

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/testutil"
	"github.com/google/go-cmp/cmp"
)

// TestKorvingIodine decodes the dnsmasq log of an iodine tunnel (SOURCES.md:
// Korving-F/iodine-log-analysis): client 172.18.0.3 tunnels through dnsmasq
// to the forwarder 172.18.0.2 for example.attack; every query is tunnel
// traffic.
func TestKorvingIodine(t *testing.T) {
	path := testutil.SharedData(t, "korving-iodine-dnsmasq/dnsmasq.log")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := decodeAll(t, bytes.NewReader(raw), testOpts(path))
	if len(got.errs) > 0 {
		t.Fatalf("unexpected errors: %v", got.errs)
	}
	if want := bytes.Count(raw, []byte("query[")); len(got.rows) != want {
		t.Errorf("got %d query events, want %d (lines with query[)", len(got.rows), want)
	}

	type summary struct {
		Clients, Servers, Types map[string]int
		Tunnel, Unprintable     int
	}
	s := summary{Clients: map[string]int{}, Servers: map[string]int{}, Types: map[string]int{}}
	for _, r := range got.rows {
		s.Clients[r.Client]++
		s.Servers[r.Server]++
		s.Types[map[uint16]string{5: "CNAME", 10: "NULL", 16: "TXT", 33: "SRV"}[r.QType]]++
		switch {
		case strings.HasSuffix(r.QName, ".example.attack"):
			s.Tunnel++
		case strings.Contains(r.QName, "unprintable"):
			s.Unprintable++
		}
	}
	want := summary{
		Clients:     map[string]int{"172.18.0.3:0": 21},
		Servers:     map[string]int{"172.18.0.2:53": 21},
		Types:       map[string]int{"NULL": 9, "SRV": 5, "TXT": 6, "CNAME": 1},
		Tunnel:      18,
		Unprintable: 3,
	}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}

	// The first SRV query got five <SRV> reply lines; the TXT replies arrive
	// one query late and still pair within the pair timeout.
	byName := map[string]row{}
	for _, r := range got.rows {
		byName[r.QName] = r
	}
	if r := byName["pabax5ia.example.attack"]; len(r.Answers) != 5 || !r.Resp || r.RCode != 0 {
		t.Errorf("pabax5ia = %+v, want 5 answers, NOERROR", r)
	}
	if r := byName["paaaeqhq.example.attack"]; !r.Resp || len(r.Answers) != 1 || r.RTT.Seconds() != 4 {
		t.Errorf("paaaeqhq = %+v, want its late reply paired (rtt 4s)", r)
	}
	if r := byName["paaaeqiy.example.attack"]; r.Resp {
		t.Errorf("paaaeqiy = %+v, want no reply (the log ends first)", r)
	}
	if got.counts["reply lines unpaired"] != 1 {
		t.Errorf("unpaired replies = %d, want 1 (paaaeqhi, asked before the log starts)", got.counts["reply lines unpaired"])
	}
}
