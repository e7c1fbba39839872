package resolver

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

// reportKind says why an alert was emitted.
type reportKind uint8

const (
	reportInitial reportKind = iota // first_report passed after the pair was first seen
	reportUpdate                    // report_interval passed and the pair is still active
	reportFinal                     // end of input (Flush)
	reportEvicted                   // the pair was evicted to make room; counts may be partial
)

var reportNames = [...]string{"initial", "update", "final", "evicted"}

// Evidence field names.
const (
	FieldQueryCount        = "query_count"
	FieldConnectionCount   = "connection_count"
	FieldFirstSeen         = "first_seen"
	FieldLastSeen          = "last_seen"
	FieldTransports        = "transports"
	FieldPorts             = "ports"
	FieldPortsTruncated    = "ports_truncated" // more distinct ports than listed
	FieldSampleNames       = "sample_names"
	FieldProcesses         = "processes"
	FieldDestination       = "destination"
	FieldCatalogueProvider = "catalogue_provider"
	FieldCatalogueKinds    = "catalogue_kinds"
	FieldCatalogueSources  = "catalogue_sources"
	FieldApprovedCount     = "approved_resolvers_configured"
	FieldExpiredExclusion  = "expired_exclusion"
	FieldNoRecursion       = "queries_without_recursion"
	FieldAuthoritativeFor  = "server_authoritative_for"
	FieldReport            = "report"
	FieldReportNumber      = "report_number"
)

// destinationNames describe a catalogue tier in evidence.
var destinationNames = [numTiers]string{
	TierNone:  "unknown (in no public resolver list)",
	TierKnown: "known public resolver",
	TierOpen:  "open resolver (crawl list)",
}

func (d *Detector) buildAlert(p *pair, now time.Time, kind reportKind) *alert.Alert {
	tier := tierOf(p.cat)
	transports := transportNames(p.transports)
	a := &alert.Alert{
		Key:       alert.MakeKey(RuleID, p.key.hostID(), p.key.server.String()),
		RuleID:    RuleID,
		RuleName:  RuleName,
		Severity:  d.pol.severities[tier],
		Technique: alert.TechniqueDNSServer,
		Strategy:  alert.StrategyDNSServer,
		Time:      now,
		FirstSeen: p.first,
		LastSeen:  p.last,
		Host:      p.key.name,
		User:      p.user,
		Client:    p.client,
		Server:    p.key.server,
		Port:      p.port,
		Transport: strings.Join(transports, ","),
		Domain:    p.domain,
	}
	if len(p.images) > 0 {
		a.Process = p.images[0]
	}
	if len(p.names) > 0 {
		a.QName = p.names[0]
	}
	a.Summary = summary(p, tier, transports)
	auth := d.auth[p.key.server]
	switch {
	case p.noRecurse > 0 && auth != "":
		a.Summary += fmt.Sprintf("; %s without recursion desired, to an authoritative server of %s: the host resolves by itself, bypassing the resolvers", plural(p.noRecurse, "query", "queries"), auth)
	case p.noRecurse > 0:
		a.Summary += fmt.Sprintf("; %s without recursion desired (RD=0), as sent to authoritative servers", plural(p.noRecurse, "query", "queries"))
	case auth != "":
		a.Summary += "; the server is authoritative for " + auth
	}
	a.Evidence = []alert.Field{
		{Name: FieldQueryCount, Value: p.queries},
		{Name: FieldConnectionCount, Value: p.conns},
		{Name: FieldFirstSeen, Value: p.first},
		{Name: FieldLastSeen, Value: p.last},
		{Name: FieldTransports, Value: transports},
		{Name: FieldPorts, Value: p.portList()},
		{Name: FieldSampleNames, Value: alert.Names(slices.Clone(p.names))},
	}
	if len(p.images) > 0 {
		a.Evidence = append(a.Evidence, alert.Field{Name: FieldProcesses, Value: slices.Clone(p.images)})
	}
	a.Evidence = append(a.Evidence, alert.Field{Name: FieldDestination, Value: destinationNames[tier]})
	if p.cat != nil {
		a.Evidence = append(a.Evidence,
			alert.Field{Name: FieldCatalogueProvider, Value: p.cat.Provider},
			alert.Field{Name: FieldCatalogueKinds, Value: p.cat.Kinds.Names()},
			alert.Field{Name: FieldCatalogueSources, Value: slices.Clone(p.cat.Sources)},
		)
	}
	if p.morePorts {
		a.Evidence = append(a.Evidence, alert.Field{Name: FieldPortsTruncated, Value: true})
	}
	if p.noRecurse > 0 {
		a.Evidence = append(a.Evidence, alert.Field{Name: FieldNoRecursion, Value: p.noRecurse})
	}
	if auth != "" {
		a.Evidence = append(a.Evidence, alert.Field{Name: FieldAuthoritativeFor, Value: alert.Names{auth}})
	}
	a.Evidence = append(a.Evidence, alert.Field{Name: FieldApprovedCount, Value: d.pol.nApproved})
	if p.expired >= 0 {
		x := d.pol.exclusions[p.expired]
		a.Evidence = append(a.Evidence, alert.Field{Name: FieldExpiredExclusion,
			Value: fmt.Sprintf("exclusions[%d] (%s) expired %s", x.index, x.reason, x.expires.Format(time.RFC3339))})
	}
	a.Evidence = append(a.Evidence,
		alert.Field{Name: FieldReport, Value: reportNames[kind]},
		alert.Field{Name: FieldReportNumber, Value: p.reports},
	)
	return a
}

// summary is the alert's one human sentence.
func summary(p *pair, tier Tier, transports []string) string {
	host := p.key.hostID()
	if p.key.name != "" && p.client.IsValid() {
		host = fmt.Sprintf("%s (%s)", p.key.name, p.client)
	}
	var what string
	queries := plural(p.queries, "DNS query", "DNS queries")
	conns := plural(p.conns, "DNS connection", "DNS connections")
	switch {
	case p.queries > 0 && p.conns > 0:
		what = queries + " and " + conns
	case p.queries > 0:
		what = queries
	default:
		what = conns
	}
	dest := destinationNames[tier]
	if p.cat != nil && p.cat.Provider != "" {
		dest += ", " + p.cat.Provider
	}
	return fmt.Sprintf("%s sent %s (%s) to %s, which is not an approved resolver [%s]",
		host, what, strings.Join(transports, ", "), p.key.server, dest)
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// transportNames lists the transports in a bit set, in event.Transport
// order.
func transportNames(bits uint8) []string {
	var out []string
	for t := event.TransportUnknown; t <= event.TransportDoQ; t++ {
		if bits&(1<<t) != 0 {
			out = append(out, t.String())
		}
	}
	return out
}

func (p *pair) portList() []int {
	out := make([]int, 0, p.nports)
	for _, port := range p.ports[:p.nports] {
		out = append(out, int(port))
	}
	slices.Sort(out)
	return out
}

// joinErrors joins configuration errors into one error whose Unwrap lists
// them.
func joinErrors(errs []error) error {
	return fmt.Errorf("resolver config: %w", errors.Join(errs...))
}
