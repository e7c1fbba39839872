package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
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

// A tunnel alert quotes attacker-chosen names in its summary (the domain)
// and evidence (sample names). A channel under a registrable domain that
// holds a terminal escape, a newline and HTML raises its alert without
// letting any of them through raw.
func TestScanHostileTunnelNamesCannotInject(t *testing.T) {
	const domain = "tun\x1b[31m\n<b>DNSV-TUN-001.example"
	var names []string
	for i := range 40 {
		names = append(names, strings.Repeat(string(rune('a'+i%26)), 3)+"4k2m9q7x1z5w8v3n6p0r.t"+strconv.Itoa(i)+"b7c2d9."+domain)
	}
	path := filepath.Join(t.TempDir(), "hostile-tunnel.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	err = pcapgen.Write(f, pcapgen.Config{
		Pairs:   len(names),
		Clients: []netip.Addr{netip.MustParseAddr("10.9.9.9")},
		Servers: []netip.Addr{netip.MustParseAddr("10.0.0.53")},
		Names:   names, QType: 1, Answers: 1,
		Start: time.Unix(1_800_000_000, 0), Interval: 100 * time.Millisecond, RTT: time.Millisecond,
	})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	var table, errb bytes.Buffer
	if code := run([]string{"scan", "--color", "never", path}, nil, &table, &errb); code != exitAlerts {
		t.Fatalf("table: exit %d; stderr:\n%s", code, errb.String())
	}
	out := table.String()
	if !strings.Contains(out, "DNSV-TUN-001  10.9.9.9") {
		t.Fatalf("no tunnel alert in the table:\n%s", out)
	}
	for i, r := range out {
		if (r < 0x20 && r != '\n') || r == 0x7f {
			t.Fatalf("table has raw %U at byte %d:\n%s", r, i, out)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "<b>") || strings.HasPrefix(line, "DNSV-TUN-001.example") {
			t.Errorf("a name started a line of its own: %q", line)
		}
	}
	var js bytes.Buffer
	if code := run([]string{"scan", "--format", "json", path}, nil, &js, &bytes.Buffer{}); code != exitAlerts {
		t.Fatalf("json: exit %d", code)
	}
	sc := bufio.NewScanner(&js)
	tunnels := 0
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("not one JSON object: %v\n%s", err, sc.Text())
		}
		if bytes.Contains(sc.Bytes(), []byte("<b>")) || bytes.Contains(sc.Bytes(), []byte{0x1b}) {
			t.Errorf("raw HTML or ESC in JSON line: %s", sc.Text())
		}
		if strings.Contains(sc.Text(), `"DNSV-TUN-001"`) {
			tunnels++
		}
	}
	if tunnels != 1 {
		t.Errorf("%d tunnel alerts in JSON, want 1", tunnels)
	}
}
