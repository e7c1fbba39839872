package tunnel

import (
	"errors"
	"io"
	"os"
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/dnsname"
	"github.com/dnsvigil/dnsvigil/internal/enrich"
	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/input/pcap"
	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// runCapture decodes a capture with the pcap decoder and the name enricher,
// as the pipeline does, and returns the detector's alerts.
func runCapture(t *testing.T, path string) []*alert.Alert {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec, err := pcap.Open(f, input.Options{Name: path})
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	names := enrich.NewNames(dnsname.NewPSL(dnsname.PSLOptions{}))
	var alerts []*alert.Alert
	emit := func(a *alert.Alert) { alerts = append(alerts, a) }
	var ev event.Event
	for {
		ev.Reset()
		err := dec.Next(&ev)
		if errors.Is(err, io.EOF) {
			break
		}
		var re *input.RecordError
		if errors.As(err, &re) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		names.Enrich(&ev)
		d.Observe(&ev, emit)
	}
	d.Flush(emit)
	return alerts
}

// TestRealCaptures runs the detector over tunnel tool captures and a benign
// capture from ../shared/data (ground truth in its SOURCES.md).
func TestRealCaptures(t *testing.T) {
	tests := []struct {
		name, file     string
		client, domain string // every alert's; empty client: no alert wanted
		noHigh         bool   // benign: no high or critical alert
	}{
		{name: "dns2tcp", file: "dmachard-datasets-malicious-dns/dns2tcp.pcap", client: "192.168.1.17", domain: "hsc.fr"},
		{name: "dnscat2", file: "dmachard-datasets-malicious-dns/dnscat2.pcap", client: "192.168.1.17", domain: "biillpi.com"},
		{name: "DNSExfiltrator", file: "dmachard-datasets-malicious-dns/dnsextrator.pcap", client: "192.168.1.102", domain: "hsc.fr"},
		{name: "sods", file: "dmachard-datasets-malicious-dns/sods.pcap", client: "192.168.1.17", domain: "hsc.fr"},
		{name: "benign: graphtunnel normal_00000", file: "graphtunnel-dns-tunnel-datasets/normal/normal/normal_00000_20230805150331.pcap", noHigh: true},
		{name: "benign: graphtunnel normal_00009", file: "graphtunnel-dns-tunnel-datasets/normal/normal/normal_00009_20230805200318.pcap", noHigh: true},
		{name: "benign: graphtunnel normal_00018", file: "graphtunnel-dns-tunnel-datasets/normal/normal/normal_00018_20230805212730.pcap", noHigh: true},
		{name: "benign: graphtunnel normal_00027", file: "graphtunnel-dns-tunnel-datasets/normal/normal/normal_00027_20230806095642.pcap", noHigh: true},
		{name: "benign: graphtunnel normal_00036", file: "graphtunnel-dns-tunnel-datasets/normal/normal/normal_00036_20230806110924.pcap", noHigh: true},
		{name: "benign: graphtunnel normal_00045", file: "graphtunnel-dns-tunnel-datasets/normal/normal/normal_00045_20230806121741.pcap", noHigh: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			alerts := runCapture(t, testutil.SharedData(t, tc.file))
			for _, a := range alerts {
				s, _ := a.Get("score")
				t.Logf("%s score %v key %s: %s", a.Severity, s, a.Key, a.Summary)
			}
			if tc.noHigh {
				for _, a := range alerts {
					if a.Severity >= alert.SeverityHigh {
						t.Errorf("benign capture gave a %s alert %s", a.Severity, a.Key)
					}
				}
				return
			}
			if len(alerts) == 0 {
				t.Fatal("no tunnel alert")
			}
			for _, a := range alerts {
				if a.Client.String() != tc.client || a.Domain != tc.domain {
					t.Errorf("alert for %v / %q, want %s / %q", a.Client, a.Domain, tc.client, tc.domain)
				}
			}
		})
	}
}
