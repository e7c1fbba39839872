package authns

import (
	"fmt"
	"strings"

	"github.com/dnsvigil/dnsvigil/internal/alert"
)

// alert builds the report for zone z, scored sc, for the client query q.
func (d *Detector) alert(z *zone, sc scored, q asked) *alert.Alert {
	ns := strings.Join(z.ns[:z.nNS], ", ")
	sev := alert.SeverityMedium
	if sc.score >= d.cfg.HighScore {
		sev = alert.SeverityHigh
	}
	who := q.host
	if who == "" {
		who = q.client.String()
	}
	a := &alert.Alert{
		Key:       alert.MakeKey(RuleID, z.name, ns),
		RuleID:    RuleID,
		RuleName:  RuleName,
		Severity:  sev,
		Technique: alert.TechniqueDNSServer,
		Strategy:  alert.StrategyDNSServer,
		Time:      q.t.UTC(),
		FirstSeen: z.firstQuery,
		LastSeen:  q.t.UTC(),
		Client:    q.client,
		Host:      strings.Clone(q.host),
		Server:    q.server.Addr().Unmap(),
		Port:      q.server.Port(),
		Transport: q.transport.String(),
		QName:     strings.Clone(q.qname),
		Domain:    z.name,
		Summary: fmt.Sprintf("%s asked under %s, whose name servers %s look adversary-run: %s (score %.0f of 100)",
			who, z.name, ns, strings.Join(sc.reasons, "; "), sc.score),
	}
	a.Evidence = []alert.Field{
		{Name: "score", Value: sc.score},
		{Name: "medium_score", Value: d.cfg.MediumScore},
		{Name: "high_score", Value: d.cfg.HighScore},
		{Name: "zone", Value: alert.Names{z.name}},
		{Name: "name_servers", Value: alert.Names(strings.Split(ns, ", "))},
	}
	a.Evidence = append(a.Evidence, sc.contrib...)
	if len(sc.addrs) > 0 {
		a.Evidence = append(a.Evidence, alert.Field{Name: "name_server_addresses", Value: sc.addrs})
	}
	switch {
	case z.oldNS != "":
		a.Evidence = append(a.Evidence,
			alert.Field{Name: "previous_name_servers", Value: alert.Names(strings.Split(z.oldNS, ", "))},
			alert.Field{Name: "changed_at", Value: z.changed.UTC()})
	case sc.historyNS != "":
		a.Evidence = append(a.Evidence,
			alert.Field{Name: "previous_name_servers", Value: alert.Names(strings.Split(sc.historyNS, ", "))},
			alert.Field{Name: "previous_from", Value: "passive-DNS store (earlier scans)"})
	}
	if sc.nsDomain != "" {
		a.Evidence = append(a.Evidence, alert.Field{Name: "name_server_domain", Value: alert.Names{sc.nsDomain}})
	}
	if sc.provider != "" {
		a.Evidence = append(a.Evidence, alert.Field{Name: "managed_provider", Value: sc.provider}, alert.Field{Name: "provider_damping", Value: providerDamping})
	}
	if z.soaMName != "" {
		a.Evidence = append(a.Evidence, alert.Field{Name: "soa_primary", Value: alert.Names{z.soaMName}})
	}
	if z.minTTL > 0 {
		a.Evidence = append(a.Evidence, alert.Field{Name: "min_ns_ttl_seconds", Value: int64(z.minTTL)})
	}
	a.Evidence = append(a.Evidence,
		alert.Field{Name: "queries", Value: z.queries},
		alert.Field{Name: "first_query", Value: z.firstQuery.UTC()},
		alert.Field{Name: "first_client", Value: z.firstClient.String()},
	)
	return a
}
