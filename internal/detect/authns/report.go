package authns

import (
	"fmt"
	"strings"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

// alert builds the report for zone z, scored sc, at the client query ev.
func (d *Detector) alert(z *zone, sc scored, ev *event.Event) *alert.Alert {
	ns := strings.Join(z.ns[:z.nNS], ", ")
	sev := alert.SeverityMedium
	if sc.score >= d.cfg.HighScore {
		sev = alert.SeverityHigh
	}
	who := ev.Host.Name
	if who == "" {
		who = ev.Client.Addr().Unmap().String()
	}
	a := &alert.Alert{
		Key:       alert.MakeKey(RuleID, z.name, ns),
		RuleID:    RuleID,
		RuleName:  RuleName,
		Severity:  sev,
		Technique: alert.TechniqueDNSServer,
		Strategy:  alert.StrategyDNSServer,
		Time:      ev.Time.UTC(),
		FirstSeen: z.firstQuery,
		LastSeen:  ev.Time.UTC(),
		Client:    ev.Client.Addr().Unmap(),
		Host:      strings.Clone(ev.Host.Name),
		Server:    ev.Server.Addr().Unmap(),
		Port:      ev.Server.Port(),
		Transport: ev.Transport.String(),
		QName:     strings.Clone(ev.DNS.QName),
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
