package incident

import (
	"cmp"
	"container/heap"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
)

// building is an incident still receiving alerts.
type building struct {
	key    string // host identity
	host   string
	client netip.Addr

	first, last time.Time
	start, end  time.Time
	base        alert.Severity
	alerts      int
	dropped     int
	// ruleOverflow counts rule ids past MaxValues.
	ruleOverflow int

	rules     map[string]*RuleCount
	processes values[string]
	users     values[string]
	servers   values[netip.Addr]
	domains   values[string]

	timeline byLatest
	seq      sequence

	heapIndex int // position in Correlator.open
}

func newBuilding(key string, maxValues int) *building {
	return &building{
		key:       key,
		rules:     make(map[string]*RuleCount),
		processes: newValues[string](maxValues),
		users:     newValues[string](maxValues),
		servers:   newValues[netip.Addr](maxValues),
		domains:   newValues[string](maxValues),
	}
}

// add records a, whose event time is t.
func (b *building) add(a *alert.Alert, t time.Time, cfg Config) {
	b.name(a.Host, a.Client.Unmap(), t)
	if b.alerts == 0 || t.Before(b.first) {
		b.first = t
	}
	if b.alerts == 0 || t.After(b.last) {
		b.last = t
	}
	b.widen(cmpOrZero(a.FirstSeen, t), cmpOrZero(a.LastSeen, t))
	b.alerts++
	b.base = max(b.base, a.Severity)
	b.addRule(RuleCount{ID: a.RuleID, Name: a.RuleName, Count: 1}, cfg.MaxValues)
	b.processes.add(a.Process)
	b.users.add(a.User)
	b.servers.add(a.Server)
	b.domains.add(cmp.Or(a.Domain, a.QName))
	b.pushTimeline(TimelineEntry{Time: t, RuleID: a.RuleID, Severity: a.Severity, Summary: a.Summary, Key: a.Key}, cfg.MaxAlertsPerIncident)
	b.seq.add(a, t, cfg.MaxValues)
}

// name takes the host name and client address of the earliest alert that
// has them (the smaller on equal times), whatever the arrival order.
func (b *building) name(host string, client netip.Addr, t time.Time) {
	earlier := b.alerts == 0 || t.Before(b.first)
	same := !earlier && t.Equal(b.first)
	if host != "" && (b.host == "" || earlier || same && host < b.host) {
		b.host = host
	}
	if client.IsValid() && (!b.client.IsValid() || earlier || same && client.Less(b.client)) {
		b.client = client
	}
}

func cmpOrZero(t, def time.Time) time.Time {
	if t.IsZero() {
		return def
	}
	return t
}

// widen extends the activity bounds to [start, end].
func (b *building) widen(start, end time.Time) {
	if b.start.IsZero() || start.Before(b.start) {
		b.start = start
	}
	if end.After(b.end) {
		b.end = end
	}
}

func (b *building) addRule(r RuleCount, maxValues int) {
	if rc, ok := b.rules[r.ID]; ok {
		rc.Count += r.Count
		if rc.Name == "" {
			rc.Name = r.Name
		}
		return
	}
	if len(b.rules) >= maxValues {
		b.ruleOverflow++
		return
	}
	b.rules[r.ID] = &r
}

// pushTimeline keeps the limit earliest entries and counts the others.
func (b *building) pushTimeline(e TimelineEntry, limit int) {
	if len(b.timeline) < limit {
		heap.Push(&b.timeline, e)
		return
	}
	b.dropped++
	if compareEntries(e, b.timeline[0]) < 0 {
		b.timeline[0] = e
		heap.Fix(&b.timeline, 0)
	}
}

// merge folds o, an incident of the same host, into b.
func (b *building) merge(o *building, cfg Config) {
	b.name(o.host, o.client, o.first)
	if o.first.Before(b.first) {
		b.first = o.first
	}
	b.last = maxTime(b.last, o.last)
	b.widen(o.start, o.end)
	b.alerts += o.alerts
	b.dropped += o.dropped
	b.ruleOverflow += o.ruleOverflow
	b.base = max(b.base, o.base)
	for _, r := range o.rules {
		b.addRule(*r, cfg.MaxValues)
	}
	b.processes.merge(&o.processes)
	b.users.merge(&o.users)
	b.servers.merge(&o.servers)
	b.domains.merge(&o.domains)
	for _, e := range o.timeline {
		b.pushTimeline(e, cfg.MaxAlertsPerIncident)
	}
	b.seq.merge(&o.seq, cfg.MaxValues)
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// compareEntries orders timeline entries by time, then rule id, then key,
// so equal inputs give the same timeline whatever their arrival order.
func compareEntries(a, b TimelineEntry) int {
	return cmp.Or(
		a.Time.Compare(b.Time),
		strings.Compare(a.RuleID, b.RuleID),
		strings.Compare(a.Key, b.Key),
		strings.Compare(a.Summary, b.Summary),
		cmp.Compare(a.Severity, b.Severity),
	)
}

// byLatest is a max-heap of timeline entries: the root is the latest, the
// one to drop when an earlier alert arrives at the cap.
type byLatest []TimelineEntry

func (h byLatest) Len() int           { return len(h) }
func (h byLatest) Less(i, j int) bool { return compareEntries(h[j], h[i]) < 0 }
func (h byLatest) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *byLatest) Push(x any)        { *h = append(*h, x.(TimelineEntry)) }
func (h *byLatest) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// values is a capped set of distinct non-zero values; values past the cap
// are counted in overflow.
type values[T comparable] struct {
	set      map[T]struct{}
	limit    int
	overflow int
}

func newValues[T comparable](limit int) values[T] {
	return values[T]{limit: limit}
}

func (v *values[T]) add(x T) {
	var zero T
	if x == zero {
		return
	}
	if _, ok := v.set[x]; ok {
		return
	}
	if len(v.set) >= v.limit {
		v.overflow++
		return
	}
	if v.set == nil {
		v.set = make(map[T]struct{})
	}
	v.set[x] = struct{}{}
}

func (v *values[T]) merge(o *values[T]) {
	for x := range o.set {
		v.add(x)
	}
	v.overflow += o.overflow
}

// sorted returns the values in order.
func (v *values[T]) sorted(compare func(a, b T) int) []T {
	if len(v.set) == 0 {
		return nil
	}
	out := make([]T, 0, len(v.set))
	for x := range v.set {
		out = append(out, x)
	}
	slices.SortFunc(out, compare)
	return out
}
