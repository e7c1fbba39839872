package volume

import (
	"bufio"
	"errors"
	"io"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/weppos/publicsuffix-go/publicsuffix"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// packetReader is what pcapgo's pcap and pcapng readers share.
type packetReader interface {
	ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	LinkType() layers.LinkType
}

// pcapQueries reads the DNS queries (QR clear) of a pcap file as query
// events, with the registrable domain filled as the inline enricher would.
// A real capture's responses are paired with their queries by the decoder,
// so counting queries alone counts each exchange once, as the detector does.
func pcapQueries(t *testing.T, path string) []event.Event {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r packetReader
	if magic, _ := br.Peek(4); string(magic) == "\x0a\x0d\x0d\x0a" {
		r, err = pcapgo.NewNgReader(br, pcapgo.DefaultNgReaderOptions)
	} else {
		r, err = pcapgo.NewReader(br)
	}
	if err != nil {
		t.Fatal(err)
	}
	psl := &publicsuffix.FindOptions{IgnorePrivate: true, DefaultRule: publicsuffix.DefaultRule}
	var out []event.Event
	for {
		data, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		pkt := gopacket.NewPacket(data, r.LinkType(), gopacket.Default)
		dl, ok := pkt.Layer(layers.LayerTypeDNS).(*layers.DNS)
		if !ok || dl.QR || len(dl.Questions) == 0 {
			continue
		}
		nl := pkt.NetworkLayer()
		if nl == nil {
			continue
		}
		src, _ := netip.AddrFromSlice(nl.NetworkFlow().Src().Raw())
		dst, _ := netip.AddrFromSlice(nl.NetworkFlow().Dst().Raw())
		var ev event.Event
		ev.Kind = event.KindDNS
		ev.Time = ci.Timestamp.UTC()
		ev.Client = netip.AddrPortFrom(src.Unmap(), 0)
		ev.Server = netip.AddrPortFrom(dst.Unmap(), 53)
		ev.DNS.HasQuery = true
		ev.DNS.QName = strings.ToLower(strings.TrimSuffix(string(dl.Questions[0].Name), "."))
		ev.DNS.QType = uint16(dl.Questions[0].Type)
		ev.Enrich.Domain, _ = publicsuffix.DomainFromListWithOptions(publicsuffix.DefaultList, ev.DNS.QName, psl)
		out = append(out, ev)
	}
}

// TestRealCaptures runs the detector over tunnel captures and a benign bulk
// resolution capture from ../shared/data (ground truth in its SOURCES.md).
func TestRealCaptures(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		queries int
		// every alert must be for this client and top domain
		client, domain string
		minAlerts      int
		// distinct_domains bounds in each alert: a tunnel uses one
		// registrable domain, bulk resolution many
		minDomains, maxDomains int64
		first                  []int64 // query_count of the first alerts, in order
	}{
		{
			name: "iodine, 222 NULL queries in 24 s", file: "comnet24s-dns-tunnel-pcaps/iodine/examples.elastic.github.com.pcap",
			queries: 222, client: "10.0.2.30", domain: "pirate.sea", minAlerts: 1, minDomains: 1, maxDomains: 1,
			first: []int64{222},
		},
		{
			name: "iodine over CNAME straight to its name server, one hour", file: "graphtunnel-dns-tunnel-datasets/tunnel/iodine-cname.pcap",
			queries: 9089, client: "192.168.117.128", domain: "ggy666.tk", minAlerts: 10, minDomains: 1, maxDomains: 2,
		},
		{
			name: "benign: one host resolving 15000 popular names in 14 minutes", file: "graphtunnel-dns-tunnel-datasets/normal/normal/normal_00045_20230806121741.pcap",
			queries: 15000, client: "192.168.68.62", minAlerts: 3, minDomains: 200, maxDomains: 20000,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			evs := pcapQueries(t, testutil.SharedData(t, tc.file))
			if len(evs) != tc.queries {
				t.Fatalf("read %d queries, SOURCES.md says %d", len(evs), tc.queries)
			}
			d, err := New(DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			var alerts []*alert.Alert
			emit := func(a *alert.Alert) { alerts = append(alerts, a) }
			for i := range evs {
				d.Observe(&evs[i], emit)
			}
			d.Flush(emit)
			if len(alerts) < tc.minAlerts {
				t.Fatalf("%d alerts, want at least %d", len(alerts), tc.minAlerts)
			}
			var counts []int64
			for _, a := range alerts {
				n, _ := a.Get("query_count")
				counts = append(counts, n.(int64))
				nd, _ := a.Get("distinct_domains")
				if a.Client.String() != tc.client || tc.domain != "" && a.Domain != tc.domain {
					t.Errorf("alert %q for %v / %q, want %s / %q", a.Key, a.Client, a.Domain, tc.client, tc.domain)
				}
				if v := nd.(int64); v < tc.minDomains || v > tc.maxDomains {
					t.Errorf("alert %q: distinct_domains %d outside %d..%d", a.Key, v, tc.minDomains, tc.maxDomains)
				}
			}
			for i, want := range tc.first {
				if counts[i] != want {
					t.Errorf("alert %d query_count %d, want %d", i, counts[i], want)
				}
			}
			t.Logf("%d alerts, query counts %v", len(alerts), counts)
		})
	}
}
