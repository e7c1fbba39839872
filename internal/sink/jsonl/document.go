package jsonl

import (
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/sink/escape"
)

// document is one alert in ECS shape. Struct order is output order.
type document struct {
	Timestamp   string      `json:"@timestamp,omitempty"`
	Message     string      `json:"message,omitempty"`
	Event       ecsEvent    `json:"event"`
	Rule        ecsRule     `json:"rule,omitzero"`
	Threat      ecsThreat   `json:"threat,omitzero"`
	Host        named       `json:"host,omitzero"`
	User        named       `json:"user,omitzero"`
	Process     ecsProcess  `json:"process,omitzero"`
	Source      endpoint    `json:"source,omitzero"`
	Destination endpoint    `json:"destination,omitzero"`
	Network     ecsNetwork  `json:"network,omitzero"`
	DNS         ecsDNS      `json:"dns,omitzero"`
	DNSVigil    dnsvigilExt `json:"dnsvigil"`
}

type ecsEvent struct {
	Kind     string   `json:"kind"`
	Category []string `json:"category"`
	Module   string   `json:"module"`
	Severity int      `json:"severity"`
	Start    string   `json:"start,omitempty"`
	End      string   `json:"end,omitempty"`
}

type ecsRule struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

type ecsThreat struct {
	Framework string       `json:"framework,omitempty"`
	Technique ecsTechnique `json:"technique,omitzero"`
}

type ecsTechnique struct {
	ID   []string `json:"id,omitempty"`
	Name []string `json:"name,omitempty"`
}

type named struct {
	Name string `json:"name,omitempty"`
}

type ecsProcess struct {
	Name       string `json:"name,omitempty"`
	Executable string `json:"executable,omitempty"`
}

type endpoint struct {
	IP   string `json:"ip,omitempty"`
	Port uint16 `json:"port,omitempty"`
}

// ecsNetwork holds a string, or a list when the alert covers several
// transports (DNS to one resolver over UDP, TCP and DoT).
type ecsNetwork struct {
	Transport any `json:"transport,omitempty"`
	Protocol  any `json:"protocol,omitempty"`
}

type ecsDNS struct {
	Question ecsQuestion `json:"question,omitzero"`
}

type ecsQuestion struct {
	Name             string `json:"name,omitempty"`
	RegisteredDomain string `json:"registered_domain,omitempty"`
}

type dnsvigilExt struct {
	Key               string   `json:"key,omitempty"`
	Severity          string   `json:"severity"`
	DetectionStrategy string   `json:"detection_strategy,omitempty"`
	Evidence          evidence `json:"evidence,omitempty"`
}

// frameworkATTACK is the threat.framework value for ATT&CK ids.
const frameworkATTACK = "MITRE ATT&CK"

func newDocument(a *alert.Alert) *document {
	d := &document{
		Timestamp: formatTime(a.Time),
		Message:   escape.JSONString(a.Summary),
		Event: ecsEvent{
			Kind:     "alert",
			Category: []string{"network"},
			Module:   "dnsvigil",
			Severity: int(a.Severity),
			Start:    formatTime(a.FirstSeen),
			End:      formatTime(a.LastSeen),
		},
		Rule:        ecsRule{ID: escape.JSONString(a.RuleID), Name: escape.JSONString(a.RuleName)},
		Threat:      threat(a.Technique),
		Host:        named{escape.JSONString(a.Host)},
		User:        named{escape.JSONString(a.User)},
		Process:     process(a.Process),
		Source:      endpoint{IP: ip(a.Client)},
		Destination: endpoint{IP: ip(a.Server), Port: a.Port},
		Network:     network(a.Transport, a.QName != ""),
		DNS:         ecsDNS{ecsQuestion{Name: escape.Name(a.QName), RegisteredDomain: escape.Name(a.Domain)}},
		DNSVigil: dnsvigilExt{
			Key:               escape.JSONString(a.Key),
			Severity:          a.Severity.String(),
			DetectionStrategy: escape.JSONString(a.Strategy),
			Evidence:          evidence(a.Evidence),
		},
	}
	return d
}

// formatTime is RFC 3339 with nanoseconds in UTC, empty for the zero time.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// ip is the address without an IPv6 zone, which ECS ip fields reject; empty
// when not valid.
func ip(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.WithZone("").String()
}

// threat maps the comma-separated technique ids of an alert. Names are given
// only when every id is one dnsvigil knows, so the two arrays stay parallel.
func threat(techniques string) ecsThreat {
	var t ecsTechnique
	known := true
	for id := range strings.SplitSeq(techniques, ",") {
		id = strings.TrimSpace(id)
		if id == "" {
			continue
		}
		t.ID = append(t.ID, escape.JSONString(id))
		name := techniqueName(id)
		known = known && name != ""
		t.Name = append(t.Name, name)
	}
	if len(t.ID) == 0 {
		return ecsThreat{}
	}
	if !known {
		t.Name = nil
	}
	return ecsThreat{Framework: frameworkATTACK, Technique: t}
}

// techniqueName returns the ATT&CK name of the techniques dnsvigil's rules
// map to, or "".
func techniqueName(id string) string {
	switch id {
	case alert.TechniqueDNSServer:
		return alert.TechniqueDNSServerName
	case alert.TechniqueDNSTunnel:
		return "Application Layer Protocol: DNS"
	case alert.TechniqueCompromiseDNSServer:
		return alert.TechniqueCompromiseDNSServerName
	}
	return ""
}

// process splits a process image into process.name (the base name) and
// process.executable (the path, when there is one). Both / and \ separate;
// the split is made before escaping, so an escape's backslash never counts.
func process(image string) ecsProcess {
	if image == "" {
		return ecsProcess{}
	}
	i := strings.LastIndexAny(image, `/\`)
	if i < 0 {
		return ecsProcess{Name: escape.JSONString(image)}
	}
	return ecsProcess{Name: escape.JSONString(image[i+1:]), Executable: escape.JSONString(image)}
}

// network maps dnsvigil's transport names to ECS: network.transport is the
// layer-4 protocol and network.protocol the application protocol, "dns" for
// plain DNS over UDP or TCP (when the alert names a query) and dnsvigil's own
// "dot", "doh" or "doq" for encrypted DNS. DoH can run over TCP or QUIC, so
// it gets no transport. Other names are passed through as the transport. An
// alert's comma-separated list of transports ("udp,tcp,dot") gives lists.
func network(transport string, query bool) ecsNetwork {
	var transports, protocols []string
	add := func(list []string, v string) []string {
		if v == "" || slices.Contains(list, v) {
			return list
		}
		return append(list, v)
	}
	for _, t := range strings.Split(transport, ",") {
		tr, proto := networkOne(t, query)
		transports, protocols = add(transports, tr), add(protocols, proto)
	}
	return ecsNetwork{Transport: oneOrList(transports), Protocol: oneOrList(protocols)}
}

func networkOne(transport string, query bool) (string, string) {
	plain := ""
	if query {
		plain = "dns"
	}
	switch transport {
	case "":
		return "", ""
	case "udp", "tcp":
		return transport, plain
	case "dot":
		return "tcp", "dot"
	case "doh":
		return "", "doh"
	case "doq":
		return "udp", "doq"
	}
	return escape.JSONString(transport), ""
}

// oneOrList returns nil for no value, the value for one, the list for more.
func oneOrList(v []string) any {
	switch len(v) {
	case 0:
		return nil
	case 1:
		return v[0]
	}
	return v
}
