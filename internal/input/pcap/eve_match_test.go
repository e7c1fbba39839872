package pcap

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnsvigil/dnsvigil/internal/dnsname"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

// EVE keys that say nothing about the DNS content and are not checked.
var eveIgnored = map[string]bool{
	"src_ip": true, "dest_ip": true, "src_port": true, "dest_port": true, "proto": true,
	"pcap_cnt": true, "app_proto": true, "dns.tx_id": true, "dns.version": true,
}

var (
	eveRecordKey  = regexp.MustCompile(`^dns\.(answers|authorities)\[(\d+)\]\.(.+)$`)
	eveGroupedKey = regexp.MustCompile(`^dns\.grouped\.([A-Z]+)\[(\d+)\]$`)
)

// matchEVE reports whether d satisfies every key of a suricata-verify match
// map. A dns.* key this function does not understand fails the test, so a
// check is never passed by skipping what it asks.
func matchEVE(t *testing.T, d *event.DNS, match map[string]any) bool {
	t.Helper()
	for k, v := range match {
		want := fmt.Sprint(v)
		ok, known := matchKey(d, k, want)
		if !known {
			if eveIgnored[k] {
				continue
			}
			t.Fatalf("match key %q is not understood", k)
		}
		if !ok {
			return false
		}
	}
	return true
}

func matchKey(d *event.DNS, k, want string) (ok, known bool) {
	switch k {
	case "event_type":
		return want == "dns", true
	case "dns.type":
		if want == "query" || want == "request" {
			return d.HasQuery, true
		}
		return d.HasResponse, true
	case "dns.id":
		return strconv.Itoa(int(d.ID)) == want, true
	case "dns.rrname", "dns.queries[0].rrname":
		return d.QName == dnsname.Canonical(want), true
	case "dns.rrtype", "dns.queries[0].rrtype":
		return d.QType == dns.StringToType[want], true
	case "dns.rcode":
		return d.HasResponse && d.RCode == uint16(dns.StringToRcode[want]), true
	case "dns.flags":
		return fmt.Sprintf("%x", wireFlags(d)) == want, true
	case "dns.qr":
		return strconv.FormatBool(d.Flags.Has(event.FlagQR)) == want, true
	case "dns.rd":
		return strconv.FormatBool(d.Flags.Has(event.FlagRD)) == want, true
	case "dns.ra":
		return strconv.FormatBool(d.Flags.Has(event.FlagRA)) == want, true
	case "dns.answers.__len":
		return strconv.Itoa(len(d.Answers)) == want, true
	}
	if m := eveRecordKey.FindStringSubmatch(k); m != nil {
		rrs := d.Answers
		if m[1] == "authorities" {
			rrs = d.Authority
		}
		i, _ := strconv.Atoi(m[2])
		if i >= len(rrs) {
			return false, true
		}
		return matchRecord(&rrs[i], m[3], want)
	}
	if m := eveGroupedKey.FindStringSubmatch(k); m != nil {
		i, _ := strconv.Atoi(m[2])
		var data []string
		for _, rr := range d.Answers {
			if rr.Type == dns.StringToType[m[1]] {
				data = append(data, unquoteTXT(rr.Data))
			}
		}
		return i < len(data) && data[i] == want, true
	}
	return false, false
}

// soaFields and srvFields name the space-separated parts of RR.Data.
var (
	soaFields = []string{"mname", "rname", "serial", "refresh", "retry", "expire", "minimum"}
	srvFields = []string{"priority", "weight", "port", "name"}
)

func matchRecord(rr *event.RR, field, want string) (ok, known bool) {
	parts := strings.Fields(rr.Data)
	switch {
	case field == "rrname":
		return rr.Name == dnsname.Canonical(want), true
	case field == "rrtype":
		return rr.Type == dns.StringToType[want], true
	case field == "ttl":
		return strconv.FormatUint(uint64(rr.TTL), 10) == want, true
	case field == "rdata":
		return unquoteTXT(rr.Data) == want, true
	case strings.HasPrefix(field, "soa."):
		return part(parts, soaFields, field[4:]) == want, true
	case strings.HasPrefix(field, "srv."):
		return part(parts, srvFields, field[4:]) == want, true
	}
	return false, false
}

func part(parts, names []string, name string) string {
	for i, n := range names {
		if n == name && i < len(parts) {
			return parts[i]
		}
	}
	return "\x00no such part"
}

// unquoteTXT turns a one-string TXT presentation ("text") into the raw text
// Suricata logs; other data is returned unchanged.
func unquoteTXT(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' && !strings.Contains(s[1:len(s)-1], `" "`) {
		return s[1 : len(s)-1]
	}
	return s
}

// wireFlags rebuilds the 16-bit flags word of the DNS header.
func wireFlags(d *event.DNS) uint16 {
	w := uint16(d.Opcode&0x0f) << 11
	for _, b := range []struct {
		f   event.Flags
		bit uint16
	}{{event.FlagQR, 15}, {event.FlagAA, 10}, {event.FlagTC, 9}, {event.FlagRD, 8}, {event.FlagRA, 7},
		{event.FlagAD, 5}, {event.FlagCD, 4}} {
		if d.Flags.Has(b.f) {
			w |= 1 << b.bit
		}
	}
	if d.HasResponse {
		w |= d.RCode & 0x0f
	}
	return w
}
