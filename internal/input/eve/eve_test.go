package eve

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/dnsvigil/dnsvigil/internal/event"
)

const (
	v2Query    = `{"timestamp":"2024-12-18T19:36:48.669714-0500","flow_id":61653399336714,"pcap_cnt":151,"event_type":"dns","src_ip":"192.168.230.133","src_port":57813,"dest_ip":"192.168.230.1","dest_port":53,"proto":"UDP","pkt_src":"wire/pcap","dns":{"version":2,"type":"query","id":34098,"rrname":"FPdownload.macromedia.com.","rrtype":"A","tx_id":0,"opcode":0}}`
	v2Answer   = `{"timestamp":"2017-04-20T21:15:58.123456+0000","event_type":"dns","src_ip":"10.16.1.11","src_port":41805,"dest_ip":"10.16.1.1","dest_port":53,"proto":"UDP","dns":{"version":2,"type":"answer","id":36146,"flags":"81a0","qr":true,"rd":true,"ra":true,"rrname":"www.suricata-ids.org","rrtype":"A","rcode":"NOERROR","answers":[{"rrname":"www.suricata-ids.org","rrtype":"CNAME","ttl":3544,"rdata":"suricata-ids.org"},{"rrname":"suricata-ids.org","rrtype":"A","ttl":244,"rdata":"192.0.78.24"}],"grouped":{"A":["192.0.78.24"],"CNAME":["suricata-ids.org"]}}}`
	v3Response = `{"timestamp":"2017-01-27T16:03:18Z","event_type":"dns","src_ip":"8.8.4.4","src_port":53,"dest_ip":"10.0.0.5","dest_port":40000,"proto":"TCP","dns":{"version":3,"type":"response","id":7,"flags":"8183","qr":true,"rd":true,"ra":true,"opcode":0,"rcode":"NXDOMAIN","queries":[{"rrname":"nx.oisf.net","rrtype":"A"},{"rrname":"b.example","rrtype":"TXT"}],"authorities":[{"rrname":"oisf.net","rrtype":"SOA","ttl":899,"soa":{"mname":"ns-110.awsdns-13.com","rname":"awsdns-hostmaster.amazon.com","serial":1,"refresh":7200,"retry":900,"expire":1209600,"minimum":86400}}]}}`
	v3Request  = `{"timestamp":"2025-02-21T21:14:20.5+01:00","event_type":"dns","src_ip":"2001:db8::1","src_port":5000,"dest_ip":"2001:db8::53","dest_port":53,"proto":"UDP","dns":{"version":3,"type":"request","id":1,"flags":"0100","rd":true,"opcode":0,"queries":[{"rrname":"_sip._udp.Example.com","rrtype":"SRV"}]}}`
	grouped    = `{"timestamp":"2020-01-01T00:00:00Z","event_type":"dns","dns":{"type":"answer","id":2,"rrname":"t.example","rrtype":"TXT","rcode":"NOERROR","grouped":{"TXT":["say \"hi\""]}}}`
	flowLine   = `{"timestamp":"2024-12-18T19:36:48.669714-0500","event_type":"flow","src_ip":"1.2.3.4","flow":{"pkts_toserver":1}}`
)

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []event.Event
	}{
		{"v2 query", v2Query, []event.Event{{
			Kind: event.KindDNS, Time: time.Date(2024, 12, 19, 0, 36, 48, 669714000, time.UTC),
			Client: ap("192.168.230.133:57813"), Server: ap("192.168.230.1:53"), Transport: event.TransportUDP,
			DNS:    event.DNS{ID: 34098, QName: "fpdownload.macromedia.com", QType: event.TypeA, QClass: 1, HasQuery: true, RCode: event.RcodeUnknown},
			Source: event.Source{Name: "eve.json", Line: 1},
		}}},
		{"v2 answer with records", v2Answer, []event.Event{{
			Kind: event.KindDNS, Time: time.Date(2017, 4, 20, 21, 15, 58, 123456000, time.UTC),
			Client: ap("10.16.1.11:41805"), Server: ap("10.16.1.1:53"), Transport: event.TransportUDP,
			DNS: event.DNS{ID: 36146, Flags: event.FlagQR | event.FlagRD | event.FlagRA | event.FlagAD, FlagsKnown: true,
				QName: "www.suricata-ids.org", QType: event.TypeA, QClass: 1, HasResponse: true, RCode: event.RcodeNoError,
				Answers: []event.RR{
					{Name: "www.suricata-ids.org", Type: event.TypeCNAME, Class: 1, TTL: 3544, Data: "suricata-ids.org"},
					{Name: "suricata-ids.org", Type: event.TypeA, Class: 1, TTL: 244, Data: "192.0.78.24"},
				}},
			Source: event.Source{Name: "eve.json", Line: 1},
		}}},
		{"v3 response from the server is turned round", v3Response, []event.Event{{
			Kind: event.KindDNS, Time: time.Date(2017, 1, 27, 16, 3, 18, 0, time.UTC),
			Client: ap("10.0.0.5:40000"), Server: ap("8.8.4.4:53"), Transport: event.TransportTCP,
			DNS: event.DNS{ID: 7, Flags: event.FlagQR | event.FlagRD | event.FlagRA, FlagsKnown: true,
				QName: "nx.oisf.net", QType: event.TypeA, QClass: 1, HasResponse: true, RCode: event.RcodeNXDomain,
				Authority: []event.RR{{Name: "oisf.net", Type: event.TypeSOA, Class: 1, TTL: 899,
					Data: "ns-110.awsdns-13.com awsdns-hostmaster.amazon.com 1 7200 900 1209600 86400"}}},
			Source: event.Source{Name: "eve.json", Line: 1},
		}}},
		{"v3 request", v3Request, []event.Event{{
			Kind: event.KindDNS, Time: time.Date(2025, 2, 21, 20, 14, 20, 500000000, time.UTC),
			Client: ap("[2001:db8::1]:5000"), Server: ap("[2001:db8::53]:53"), Transport: event.TransportUDP,
			DNS: event.DNS{ID: 1, Flags: event.FlagRD, FlagsKnown: true, QName: "_sip._udp.example.com",
				QType: event.TypeSRV, QClass: 1, HasQuery: true, RCode: event.RcodeUnknown},
			Source: event.Source{Name: "eve.json", Line: 1},
		}}},
		{"grouped answers only", grouped, []event.Event{{
			Kind: event.KindDNS, Time: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
			DNS: event.DNS{ID: 2, QName: "t.example", QType: event.TypeTXT, QClass: 1, HasResponse: true, RCode: 0,
				Answers: []event.RR{{Type: event.TypeTXT, Class: 1, Data: `"say \"hi\""`}}},
			Source: event.Source{Name: "eve.json", Line: 1},
		}}},
		{"other event types are skipped", flowLine + "\n\n", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, errs, _ := decodeString(t, tc.in+"\n")
			if len(errs) > 0 {
				t.Fatalf("record errors: %v", errs)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateComparable(netip.AddrPort{}), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCounts(t *testing.T) {
	_, _, d := decodeString(t, strings.Join([]string{flowLine, v2Query, v3Response, flowLine}, "\n"))
	got := map[string]int64{}
	for _, c := range d.Counts() {
		got[c.Name] = c.Value
	}
	want := map[string]int64{
		"dns records": 2, "query records": 1, "response records": 1, "other event types skipped": 2,
		"extra queries in a record skipped": 1, "records over cap dropped": 0, "unknown type names": 0,
		"answers from grouped only": 0,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
}

func TestRecordErrors(t *testing.T) {
	tests := []struct {
		name, line, reason string
	}{
		{"not json", `{"timestamp":`, "bad json"},
		{"trailing data", flowLine + ` x`, "bad json"},
		{"no event_type", `{"timestamp":"2020-01-01T00:00:00Z"}`, "no event_type"},
		{"bad timestamp", strings.Replace(v2Query, "2024-12-18T", "2024-13-18T", 1), "bad timestamp"},
		{"no dns object", `{"timestamp":"2020-01-01T00:00:00Z","event_type":"dns"}`, "no dns object"},
		{"unknown dns type", strings.Replace(v2Query, `"type":"query"`, `"type":"bogus"`, 1), "unknown dns type"},
		{"bad address", strings.Replace(v2Query, `"192.168.230.1"`, `"nope"`, 1), "bad address"},
		{"bad port", strings.Replace(v2Query, `"src_port":57813`, `"src_port":70000`, 1), "bad port"},
		{"bad id", strings.Replace(v2Query, `"id":34098`, `"id":"x"`, 1), "bad field"},
		{"unknown rcode", strings.Replace(v2Answer, `"NOERROR"`, `"NOPE"`, 1), "unknown rcode"},
		{"bad answers", strings.Replace(v2Answer, `"answers":[`, `"answers":[1,`, 1), "bad field"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			evs, errs, _ := decodeString(t, tc.line+"\n"+v2Query+"\n")
			if len(errs) != 1 {
				t.Fatalf("got %d record errors, want 1: %v", len(errs), errs)
			}
			got := struct {
				File   string
				Line   int64
				Reason string
				Events int
			}{errs[0].File, errs[0].Line, errs[0].Reason, len(evs)}
			want := got
			want.File, want.Line, want.Reason, want.Events = "eve.json", 1, tc.reason, 1
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s\n%v", diff, errs[0])
			}
		})
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		head string
		want bool
	}{
		{"eve dns", v2Query + "\n", true},
		{"eve flow, cut short", flowLine[:60], true},
		{"zeek json", `{"ts":1.0,"uid":"C1","id.orig_h":"1.2.3.4"}`, false},
		{"text", "hello\n", false},
		{"empty", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Sniff([]byte(tc.head)); got != tc.want {
				t.Errorf("Sniff = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2014-06-21T12:34:56.123456+0000", time.Date(2014, 6, 21, 12, 34, 56, 123456000, time.UTC), true},
		{"2014-06-21T12:34:56-0500", time.Date(2014, 6, 21, 17, 34, 56, 0, time.UTC), true},
		{"2014-06-21T12:34:56.1Z", time.Date(2014, 6, 21, 12, 34, 56, 100000000, time.UTC), true},
		{"2014-06-21T12:34:56+05:30", time.Date(2014, 6, 21, 7, 4, 56, 0, time.UTC), true},
		{"2014-06-21T12:34:56", time.Time{}, false},
		{"2014-06-21T12:34:56.Z", time.Time{}, false},
		{"2014-06-21T25:34:56Z", time.Time{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := parseTime([]byte(tc.in))
			if ok != tc.ok || !got.Equal(tc.want) {
				t.Errorf("parseTime = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}
