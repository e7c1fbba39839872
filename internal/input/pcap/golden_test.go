package pcap

import (
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// svTest is the part of a suricata-verify test.yaml this test reads.
type svTest struct {
	Pcap   string `yaml:"pcap"`
	Checks []struct {
		Filter struct {
			Count int            `yaml:"count"`
			Match map[string]any `yaml:"match"`
		} `yaml:"filter"`
	} `yaml:"checks"`
}

// TestSuricataGolden decodes suricata-verify captures and checks the DNS
// fields their test.yaml expects Suricata to log: query name and type,
// rcode, flags, and answer and authority records. For each selected check,
// the number of events matching every dns.* key must equal the check's
// count. The expected values are read from the yaml files themselves.
func TestSuricataGolden(t *testing.T) {
	tests := []struct {
		yaml   string
		checks []int
	}{
		{"tests/dns-eve-v2-udp-nxdomain-soa/test.yaml", []int{0}},
		{"tests/dns/v2/dns-udp-eve-txt/test.yaml", []int{0, 1, 2, 3}},
		{"tests/dns/v2/dns-udp-eve-dig/test.yaml", []int{1, 2}},
		{"tests/dns/v2/dns-udp-eve-log-srv/test.yaml", []int{0, 1}},
		{"tests/dns/dns-forward-pointer/test.yaml", []int{2}},
		{"tests/dns-reversed-udp-1/test.yaml", []int{1}},
		{"tests/dns-tcp-ts-gap/test.yaml", []int{0, 2}},
		{"tests/dns/dns-corrupt-additionals/test.yaml", []int{0}},
		{"tests/dns-udp-junkrequest-first/test.yaml", []int{0}},
	}
	for _, tc := range tests {
		t.Run(filepath.Dir(tc.yaml), func(t *testing.T) {
			yamlPath := testutil.SharedData(t, filepath.Join("suricata-verify-dns", tc.yaml))
			spec := loadSVTest(t, yamlPath)
			events := decodeDNS(t, svPcap(t, yamlPath, spec))
			for _, i := range tc.checks {
				f := spec.Checks[i].Filter
				n := 0
				for j := range events {
					if matchEVE(t, &events[j], f.Match) {
						n++
					}
				}
				if n != f.Count {
					t.Errorf("check %d: %d events match %v, want %d", i, n, f.Match, f.Count)
				}
			}
		})
	}
}

func loadSVTest(t *testing.T, path string) svTest {
	t.Helper()
	raw, err := os.ReadFile(path)
	must(t, err)
	var spec svTest
	if err := yaml.Unmarshal(raw, &spec); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return spec
}

// svPcap resolves the capture a test.yaml runs on: its pcap key, relative
// to the yaml, or the single capture beside it.
func svPcap(t *testing.T, yamlPath string, spec svTest) string {
	t.Helper()
	dir := filepath.Dir(yamlPath)
	if spec.Pcap != "" {
		return filepath.Join(dir, spec.Pcap)
	}
	found, err := filepath.Glob(filepath.Join(dir, "*.pcap"))
	must(t, err)
	if len(found) != 1 {
		t.Fatalf("%s: want one capture beside the yaml, found %v", dir, found)
	}
	return found[0]
}

// decodeDNS returns deep copies of the DNS events in a capture.
func decodeDNS(t *testing.T, path string) []event.DNS {
	t.Helper()
	fh, err := os.Open(path)
	must(t, err)
	defer fh.Close()
	d, err := Open(fh, input.Options{Name: path})
	must(t, err)
	var out []event.DNS
	var ev event.Event
	for {
		err := d.Next(&ev)
		if err != nil {
			if input.IsRecordError(err) {
				continue
			}
			break
		}
		if ev.Kind == event.KindDNS {
			out = append(out, cloneDNS(ev.DNS))
		}
	}
	return out
}

func cloneDNS(d event.DNS) event.DNS {
	clone := func(rrs []event.RR) []event.RR {
		out := make([]event.RR, len(rrs))
		for i, rr := range rrs {
			out[i] = rr
			out[i].Name, out[i].Data = string([]byte(rr.Name)), string([]byte(rr.Data))
		}
		return out
	}
	d.QName = string([]byte(d.QName))
	d.Answers, d.Authority, d.Additional = clone(d.Answers), clone(d.Authority), clone(d.Additional)
	return d
}
