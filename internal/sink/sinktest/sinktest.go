// Package sinktest holds the alerts that the output tests share: ordinary
// findings from each kind of rule, and hostile ones whose names and evidence
// carry terminal escapes, bidi overrides, HTML and invalid UTF-8, as an
// adversary can put them in DNS traffic and logs.
package sinktest

import (
	"errors"
	"net/netip"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
)

// Hostile is a query name built to attack whatever displays it: a clear
// screen, an OSC 8 hyperlink, a carriage-return overwrite, a bidi override,
// quotes and a newline to break JSON or CSV, a script tag, a NUL and bytes
// that are not UTF-8.
const Hostile = "x\x1b[2J\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07\rgood.example\u202egpj.exe\"\n</script>\x00\xff\xfe.evil.example"

// T0 is the event time the fixtures start at.
var T0 = time.Date(2026, 3, 14, 9, 26, 53, 589793238, time.UTC)

// Alerts returns fresh copies of the fixture alerts, deliberately not in
// table order.
func Alerts() []*alert.Alert {
	return []*alert.Alert{
		{
			Key:       alert.MakeKey("dns.tunnel", "10.1.2.3", "t1.example.net"),
			RuleID:    "dns.tunnel",
			RuleName:  "DNS tunnelling",
			Severity:  alert.SeverityHigh,
			Technique: alert.TechniqueDNSTunnel,
			Strategy:  alert.StrategyDNSServer,
			Time:      T0.Add(10 * time.Minute),
			FirstSeen: T0.Add(5 * time.Minute),
			LastSeen:  T0.Add(10 * time.Minute),
			Summary:   "412 distinct long names under one domain in 5m",
			Host:      "wks-017",
			Process:   `C:\Program Files\Tool\agent.exe`,
			User:      `CORP\alice`,
			Client:    netip.MustParseAddr("10.1.2.3"),
			Server:    netip.MustParseAddr("10.0.0.53"),
			Port:      53,
			Transport: "udp",
			QName:     "c2VjcmV0LWRhdGE.t1.example.net",
			Domain:    "example.net",
			Evidence: []alert.Field{
				{Name: "distinct_names", Value: 412},
				{Name: "threshold", Value: int64(200)},
				{Name: "mean_label_length", Value: 41.5},
				{Name: "window", Value: 5 * time.Minute},
				{Name: "samples", Value: []string{"c2VjcmV0LWRhdGE.t1.example.net", `a\.b.t1.example.net`}},
			},
		},
		{
			Key:       alert.MakeKey("resolver.unapproved", "10.1.2.9", "203.0.113.7"),
			RuleID:    "resolver.unapproved",
			RuleName:  "Unapproved DNS resolver",
			Severity:  alert.SeverityMedium,
			Technique: alert.TechniqueDNSServer,
			Strategy:  alert.StrategyDNSServer,
			Time:      T0,
			FirstSeen: T0,
			LastSeen:  T0,
			Summary:   "client queried a resolver that is not approved",
			Client:    netip.MustParseAddr("10.1.2.9"),
			Server:    netip.MustParseAddr("2001:db8::7"),
			Port:      853,
			Transport: "dot",
			Evidence: []alert.Field{
				{Name: "queries", Value: uint64(3)},
				{Name: "approved", Value: []netip.Addr{netip.MustParseAddr("10.0.0.53"), netip.MustParseAddr("10.0.0.54")}},
				{Name: "first_query", Value: T0},
				{Name: "encrypted", Value: true},
			},
		},
		{
			Key:       alert.MakeKey("resolver.unapproved", "10.1.2.10", "198.51.100.1"),
			RuleID:    "resolver.unapproved",
			RuleName:  "Unapproved DNS resolver",
			Severity:  alert.SeverityHigh,
			Technique: alert.TechniqueDNSServer,
			Strategy:  alert.StrategyDNSServer,
			Time:      T0,
			Summary:   "client queried a resolver that is not approved",
			Client:    netip.MustParseAddr("10.1.2.10"),
			Server:    netip.MustParseAddr("198.51.100.1"),
			Transport: "udp",
		},
		{
			Key:       alert.MakeKey("config.resolver_change", "wks-\u202e42"),
			RuleID:    "config.resolver_change",
			RuleName:  "Resolver configuration changed",
			Severity:  alert.SeverityCritical,
			Technique: alert.TechniqueDNSServer + "," + alert.TechniqueDNSTunnel,
			Strategy:  alert.StrategyDNSServer,
			Time:      T0.Add(time.Hour),
			Summary:   "resolver set to\x1b[8m hidden\x1b[0m by a script\r\nOK",
			Host:      "wks-\u202e42",
			Process:   "evil\x1b]0;title\x07.exe",
			User:      "bob\x00",
			QName:     Hostile,
			Evidence: []alert.Field{
				{Name: "registry_key", Value: `HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters\NameServer`},
				{Name: "value", Value: "203.0.113.66\x1b[2K\u2067ok\u2069"},
				{Name: "names", Value: []any{"a\nb", 7, Hostile}},
				{Name: "bad\x1bname", Value: errors.New("oops\r")},
			},
		},
	}
}
