// Package alert defines the Alert every detector emits and every sink writes,
// with its severity, stable key and ATT&CK mapping.
package alert

import (
	"net/netip"
	"strings"
	"time"
)

// ATT&CK identifiers that dnsvigil's rules map to.
const (
	// TechniqueDNSServer is T1583.002, Acquire Infrastructure: DNS Server.
	TechniqueDNSServer = "T1583.002"
	// TechniqueDNSServerName is its ATT&CK name.
	TechniqueDNSServerName = "Acquire Infrastructure: DNS Server"
	// StrategyDNSServer is detection strategy DET0862, Detection of DNS Server.
	StrategyDNSServer = "DET0862"
	// TechniqueDNSTunnel is T1071.004, Application Layer Protocol: DNS.
	TechniqueDNSTunnel = "T1071.004"
	// TechniqueCompromiseDNSServer is T1584.002, Compromise
	// Infrastructure: DNS Server (hijacked delegations, Sea Turtle).
	TechniqueCompromiseDNSServer = "T1584.002"
	// TechniqueCompromiseDNSServerName is its ATT&CK name.
	TechniqueCompromiseDNSServerName = "Compromise Infrastructure: DNS Server"
)

// Severity ranks alerts.
type Severity uint8

// Severities, lowest first.
const (
	SeverityInfo Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

// String returns the lowercase name of s.
func (s Severity) String() string {
	if int(s) < len(severityNames) {
		return severityNames[s]
	}
	return "unknown"
}

// ParseSeverity maps a name (any case) to a Severity.
func ParseSeverity(name string) (Severity, bool) {
	for i, n := range severityNames {
		if strings.EqualFold(n, name) {
			return Severity(i), true
		}
	}
	return 0, false
}

// MarshalText implements encoding.TextMarshaler.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Alert is one finding. Strings in an Alert are owned by the Alert (detectors
// copy what they take from events), so sinks may keep it.
type Alert struct {
	// Key is stable for the same finding across runs and replays: a sink or a
	// store uses it to dedupe. Build it with MakeKey.
	Key      string
	RuleID   string
	RuleName string
	Severity Severity
	// Technique and Strategy are the ATT&CK technique and detection-strategy
	// ids; Technique may list a second technique after a comma.
	Technique string
	Strategy  string

	// Time is when the alert fired, in event time.
	Time      time.Time
	FirstSeen time.Time
	LastSeen  time.Time

	// Summary is one human sentence saying what was seen.
	Summary string

	// Context of the finding; zero values are left out of outputs.
	Host      string
	Process   string
	User      string
	Client    netip.Addr
	Server    netip.Addr
	Port      uint16
	Transport string
	QName     string
	Domain    string

	// Evidence says why the rule fired: counts, thresholds, samples. Values
	// are strings, numbers, booleans, times or slices of those.
	Evidence []Field
}

// Names is an evidence value holding DNS names in dnsvigil's canonical
// presentation form (see package dnsname), whose backslash escapes are part
// of the name. Sinks print them with name escaping rather than generic text
// escaping, so `a\.b` reads as one label and is not shown doubled.
type Names []string

// Field is one named piece of evidence.
type Field struct {
	Name  string
	Value any
}

// Get returns the value of the named evidence field.
func (a *Alert) Get(name string) (any, bool) {
	for _, f := range a.Evidence {
		if f.Name == name {
			return f.Value, true
		}
	}
	return nil, false
}

// MakeKey joins a rule id and the parts that identify one finding into a
// stable key. Parts are separated by '|' and '|' inside a part is escaped, so
// distinct part lists never collide.
func MakeKey(ruleID string, parts ...string) string {
	var b strings.Builder
	b.WriteString(ruleID)
	for _, p := range parts {
		b.WriteByte('|')
		for i := 0; i < len(p); i++ {
			if p[i] == '|' || p[i] == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(p[i])
		}
	}
	return b.String()
}
