// Package incident groups the alerts of one host into incidents, so an
// analyst reads one story per machine instead of a stream of findings from
// separate detectors. All alerts of a host whose event times lie within a
// window (24h by default) of each other form one incident, with a timeline,
// the processes, users, servers and domains involved, and a combined
// severity.
//
// The Correlator reads only generic alert.Alert fields (host, client,
// process, user, server, names, rule id, severity, times, summary, key and
// evidence), so alerts of detectors written later join incidents without
// changes here. Alerts may arrive in any order: grouping is the same as if
// they had been sorted by event time first. State is bounded: a cap on open
// incidents (the one idle longest is written out early), on timeline entries
// and on every list of distinct values, each with counted overflow.
//
// The combined severity is the highest severity of the incident's alerts,
// raised one level (at most to critical) when two or more distinct rules
// fired, and raised to at least high when a configuration change (a rule id
// starting with DNSV-CFG) set a DNS server and DNS traffic to that server
// followed: the sequence of T1583.002 infrastructure being put to use.
//
// WriteTable and JSONWriter write incidents; every string that can come from
// traffic or logs goes through package escape. Sink feeds a Correlator from
// the alert stream and writes the incidents when it closes.
package incident

import (
	"net/netip"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
)

// Incident is the alerts of one host within the window of each other. Its
// strings are shared with the alerts it was built from (alerts own their
// strings, so an Incident may be kept).
type Incident struct {
	// ID is "INC-" and 12 hex digits of a hash of the host identity and the
	// first alert time: the same alerts give the same ID in every run.
	ID string
	// Host is the host name of the incident's alerts, empty when they
	// carried only a client address.
	Host string
	// Client is the first client address seen in the incident's alerts.
	Client netip.Addr
	// First and Last are the event times of the first and last alert.
	First time.Time
	Last  time.Time
	// Start and End bound the activity the alerts describe (their
	// FirstSeen and LastSeen), which may begin before First.
	Start time.Time
	End   time.Time
	// Severity is the combined severity; Base is the highest severity of
	// the alerts before any raise.
	Severity alert.Severity
	Base     alert.Severity
	// Raised says why Severity is above Base, one sentence per reason.
	Raised []string
	// Summary is one sentence naming the rules, processes and servers.
	Summary string
	// Rules counts the alerts per rule id, sorted by id.
	Rules []RuleCount
	// Processes, Users, Servers and Domains are the distinct values of the
	// alerts, sorted, at most Config.MaxValues each; Overflow counts the
	// distinct values left out of any of them.
	Processes []string
	Users     []string
	Servers   []netip.Addr
	Domains   []string
	Overflow  int
	// Timeline holds the earliest alerts by event time, at most
	// Config.MaxAlertsPerIncident, sorted by time.
	Timeline []TimelineEntry
	// Alerts is the number of alerts in the incident; Dropped is how many
	// of them are not in Timeline.
	Alerts  int
	Dropped int
	// Evicted is true when the incident was closed early because the
	// Correlator was full: later alerts of the host start a new incident.
	Evicted bool
}

// TimelineEntry is one alert in an incident's timeline.
type TimelineEntry struct {
	Time     time.Time
	RuleID   string
	Severity alert.Severity
	Summary  string
	Key      string
}

// RuleCount is one rule of an incident and how many of its alerts it fired.
type RuleCount struct {
	ID    string
	Name  string
	Count int
}

// alertTime is the event time an alert is grouped by: Time, or LastSeen or
// FirstSeen when a detector left Time unset.
func alertTime(a *alert.Alert) time.Time {
	switch {
	case !a.Time.IsZero():
		return a.Time
	case !a.LastSeen.IsZero():
		return a.LastSeen
	}
	return a.FirstSeen
}
