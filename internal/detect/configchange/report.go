package configchange

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

// joinErrors joins configuration errors into one error whose Unwrap lists
// them.
func joinErrors(errs []error) error {
	return fmt.Errorf("configchange config: %w", errors.Join(errs...))
}

// hostLabel is the host of an alert: its name, else its id, else its
// address.
func hostLabel(ev *event.Event) string {
	switch {
	case ev.Host.Name != "":
		return strings.Clone(ev.Host.Name)
	case ev.Host.ID != "":
		return strings.Clone(ev.Host.ID)
	case ev.Client.Addr().IsValid():
		return ev.Client.Addr().Unmap().String()
	}
	return ""
}

// base returns an alert with the context every rule shares.
func (d *Detector) base(ev *event.Event, rule string, sev alert.Severity) *alert.Alert {
	w := who(ev)
	return &alert.Alert{
		RuleID:    rule,
		RuleName:  ruleName(rule),
		Severity:  sev,
		Technique: alert.TechniqueDNSServer,
		Strategy:  alert.StrategyDNSServer,
		Time:      ev.Time,
		FirstSeen: ev.Time,
		LastSeen:  ev.Time,
		Host:      hostLabel(ev),
		Process:   strings.Clone(ev.Process.Image),
		User:      strings.Clone(w.user),
	}
}

// origin returns the evidence that says where a change came from.
func origin(ev *event.Event, cmd *cmdResult) []alert.Field {
	if cmd == nil {
		r := &ev.Registry
		return []alert.Field{
			{Name: "registry_key", Value: strings.Clone(r.Key)},
			{Name: "value_name", Value: strings.Clone(r.ValueName)},
			{Name: "operation", Value: strings.Clone(r.Op)},
			{Name: "new_data", Value: strings.Clone(r.Data)},
		}
	}
	return []alert.Field{
		{Name: "tool", Value: cmd.tool},
		{Name: "verb", Value: strings.Clone(cmd.verb)},
		{Name: "command_line", Value: strings.Clone(ev.Process.CommandLine)},
	}
}

// actorEvidence returns the process and account fields.
func actorEvidence(ev *event.Event) []alert.Field {
	var out []alert.Field
	if ev.Process.Image != "" {
		out = append(out, alert.Field{Name: "process", Value: strings.Clone(ev.Process.Image)})
	}
	if ev.Process.ParentImage != "" {
		out = append(out, alert.Field{Name: "parent_process", Value: strings.Clone(ev.Process.ParentImage)})
	}
	if u := who(ev).user; u != "" {
		out = append(out, alert.Field{Name: "account", Value: strings.Clone(u)})
	}
	return out
}

// changeAlert builds the DNSV-CFG-001/002 alert for server a.
func (d *Detector) changeAlert(ev *event.Event, rule, src string, cmd *cmdResult, a netip.Addr, v verdict, expired *exclusion) *alert.Alert {
	al := d.base(ev, rule, v.severity)
	al.Server = a
	al.Key = alert.MakeKey(rule, al.Host, a.String(), src)
	servers := d.list.list()
	all := make([]string, len(servers))
	var unapproved, why []string
	for i, s := range servers {
		all[i] = s.String()
		if !d.judged[i].approved {
			unapproved = append(unapproved, all[i])
		}
		why = append(why, all[i]+": "+d.judged[i].text())
	}
	by := "unknown process"
	if ev.Process.Image != "" {
		by = baseName(ev.Process.Image)
	}
	al.Summary = fmt.Sprintf("DNS resolver on %s set to %s (%s) by %s via %s", orUnknown(al.Host), a, v.reason, by, sourceText(src, cmd))
	al.Evidence = append(origin(ev, cmd),
		alert.Field{Name: "source", Value: src},
		alert.Field{Name: "server", Value: a.String()},
		alert.Field{Name: "servers", Value: all},
		alert.Field{Name: "unapproved", Value: unapproved},
		alert.Field{Name: "verdicts", Value: why},
		alert.Field{Name: "catalogue_tier", Value: v.tier.String()},
	)
	if v.provider != "" {
		al.Evidence = append(al.Evidence, alert.Field{Name: "provider", Value: v.provider})
	}
	if cmd == nil {
		if bad := unparsedTokens(ev.Registry.Data); len(bad) > 0 {
			al.Evidence = append(al.Evidence, alert.Field{Name: "unparsed", Value: bad})
		}
	}
	al.Evidence = append(al.Evidence, actorEvidence(ev)...)
	al.Evidence = append(al.Evidence, alert.Field{Name: "correlation_window", Value: d.cfg.Correlation.Window.String()})
	if expired != nil {
		al.Evidence = append(al.Evidence, expiredEvidence(expired)...)
	}
	return al
}

func expiredEvidence(x *exclusion) []alert.Field {
	return []alert.Field{
		{Name: "expired_exclusion", Value: x.index},
		{Name: "expired_exclusion_reason", Value: x.reason},
		{Name: "expired_exclusion_expires", Value: x.expires},
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown host"
	}
	return s
}

// sourceText names where a change came from, for summaries.
func sourceText(src string, cmd *cmdResult) string {
	if cmd != nil {
		return cmd.tool + " " + cmd.verb
	}
	return "registry (" + src + ")"
}

// setting emits the alert for a change that names no server.
func (d *Detector) setting(ev *event.Event, rule, src, what string, emit func(*alert.Alert)) {
	d.stats[statSettings]++
	active, expired := d.pol.excluded(ev.Time, who(ev), netip.Addr{})
	if active != nil {
		d.stats[statExcluded]++
		return
	}
	if expired != nil {
		d.stats[statExpiredExclusion]++
	}
	var cmd *cmdResult
	if rule == RuleCommand {
		res, _ := parseCommand(ev.Process.CommandLine)
		cmd = &res
	}
	al := d.base(ev, rule, d.pol.sev.setting)
	al.Key = alert.MakeKey(rule, al.Host, "", src)
	al.Summary = fmt.Sprintf("DNS client configuration on %s changed: %s", orUnknown(al.Host), what)
	al.Evidence = append(origin(ev, cmd), alert.Field{Name: "source", Value: src}, alert.Field{Name: "setting", Value: what})
	al.Evidence = append(al.Evidence, actorEvidence(ev)...)
	if expired != nil {
		al.Evidence = append(al.Evidence, expiredEvidence(expired)...)
	}
	d.stats[statChangeAlerts]++
	emit(al)
}

// reset emits the informational alert for a reset to DHCP.
func (d *Detector) reset(ev *event.Event, cmd *cmdResult, emit func(*alert.Alert)) {
	if active, _ := d.pol.excluded(ev.Time, who(ev), netip.Addr{}); active != nil {
		d.stats[statExcluded]++
		return
	}
	al := d.base(ev, RuleCommand, d.pol.sev.reset)
	al.Key = alert.MakeKey(RuleCommand, al.Host, "dhcp", cmd.tool)
	al.Summary = fmt.Sprintf("DNS resolvers on %s reset to DHCP by %s", orUnknown(al.Host), cmd.tool+" "+cmd.verb)
	al.Evidence = append(origin(ev, cmd), alert.Field{Name: "source", Value: cmd.tool}, alert.Field{Name: "reset", Value: true})
	al.Evidence = append(al.Evidence, actorEvidence(ev)...)
	d.stats[statChangeAlerts]++
	emit(al)
}

// trafficAlert builds the DNSV-CFG-003 alert for a change followed by DNS.
func (d *Detector) trafficAlert(ev *event.Event, k trackKey, t *tracked) *alert.Alert {
	al := d.base(ev, RuleTraffic, d.pol.sev.traffic)
	al.Server = k.server
	al.Port = ev.Server.Port()
	al.Transport = ev.Transport.String()
	al.FirstSeen = t.changed
	al.Process = t.process
	al.User = t.user
	if ev.Client.Addr().IsValid() {
		al.Client = ev.Client.Addr().Unmap()
	}
	al.Key = alert.MakeKey(RuleTraffic, al.Host, k.server.String())
	changer := "unknown process"
	if t.process != "" {
		changer = baseName(t.process)
	}
	noun := "queries"
	if t.queries == 1 {
		noun = "query"
	}
	al.Summary = fmt.Sprintf("DNS resolver changed to %s by %s, then %d %s to %s", k.server, changer, t.queries, noun, k.server)
	al.Evidence = []alert.Field{
		{Name: "server", Value: k.server.String()},
		{Name: "changed_at", Value: t.changed},
		{Name: "change_rule", Value: t.ruleID},
		{Name: "change_source", Value: t.source},
		{Name: "changed_by", Value: t.process},
		{Name: "change_account", Value: t.user},
		{Name: "why_unapproved", Value: t.reason},
		{Name: "first_traffic_at", Value: t.first},
		{Name: "delay", Value: t.first.Sub(t.changed).String()},
		{Name: "queries", Value: t.queries},
		{Name: "queried_by", Value: t.firstBy},
		{Name: "first_transport", Value: t.firstVia},
	}
	if t.qname != "" {
		al.Evidence = append(al.Evidence, alert.Field{Name: "first_qname", Value: alert.Names{t.qname}})
	}
	al.Evidence = append(al.Evidence, alert.Field{Name: "correlation_window", Value: d.cfg.Correlation.Window.String()})
	return al
}
