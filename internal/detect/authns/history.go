package authns

import (
	"slices"
	"strings"
	"time"
)

// History is the delegation history that earlier scans left in the
// passive-DNS store: which name servers each zone had, and when each
// server was first seen. A scan loads it (bounded) before it starts, so
// the detector compares what it sees with what came before without
// reading the store itself.
type History struct {
	since     time.Time            // the earliest fact the history covers
	firstSeen map[string]time.Time // name server -> first seen serving any zone
	zoneNS    map[string][]string  // zone -> name servers seen, sorted
}

// HistoryRecord is one NS fact of the history.
type HistoryRecord struct {
	Zone, Server string
	First, Last  time.Time
}

// NewHistory builds a history covering facts since since.
func NewHistory(since time.Time, recs []HistoryRecord) *History {
	h := &History{since: since, firstSeen: map[string]time.Time{}, zoneNS: map[string][]string{}}
	for _, r := range recs {
		if f, ok := h.firstSeen[r.Server]; !ok || r.First.Before(f) {
			h.firstSeen[r.Server] = r.First
		}
		if ns := h.zoneNS[r.Zone]; !slices.Contains(ns, r.Server) {
			h.zoneNS[r.Zone] = append(ns, r.Server)
		}
	}
	for z := range h.zoneNS {
		slices.Sort(h.zoneNS[z])
	}
	return h
}

// Len returns the number of zones in the history.
func (h *History) Len() int {
	if h == nil {
		return 0
	}
	return len(h.zoneNS)
}

// covers reports whether the history reaches back to t.
func (h *History) covers(t time.Time) bool {
	return h != nil && !h.since.IsZero() && !h.since.After(t)
}

// previousNS returns the zone's earlier name servers when none of them is
// in the current set: the delegation moved away from all of them.
func (h *History) previousNS(zone string, current []string) (string, bool) {
	if h == nil {
		return "", false
	}
	old := h.zoneNS[zone]
	if len(old) == 0 {
		return "", false
	}
	for _, s := range current {
		if slices.Contains(old, s) {
			return "", false
		}
	}
	return strings.Join(old, ", "), true
}

// serverFirstSeen returns when the history first saw server.
func (h *History) serverFirstSeen(server string) (time.Time, bool) {
	if h == nil {
		return time.Time{}, false
	}
	t, ok := h.firstSeen[server]
	return t, ok
}
