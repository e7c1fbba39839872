package components

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/pipeline"
	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// TestSniffPicksTheRightFormat opens one sample of every format through the
// pipeline's opener, so that a format added to the list cannot capture
// another's files by sniffing before it.
func TestSniffPicksTheRightFormat(t *testing.T) {
	root := testutil.RepoRoot()
	cases := []struct{ file, format string }{
		{"testdata/lab/bypass/lan.pcap", "pcap"},
		{"testdata/lab/iodine/lan.pcap.gz", "pcap"},
		{"testdata/lab/corp/resolver.dnstap", "dnstap"},
		{"testdata/lab/bypass/unbound.log", "unbound-log"},
		{"internal/input/querylog/testdata/resolverlogs/unbound-iodine.log", "unbound-log"},
		{"internal/input/querylog/testdata/resolverlogs/bind-auth-queries.log", "bind-querylog"},
		{"internal/input/zeek/testdata/dns.log", "zeek"},
		{"internal/input/zeek/testdata/dns.json", "zeek"},
		{"internal/input/zeek/testdata/conn.json", "zeek"},
		{"internal/input/sysmon/testdata/events.xml", "sysmon-xml"},
		{"internal/input/sysmon/testdata/events_flat.jsonl", "sysmon-json"},
		{"internal/input/defender/testdata/dns.csv", "defender-csv"},
		{"internal/input/defender/testdata/network.json", "defender-json"},
		{"internal/input/windns/testdata/dns.log", "windns-debug"},
		{"internal/input/windns/testdata/analytical.xml", "windns-analytic-xml"},
		{"internal/input/windns/testdata/analytical_winlogbeat.jsonl", "windns-analytic-json"},
	}
	if _, ok := testutil.SharedDir(); ok || os.Getenv("CI") == "true" {
		for _, c := range []struct{ file, format string }{
			{"suricata-eve-zeus-lab/eve.json", "eve"},
			{"korving-iodine-dnsmasq/dnsmasq.log", "dnsmasq"},
			{"bind9-dnstap/dnstap.saved", "dnstap"},
		} {
			cases = append(cases, struct{ file, format string }{testutil.SharedData(t, c.file), c.format})
		}
	}
	op := &pipeline.Opener{Formats: Formats()}
	for _, c := range cases {
		name := c.file
		if !filepath.IsAbs(name) {
			name = filepath.Join(root, name)
		}
		if _, err := os.Stat(name); err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		o, err := op.Open(pipeline.Path{Name: name})
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		if o.Format != c.format {
			t.Errorf("%s: sniffed as %q, want %q", c.file, o.Format, c.format)
		}
		o.Close()
	}
}
