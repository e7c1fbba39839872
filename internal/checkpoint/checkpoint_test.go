package checkpoint

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/google/go-cmp/cmp"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "serve.checkpoint")
	st, err := Load(path)
	if err != nil || len(st.Positions) != 0 || len(st.Delivered) != 0 {
		t.Fatalf("missing file: %+v, %v", st, err)
	}
	l := NewLedger(10, nil)
	l.Deliver(&alert.Alert{RuleID: "R", Key: "k1"})
	st.Positions["dnsmasq"] = json.RawMessage(`{"offset":42}`)
	st.Delivered = l.Snapshot()
	st.Written = time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	if err := Save(path, st); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(st, got); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
		t.Errorf("temporary files left: %v", ents)
	}
}

func TestLoadRejectsGarbageAndOtherVersions(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"torn":    `{"version":1,"positions":{"a":`,
		"version": `{"version":99}`,
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o600)
		if _, err := Load(p); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestLedgerSuppressesRepeatsAndForgetsOldest(t *testing.T) {
	l := NewLedger(3, nil)
	a := func(k string, n int) *alert.Alert {
		return &alert.Alert{RuleID: "R", Key: k, Summary: k, Evidence: []alert.Field{{Name: "n", Value: n}}}
	}
	if !l.Deliver(a("k1", 1)) || l.Deliver(a("k1", 1)) {
		t.Fatal("the same report must be delivered once")
	}
	if !l.Deliver(a("k1", 2)) {
		t.Fatal("a new report of the same finding is new")
	}
	l.Deliver(a("k2", 1))
	l.Deliver(a("k3", 1)) // evicts k1/1
	if !l.Deliver(a("k1", 1)) {
		t.Error("the oldest fingerprint should have been forgotten")
	}
	if l.Len() != 3 || l.Suppressed != 1 {
		t.Errorf("len %d suppressed %d", l.Len(), l.Suppressed)
	}
	// A ledger restored from a snapshot suppresses the same reports.
	r := NewLedger(3, l.Snapshot())
	if r.Deliver(a("k3", 1)) || r.Deliver(a("k1", 1)) {
		t.Error("restored ledger delivered a known report")
	}
}

func TestFingerprintText(t *testing.T) {
	var f Fingerprint
	if err := f.UnmarshalText([]byte("zz")); err == nil {
		t.Error("short text accepted")
	}
}
