package eve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.yaml.in/yaml/v3"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/input/pcap"
	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// TestZeusEVE decodes a real eve.json (EVE DNS v2, Suricata 7): every dns
// record becomes an event, every other record is skipped, none is bad.
func TestZeusEVE(t *testing.T) {
	path := testutil.SharedData(t, "suricata-eve-zeus-lab/eve.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	wantDNS := bytes.Count(raw, []byte(`"event_type":"dns"`))
	lines := bytes.Count(raw, []byte{'\n'})
	d := New(bytes.NewReader(raw), input.Options{Name: path})
	evs, errs := decodeAll(t, d)
	if len(errs) > 0 {
		t.Fatalf("%d record errors, first: %v", len(errs), errs[0])
	}
	if len(evs) != wantDNS {
		t.Fatalf("%d events, want %d", len(evs), wantDNS)
	}
	if got := d.c.other; got != int64(lines-wantDNS) {
		t.Errorf("other records skipped = %d, want %d", got, lines-wantDNS)
	}
	// The first dns record of the file.
	got := evs[0]
	got.Source.Name = ""
	want := event.Event{
		Kind: event.KindDNS, Time: time.Date(2024, 12, 19, 0, 36, 48, 669714000, time.UTC),
		Client: ap("192.168.230.133:57813"), Server: ap("192.168.230.1:53"), Transport: event.TransportUDP,
		DNS:    event.DNS{ID: 34098, QName: "fpdownload.macromedia.com", QType: event.TypeA, QClass: 1, HasQuery: true, RCode: event.RcodeUnknown},
		Source: event.Source{Line: got.Source.Line, Offset: got.Source.Offset},
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateComparable(netip.AddrPort{})); diff != "" {
		t.Errorf("first event (-want +got):\n%s", diff)
	}
	names := map[string]int{}
	for _, ev := range evs {
		if !ev.DNS.HasQuery || !ev.Server.IsValid() {
			t.Fatalf("line %d: not a query with a server: %+v", ev.Source.Line, ev)
		}
		names[ev.DNS.QName]++
	}
	// SOURCES.md: 13 distinct query names, all Windows/Firefox background.
	if len(names) != 13 {
		t.Errorf("%d distinct names, want 13: %v", len(names), names)
	}
	if n := names["teredo.ipv6.microsoft.com"]; n == 0 {
		t.Errorf("teredo.ipv6.microsoft.com not seen: %v", names)
	}
}

// svSpec is the part of a suricata-verify test.yaml this test reads.
type svSpec struct {
	Pcap   string `yaml:"pcap"`
	Checks []struct {
		Filter struct {
			Count int            `yaml:"count"`
			Match map[string]any `yaml:"match"`
		} `yaml:"filter"`
	} `yaml:"checks"`
}

// svDisagree lists the suricata-verify checks whose expected values do not
// match any event dnsvigil decodes from the capture, with the reason.
var svDisagree = map[string]string{
	"dns/dns-incomplete#0": "DNS on UDP 5353, which the test tells Suricata to parse as DNS; " +
		"the pcap decoder reads only its DNS ports (53 by default)",
	"dns/v2/dns-incomplete#0": "same capture as dns/dns-incomplete",
	"dns/dns-udp-null#1": "NULL rdata: Suricata logs the raw bytes as text with \\xNN escapes, " +
		"the pcap decoder does not present NULL data (Data is empty)",
	"dns/v2/dns-udp-null#1": "same capture and NULL rdata as dns/dns-udp-null",
}

// TestSuricataVerifyAgreement reads the expected EVE dns records of every
// suricata-verify test.yaml: each check's match keys are turned back into an
// EVE line and decoded by this package, and the capture the test runs on is
// decoded by the pcap package. Query name and type, rcode and answer names
// and data must agree with one of the capture's events.
func TestSuricataVerifyAgreement(t *testing.T) {
	root := testutil.SharedData(t, "suricata-verify-dns/tests")
	var yamls []string
	err := filepath.WalkDir(root, func(p string, de os.DirEntry, err error) error {
		if err == nil && de.Name() == "test.yaml" {
			yamls = append(yamls, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(yamls)
	var agree, compared int
	for _, y := range yamls {
		rel, _ := filepath.Rel(root, filepath.Dir(y))
		raw, err := os.ReadFile(y)
		if err != nil {
			t.Fatal(err)
		}
		var spec svSpec
		if yaml.Unmarshal(raw, &spec) != nil {
			continue
		}
		capture := svCapture(y, spec.Pcap)
		if capture == "" {
			continue
		}
		var pcapEvents []event.Event
		for i, c := range spec.Checks {
			m := c.Filter.Match
			if m["event_type"] != "dns" || c.Filter.Count == 0 || m["dns.type"] == nil {
				continue
			}
			key := fmt.Sprintf("%s#%d", rel, i)
			exp, err := expectedEvent(t, m)
			if err != nil {
				t.Errorf("%s: expected record not decoded: %v", key, err)
				continue
			}
			if pcapEvents == nil {
				pcapEvents = decodeCapture(t, capture)
			}
			compared++
			reason := disagreement(&exp, pcapEvents)
			if reason == "" {
				agree++
			}
			want, listed := svDisagree[key]
			switch {
			case reason == "" && listed:
				t.Errorf("%s: agrees now; drop it from svDisagree (%s)", key, want)
			case reason != "" && !listed:
				t.Errorf("%s: %s", key, reason)
			}
		}
	}
	t.Logf("suricata-verify dns checks: %d compared, %d agree, %d disagree", compared, agree, compared-agree)
	if compared == 0 {
		t.Fatal("no check compared")
	}
}

// svCapture resolves the capture a test.yaml runs on: its pcap key, or the
// single capture beside it; "" when there is none.
func svCapture(yamlPath, rel string) string {
	dir := filepath.Dir(yamlPath)
	if rel != "" {
		return filepath.Join(dir, rel)
	}
	found, _ := filepath.Glob(filepath.Join(dir, "*.pcap"))
	if len(found) != 1 {
		return ""
	}
	return found[0]
}

var pathPart = regexp.MustCompile(`^([a-z_]+)(?:\[(\d+)\])?$`)

// expectedEvent turns the flattened dns.* keys of a match back into an EVE
// line and decodes it. Counted keys (__len) and the grouped form are left out.
func expectedEvent(t *testing.T, match map[string]any) (event.Event, error) {
	obj := map[string]any{}
	for k, v := range match {
		p, ok := strings.CutPrefix(k, "dns.")
		if !ok || strings.Contains(k, "__") || strings.HasPrefix(p, "grouped") {
			continue
		}
		if s, isStr := v.(string); isStr && (strings.HasSuffix(p, ".ttl") || p == "id") {
			if n, err := strconv.Atoi(s); err == nil {
				v = n
			}
		}
		if !setPath(obj, strings.Split(p, "."), v) {
			return event.Event{}, fmt.Errorf("key %q not understood", k)
		}
	}
	line, err := json.Marshal(map[string]any{"timestamp": "2020-01-01T00:00:00Z", "event_type": "dns", "dns": obj})
	if err != nil {
		return event.Event{}, err
	}
	evs, errs, _ := decodeString(t, string(line))
	if len(errs) > 0 {
		return event.Event{}, errs[0]
	}
	return evs[0], nil
}

// setPath sets obj[a][i].b... = v, growing arrays with empty objects.
func setPath(obj map[string]any, parts []string, v any) bool {
	m := pathPart.FindStringSubmatch(parts[0])
	if m == nil {
		return false
	}
	if m[2] == "" {
		if len(parts) == 1 {
			obj[m[1]] = v
			return true
		}
		sub, _ := obj[m[1]].(map[string]any)
		if sub == nil {
			sub = map[string]any{}
			obj[m[1]] = sub
		}
		return setPath(sub, parts[1:], v)
	}
	i, _ := strconv.Atoi(m[2])
	arr, _ := obj[m[1]].([]any)
	for len(arr) <= i {
		arr = append(arr, map[string]any{})
	}
	obj[m[1]] = arr
	if len(parts) == 1 {
		arr[i] = v
		return true
	}
	sub, _ := arr[i].(map[string]any)
	return sub != nil && setPath(sub, parts[1:], v)
}

// disagreement returns "" when an event of evs agrees with exp on what exp
// carries, else why the closest one (same query name) does not.
func disagreement(exp *event.Event, evs []event.Event) string {
	reason := fmt.Sprintf("no event for %q %d", exp.DNS.QName, exp.DNS.QType)
	for i := range evs {
		r := differs(&exp.DNS, &evs[i].DNS)
		if r == "" {
			return ""
		}
		if evs[i].DNS.QName == exp.DNS.QName {
			reason = r
		}
	}
	return reason
}

func differs(e, g *event.DNS) string {
	switch {
	case e.HasQuery && !g.HasQuery, e.HasResponse && !g.HasResponse:
		return "message not seen"
	case e.QName != "" && e.QName != g.QName:
		return fmt.Sprintf("qname %q, pcap %q", e.QName, g.QName)
	case e.QType != 0 && e.QType != g.QType:
		return fmt.Sprintf("qtype %d, pcap %d", e.QType, g.QType)
	case e.HasResponse && e.RCode != event.RcodeUnknown && e.RCode != g.RCode:
		return fmt.Sprintf("rcode %d, pcap %d", e.RCode, g.RCode)
	}
	got := splitTXT(g.Answers)
	for i, a := range e.Answers {
		if i >= len(got) {
			return fmt.Sprintf("answer %d missing in pcap", i)
		}
		b := got[i]
		if a.Name != "" && a.Name != b.Name || a.Data != "" && a.Data != b.Data {
			return fmt.Sprintf("answer %d %q %q, pcap %q %q", i, a.Name, a.Data, b.Name, b.Data)
		}
	}
	return ""
}

// splitTXT gives each character-string of a TXT record its own record, as
// Suricata logs them.
func splitTXT(rrs []event.RR) []event.RR {
	var out []event.RR
	for _, rr := range rrs {
		if rr.Type != event.TypeTXT {
			out = append(out, rr)
			continue
		}
		for _, s := range txtStrings.FindAllString(rr.Data, -1) {
			one := rr
			one.Data = s
			out = append(out, one)
		}
	}
	return out
}

var txtStrings = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// decodeCapture returns deep copies of the DNS events in a capture.
func decodeCapture(t *testing.T, path string) []event.Event {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	opts := input.DefaultOptions()
	opts.Name = path
	d, err := pcap.Format().Open(fh, opts)
	if err != nil {
		t.Fatal(err)
	}
	var out []event.Event
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
			out = append(out, clone(ev))
		}
	}
	if c, ok := d.(input.Closer); ok {
		c.Close()
	}
	return out
}
