package incident

import (
	"container/heap"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
)

// Deps are what a Correlator needs besides its Config.
type Deps struct {
	// Evicted receives each incident closed early because MaxIncidents
	// incidents were open, at the moment it is closed, so that it can be
	// written out. Nil discards them (they are still counted).
	Evicted func(*Incident)
}

// Counts are a Correlator's counters.
type Counts struct {
	// Alerts is the number of alerts added.
	Alerts int64
	// Created counts incidents started; Merged counts incidents joined to a
	// neighbour when a late alert closed the gap between them.
	Created int64
	Merged  int64
	// Evicted counts incidents closed early because the Correlator was
	// full.
	Evicted int64
	// Open is the number of incidents held now.
	Open int
}

// Correlator groups alerts into incidents per host. Alerts may arrive in any
// order; two alerts of a host are in one incident when a chain of its
// alerts links them with gaps of at most Config.Window, which is the grouping
// a time-sorted stream would give. It is not safe for concurrent use.
type Correlator struct {
	cfg    Config
	deps   Deps
	hosts  map[string][]*building // by host identity, each sorted by first
	open   byIdle                 // every open incident, oldest last first
	counts Counts
}

// New returns a Correlator, or the problems with cfg.
func New(cfg Config, deps Deps) (*Correlator, error) {
	if errs := cfg.Validate(); errs != nil {
		return nil, fmt.Errorf("incidents: %w", errors.Join(errs...))
	}
	return &Correlator{cfg: cfg, deps: deps, hosts: make(map[string][]*building)}, nil
}

// HostKey returns the identity alerts are grouped by: the host name in lower
// case, else the client address, else "" (alerts that name no host form
// incidents of their own identity).
func HostKey(a *alert.Alert) string {
	if a.Host != "" {
		return strings.ToLower(a.Host)
	}
	if a.Client.IsValid() {
		return a.Client.Unmap().String()
	}
	return ""
}

// Add puts a into the incident of its host. It keeps references to a's
// strings, not to a.
func (c *Correlator) Add(a *alert.Alert) {
	c.counts.Alerts++
	key := HostKey(a)
	t := alertTime(a)
	list := c.hosts[key]
	// j is the first incident starting after t; only j-1 and j can be
	// within the window of t, since incidents of a host are separated by
	// gaps longer than the window.
	j, _ := slices.BinarySearchFunc(list, t, func(b *building, t time.Time) int {
		if b.first.After(t) {
			return 1
		}
		return -1
	})
	var prev, next *building
	if j > 0 && !t.After(list[j-1].last.Add(c.cfg.Window)) {
		prev = list[j-1]
	}
	if j < len(list) && !list[j].first.Add(-c.cfg.Window).After(t) {
		next = list[j]
	}
	switch {
	case prev != nil && next != nil:
		prev.merge(next, c.cfg)
		c.remove(next)
		c.counts.Merged++
		c.addTo(prev, a, t)
	case prev != nil:
		c.addTo(prev, a, t)
	case next != nil:
		c.addTo(next, a, t)
	default:
		c.start(key, a, t)
	}
}

func (c *Correlator) addTo(b *building, a *alert.Alert, t time.Time) {
	b.add(a, t, c.cfg)
	heap.Fix(&c.open, b.heapIndex)
}

// start opens a new incident for a, evicting the idlest one when full.
func (c *Correlator) start(key string, a *alert.Alert, t time.Time) {
	for len(c.open) >= c.cfg.MaxIncidents {
		c.evict()
	}
	b := newBuilding(key, c.cfg.MaxValues)
	b.add(a, t, c.cfg)
	list := c.hosts[key]
	i, _ := slices.BinarySearchFunc(list, b, compareFirst)
	c.hosts[key] = slices.Insert(list, i, b)
	heap.Push(&c.open, b)
	c.counts.Created++
}

func compareFirst(x, y *building) int { return x.first.Compare(y.first) }

// evict closes the incident whose last alert is oldest and hands it to
// Deps.Evicted.
func (c *Correlator) evict() {
	b := c.open[0]
	c.remove(b)
	c.counts.Evicted++
	if c.deps.Evicted != nil {
		inc := b.finish()
		inc.Evicted = true
		c.deps.Evicted(&inc)
	}
}

// remove drops b from the open set and its host's list.
func (c *Correlator) remove(b *building) {
	heap.Remove(&c.open, b.heapIndex)
	list := c.hosts[b.key]
	if i := slices.Index(list, b); i >= 0 {
		list = slices.Delete(list, i, i+1)
	}
	if len(list) == 0 {
		delete(c.hosts, b.key)
		return
	}
	c.hosts[b.key] = list
}

// Close returns the open incidents, sorted by first alert time then ID, and
// empties the Correlator.
func (c *Correlator) Close() []Incident {
	out := make([]Incident, 0, len(c.open))
	for _, b := range c.open {
		out = append(out, b.finish())
	}
	c.open = nil
	clear(c.hosts)
	SortIncidents(out)
	return out
}

// SortIncidents orders incidents by first alert time, then ID.
func SortIncidents(incs []Incident) {
	slices.SortFunc(incs, func(a, b Incident) int {
		if c := a.First.Compare(b.First); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// Counts returns the counters.
func (c *Correlator) Counts() Counts {
	n := c.counts
	n.Open = len(c.open)
	return n
}

// byIdle is a min-heap of open incidents by last alert time: the root is
// the one to evict.
type byIdle []*building

func (h byIdle) Len() int { return len(h) }
func (h byIdle) Less(i, j int) bool {
	if c := h[i].last.Compare(h[j].last); c != 0 {
		return c < 0
	}
	if h[i].key != h[j].key {
		return h[i].key < h[j].key
	}
	return h[i].first.Before(h[j].first)
}
func (h byIdle) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIndex = i
	h[j].heapIndex = j
}
func (h *byIdle) Push(x any) {
	b := x.(*building)
	b.heapIndex = len(*h)
	*h = append(*h, b)
}
func (h *byIdle) Pop() any {
	old := *h
	b := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	b.heapIndex = -1
	return b
}
