package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// badInputs builds the damaged inputs of the acceptance list from the
// project's own samples: a pcap cut in the middle of a packet, a pcap with a
// garbage packet, a Zeek log with a broken line and a 10 MB line, and a
// random binary file.
func badInputs(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	lan, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), "testdata/lab/bypass/lan.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Garbage packet: the payload of the 10th record (after the 24-byte file
	// header) is overwritten, its record header kept.
	garbage := bytes.Clone(lan)
	off := 24
	for i := 0; i < 9; i++ {
		incl := int(garbage[off+8]) | int(garbage[off+9])<<8 | int(garbage[off+10])<<16 | int(garbage[off+11])<<24
		off += 16 + incl
	}
	incl := int(garbage[off+8]) | int(garbage[off+9])<<8
	for j := off + 16 + 14; j < off+16+incl; j++ {
		garbage[j] = 0xA5
	}
	zeekLog, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), "internal/input/zeek/testdata/dns.log"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(zeekLog), "\n")
	var z strings.Builder
	for i, l := range lines {
		z.WriteString(l)
		if i == 9 { // after the first record
			z.WriteString("this line is broken\n")
			z.WriteString(strings.Repeat("x", 10<<20) + "\n")
		}
	}
	random := make([]byte, 1<<16)
	for i := range random {
		random[i] = byte((i*2654435761)>>13) ^ 0x5c
	}
	return map[string]string{
		"truncated": write("truncated.pcap", lan[:len(lan)/2+7]),
		"garbage":   write("garbage.pcap", garbage),
		"zeek":      write("dns.log", []byte(z.String())),
		"random":    write("random.bin", random),
	}
}

func TestScanBadInput(t *testing.T) {
	in := badInputs(t)
	quiet := writeConfig(t, "detectors:\n  volume:\n    threshold: 100000\n")
	tests := []struct {
		name string
		args []string
		code int
		want []string // regexps that stderr must match
	}{
		{"truncated pcap", []string{in["truncated"]}, exitAlerts, []string{
			`truncated\.pcap: offset \d+: truncated (file|packet)`, `records skipped by reason`, `input .*truncated\.pcap \(pcap\): [1-9]\d* events, 1 records skipped`}},
		{"garbage packet", []string{"--config", quiet, in["garbage"]}, exitAlerts, []string{
			`garbage\.pcap: offset \d+: malformed`, `input .*garbage\.pcap \(pcap\): [1-9]\d* events, 1 records skipped`}},
		{"zeek broken and huge lines", []string{"--config", quiet, in["zeek"]}, exitAlerts, []string{
			`dns\.log:11: `, `dns\.log:12: `, `input .*dns\.log \(zeek\): [1-9]\d* events, 2 records skipped`}},
		{"random binary", []string{in["random"]}, exitError, []string{`random\.bin: unknown input format`, `input errors`}},
		{"random binary next to a good file", []string{in["random"], in["garbage"], "--config", quiet}, exitError, []string{
			`random\.bin: unknown input format`, `input .*garbage\.pcap \(pcap\): [1-9]\d* events`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(append([]string{"scan", "--progress", "never"}, tc.args...), nil, &out, &errb)
			if code != tc.code {
				t.Errorf("exit code %d, want %d", code, tc.code)
			}
			for _, re := range tc.want {
				if !regexp.MustCompile(re).MatchString(errb.String()) {
					t.Errorf("stderr does not match %q:\n%s", re, errb.String())
				}
			}
		})
	}
}

// A folder is scanned whole: files of other formats found while walking it
// (a Zeek notice.log beside dns.log) are skipped and counted, not errors.
func TestScanFolderSkipsUnknownFiles(t *testing.T) {
	dir := t.TempDir()
	lan, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), "testdata/lab/corp/lan.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"lan.pcap":   lan,
		"notice.log": []byte("#separator \\x09\n#path\tnotice\n#fields\tts\tnote\n1.0\tx\n"),
		"empty.log":  nil,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	quiet := writeConfig(t, "detectors:\n  volume:\n    threshold: 100000\n")
	var out, errb bytes.Buffer
	code := run([]string{"scan", "--config", quiet, dir}, nil, &out, &errb)
	if code != exitOK {
		t.Errorf("exit %d, want %d; stderr:\n%s", code, exitOK, errb.String())
	}
	if !regexp.MustCompile(`files in walked folders not recognised, skipped\s+2`).MatchString(errb.String()) {
		t.Errorf("summary does not count the 2 skipped files:\n%s", errb.String())
	}
}
