package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/dnsvigil/dnsvigil/internal/input/pcap/pcapgen"
)

// Query names are chosen by attackers. Names carrying terminal escapes,
// a bidi override, a newline, HTML and quotes travel through a real capture
// to both outputs: the table holds no raw control or bidi character and no
// forged line, and every JSON line is valid JSON holding one alert.
func TestScanHostileNamesCannotInject(t *testing.T) {
	hostile := []string{
		"\x1b[2J\x1b[31mpwned.evil.example",
		"a\u202egnp.exe.evil.example",
		"line\nDNSV-RES-001 forged.evil.example",
		"<script>alert(1)</script>.evil.example",
		`quote"and\back.evil.example`,
		"bell\x07\x00nul.evil.example",
	}
	path := filepath.Join(t.TempDir(), "hostile.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	err = pcapgen.Write(f, pcapgen.Config{
		Pairs:   len(hostile),
		Clients: []netip.Addr{netip.MustParseAddr("10.9.9.9")},
		Servers: []netip.Addr{netip.MustParseAddr("203.0.113.99")},
		Names:   hostile, QType: 1, Answers: 1,
		Start: time.Unix(1_800_000_000, 0), Interval: time.Millisecond, RTT: time.Millisecond,
	})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, "detectors:\n  resolver:\n    samples: 10\n")

	var table, errb bytes.Buffer
	if code := run([]string{"scan", "--config", cfg, "--color", "never", path}, nil, &table, &errb); code != exitAlerts {
		t.Fatalf("table: exit %d; stderr:\n%s", code, errb.String())
	}
	out := table.String()
	for i, r := range out {
		if r == utf8.RuneError || (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			t.Fatalf("table has raw %U at byte %d:\n%s", r, i, out)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "DNSV-RES-001") || strings.HasPrefix(line, "forged") {
			t.Errorf("a query name started a line of its own: %q", line)
		}
	}
	if !strings.Contains(out, `\027[2j\027[31mpwned.evil.example`) {
		t.Errorf("escaped ESC not shown visibly:\n%s", out)
	}

	var js bytes.Buffer
	if code := run([]string{"scan", "--config", cfg, "--format", "json", path}, nil, &js, &bytes.Buffer{}); code != exitAlerts {
		t.Fatalf("json: exit %d", code)
	}
	sc := bufio.NewScanner(&js)
	lines := 0
	for sc.Scan() {
		lines++
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %d is not one JSON object: %v\n%s", lines, err, sc.Text())
		}
		if bytes.Contains(sc.Bytes(), []byte("<script>")) {
			t.Errorf("raw HTML in JSON line: %s", sc.Text())
		}
	}
	if lines != 1 {
		t.Errorf("%d JSON lines, want 1 (one alert for the pair)", lines)
	}
}
