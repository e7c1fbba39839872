// Package tunnel detects DNS tunnels and DNS command-and-control channels:
// a client (and process) whose queries under one registrable domain look
// like data carried in names. Tools such as iodine, dnscat2, dns2tcp and
// DNSExfiltrator encode their payload in long, high-entropy, never-repeated
// subdomains of a domain whose name server the adversary runs (ATT&CK
// T1583.002), and often ask TXT, NULL, CNAME or MX to get room for the
// answer. The alert maps to T1071.004 (Application Layer Protocol: DNS)
// under detection strategy DET0862.
//
// How it scores: queries are grouped by key (host name, else client
// address; the process basename when known; the registrable domain from
// Enrich.Domain). Short names asked as A, AAAA or HTTPS (at most plainLen
// bytes before the domain) are not scored. Each key keeps compact
// aggregates of the part of the name left of the registrable domain in
// tumbling bins of event time (starting at t.UTC().Truncate(window)): query
// count, distinct subdomains (exact, then a HyperLogLog sketch), subdomain
// and name bytes, labels, longest label, mean Shannon entropy of the byte
// frequencies, the share of digits, the share of names with a long label in
// an encoding alphabet, hash-shaped names, the query-type mix, and, when
// responses are seen, NXDOMAIN, answer sizes and low TTLs, and the
// regularity of the intervals between queries. A key is scored over a
// sliding window: its current bin plus the previous bin's aggregates
// weighed by how much of the previous bin still lies within one window
// width. Once the window holds min_queries queries the key is scored (core
// features scaled to 0..100 plus supporting features, see formula), and the
// first time its score reaches medium_score in a bin one alert is emitted,
// at that query, with every feature's value and contribution and sample
// names. Severity is high from high_score and rises a level when the
// estimated unique subdomain bytes reach escalate_bytes; when the bin
// closes with a higher severity than the alert had, an update is emitted
// under the same stable key. Later bins may alert again under that key.
//
// Slow channels: a key whose own names score at least medium_score but
// that never reaches min_queries in a window is accumulated across bins
// for slow_window and alerts once the accumulation does.
//
// Memory is bounded whatever the input: keys are filed under a 64-bit hash
// in Space-Saving counters of max_keys entries for the current and the
// previous bin, and max_keys/10 for slow channels (a flood of one-off
// domains replaces the keys with the fewest queries, counted as evictions,
// while a channel's key, which has many, stays); each key holds fixed-size
// counters, a bounded distinct sketch and a few sample names. The event
// path does not allocate once its key is tracked.
//
// False positives: services whose subdomains are hashed, encoded or
// reversed by design: anti-virus and reputation lookups, DNS blocklists,
// reverse lookups. The built-in list (benign.tsv) skips them, names
// structured by protocol (service labels starting with '_', wpad, isatap)
// are skipped, and users add domains with allow. Provider-operated zones
// whose host names carry tokens by design (CDNs, cloud endpoints, ad
// serving) are on the list: their name servers are the provider's, so no
// adversary receives their queries. Other CDN and telemetry names with one
// short hashed label stay below the thresholds because label length,
// encoding and query type carry most of the weight, and names made of one
// hash (reputation lookups) are damped.
package tunnel

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/detect"
	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/state"
)

// Rule identity.
const (
	RuleID   = "DNSV-TUN-001"
	RuleName = "DNS tunnel"
	// Name is the detector's name in configuration and counters.
	Name = "tunnel"
)

// hashSeed fixes the hash of subdomains so distinct counts replay
// identically.
const hashSeed = 0x51ed270b27e5f1a3

// Detector scores DNS query names per client, process and registrable
// domain over sliding event-time windows. Build it with New; it is not safe
// for concurrent use.
type Detector struct {
	cfg   Config
	win   *state.Tumbling
	keys  *state.TopK[uint64] // hashes of the current bin's keys
	keyOf []key               // the keys, by slot id in keys
	aggs  []agg               // by slot id in keys
	allow allowSet
	tab   *tables
	// The previous bin: its keys and their sums with distinct counts, kept
	// read-only while the current bin runs.
	prevKeys  *state.TopK[uint64]
	prevKeyOf []key
	prevSums  []sums
	prevBin   state.Bin
	hasPrev   bool
	alerted   []int32 // slot ids that alerted in the current bin
	// Slow channels: suspicious keys below min_queries, accumulated across
	// bins for slow_window.
	slow      *state.TopK[uint64]
	slowKeyOf []key
	slowE     []slowEntry
	// names interns the strings of stored keys, so a key that returns in
	// the next bin does not copy its strings again; it is cleared when it
	// reaches internCap entries.
	names map[string]string
	// binStart and binEnd cache the current bin in Unix nanoseconds, so an
	// event inside it skips the window's bookkeeping.
	binStart, binEnd int64

	scored, allowed, shaped, noDomain, noSubdomain, unattributed, noTime, late, alerts, updates, slowAlerts, collisions, plain, responsesApart int64
}

// New returns a detector for cfg, which must pass Validate.
func New(cfg Config) (*Detector, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("new tunnel detector: %w", errors.Join(errs...))
	}
	var builtin []Allow
	if cfg.UseBuiltinBenign {
		var err error
		if builtin, err = ParseBenign(BenignList); err != nil {
			return nil, fmt.Errorf("new tunnel detector: %w", err)
		}
	}
	win, err := state.NewTumbling(cfg.Window)
	if err != nil {
		return nil, err
	}
	keys, err := state.NewTopK[uint64](cfg.MaxKeys, nil)
	if err != nil {
		return nil, err
	}
	prev, err := state.NewTopK[uint64](cfg.MaxKeys, nil)
	if err != nil {
		return nil, err
	}
	slow, err := state.NewTopK[uint64](max(cfg.MaxKeys/slowShare, 1), nil)
	if err != nil {
		return nil, err
	}
	return &Detector{cfg: cfg, win: win, keys: keys, prevKeys: prev, slow: slow, allow: newAllowSet(builtin, cfg.Allow), tab: newTables(), names: map[string]string{}}, nil
}

// Name implements detect.Detector.
func (d *Detector) Name() string { return Name }

// UsesRecords implements detect.RecordsUser: the low-TTL share is read from
// answers only when another detector has them decoded.
func (d *Detector) UsesRecords() bool { return false }

// Observe implements detect.Detector.
func (d *Detector) Observe(ev *event.Event, emit detect.Emit) {
	if ev.Kind != event.KindDNS || !ev.DNS.HasQuery && !ev.DNS.HasResponse {
		return
	}
	name, dom := ev.DNS.QName, ev.Enrich.Domain
	if dom == "" {
		d.noDomain++
		return
	}
	if len(name) <= len(dom)+1 || !under(name, dom) {
		d.noSubdomain++
		return
	}
	sub := name[:len(name)-len(dom)-1]
	if len(sub) <= plainLen && plainType(ev.DNS.QType) {
		d.plain++
		return
	}
	if skipByShape(sub) {
		d.shaped++
		return
	}
	k := key{host: ev.Host.Name, proc: baseName(ev.Process.Image), domain: dom}
	if k.host == "" {
		if k.client = ev.Client.Addr().Unmap(); !k.client.IsValid() {
			d.unattributed++
			return
		}
	}
	if ev.Time.IsZero() {
		d.noTime++
		return
	}
	t := ev.Time.UnixNano()
	if t < d.binStart || t >= d.binEnd {
		d.step(ev.Time, emit)
	}
	h := k.hash()
	if !ev.DNS.HasQuery {
		// A response logged apart from its query (dnstap, EVE): its
		// query was counted already, so only its response features are
		// added. A response whose key is unknown stands for a query
		// that was not seen, and is counted as one below.
		if id, ok := d.keys.Lookup(h); ok && d.keyOf[id] == k {
			d.aggs[id].addResponse(ev)
			d.responsesApart++
			return
		}
	}
	d.scored++
	s := d.keys.Add(h, 1)
	if s.ID == len(d.aggs) {
		d.aggs = append(d.aggs, newAgg())
	}
	for len(d.keyOf) <= s.ID {
		d.keyOf = append(d.keyOf, key{}) // this bin's table reuses the previous one's
	}
	a := &d.aggs[s.ID]
	if s.New {
		d.keyOf[s.ID] = key{client: k.client, host: d.intern(k.host), proc: d.intern(k.proc), domain: d.intern(k.domain)}
		a.reset()
		a.allowCheck = d.allow.mayCover(dom)
		a.nextEval = float64(d.cfg.MinQueries)
		if d.hasPrev {
			if id, ok := d.prevKeys.Lookup(h); ok && d.prevKeyOf[id] == k {
				a.prev, a.nextEval = int32(id), 1
			}
		}
	} else if d.keyOf[s.ID] != k {
		d.collisions++ // two keys share a 64-bit hash: the later one is not scored
		return
	}
	if a.allowCheck {
		if _, ok := d.allow.match(name); ok {
			d.allowed++
			return
		}
	}
	a.add(t, sub, len(name), d.tab.analyse(sub), state.HashString(hashSeed, sub), ev)
	a.addSample(name, d.cfg.SampleNames)
	if a.alerted || a.queries < a.nextEval {
		return
	}
	d.evaluate(k, s.ID, a, ev, emit)
}

// evaluate scores a key over its sliding window, the current bin plus the
// overlapping share of the previous one, and alerts the first time the
// score reaches medium_score in the bin.
func (d *Detector) evaluate(k key, id int, a *agg, ev *event.Event, emit detect.Emit) {
	m, w := d.window(a, a.last)
	if m.queries < float64(d.cfg.MinQueries) {
		// The previous bin's weight only falls, so no check can pass
		// before this many more queries.
		a.nextEval = a.queries + max(1, math.Ceil(float64(d.cfg.MinQueries)-m.queries))
		return
	}
	// Scored every evalEvery queries, and at most about eight times per
	// doubling of a key's queries, so a busy benign key costs little.
	a.nextEval = a.queries + max(evalEvery, math.Floor(a.queries/8))
	sc := m.score()
	if sc.score < d.cfg.MediumScore {
		return
	}
	a.alerted, a.sev = true, uint8(d.severity(sc))
	d.alerted = append(d.alerted, int32(id))
	d.alerts++
	bin, _ := d.win.Current()
	emit(d.alert(k, a, &m, w, sc, bin, ev, kindFirst))
}

// step moves the window to event time t: it closes the current bin when t
// is past it and caches the bin t falls in. A late event (before the
// current bin) is counted and folded into the current bin.
func (d *Detector) step(t time.Time, emit detect.Emit) {
	st := d.win.Observe(t)
	if st.DidClose {
		d.closeBin(st.Closed, emit)
	}
	if st.Late {
		d.late++
	}
	if bin, ok := d.win.Current(); ok && !st.Late {
		d.binStart, d.binEnd = bin.Start.UnixNano(), bin.End.UnixNano()
	}
}

// window returns a's sums over the sliding window that ends at t (Unix
// nanoseconds), and the weight given to the previous bin: the share of the
// previous bin that lies within one window width of t.
func (d *Detector) window(a *agg, t int64) (sums, float64) {
	m := a.sums
	m.distinct = float64(a.distinctSet.Count())
	if a.prev < 0 {
		return m, 0
	}
	bin, ok := d.win.Current()
	if !ok || !d.prevBin.End.Equal(bin.Start) {
		return m, 0
	}
	w := 1 - float64(t-bin.Start.UnixNano())/float64(d.cfg.Window)
	if w <= 0 {
		return m, 0
	}
	m.merge(&d.prevSums[a.prev], min(w, 1))
	return m, min(w, 1)
}

// internCap bounds the interned key strings.
const internCap = 1 << 16

// intern returns a stored copy of s, copying it only the first time.
func (d *Detector) intern(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := d.names[s]; ok {
		return v
	}
	if len(d.names) >= internCap {
		clear(d.names) // a flood of one-off names: start over
	}
	v := strings.Clone(s)
	d.names[v] = v
	return v
}

// plainLen is the longest subdomain of a plain query: short names asked as
// A, AAAA or HTTPS are not scored. They are most of ordinary traffic, and a
// name with at most 16 bytes before the registrable domain carries little
// data (10 bytes in base32), so a channel made of them needs thousands of
// queries per kilobyte, which the volume detector counts. Every name the
// tunnel tools send is longer or asks another type.
const plainLen = 16

// plainType reports the query types of ordinary browsing.
func plainType(qt uint16) bool {
	return qt == event.TypeA || qt == event.TypeAAAA || qt == event.TypeHTTPS
}

// baseName returns the file name of a Windows or POSIX image path.
func baseName(image string) string {
	for i := len(image) - 1; i >= 0; i-- {
		if image[i] == '/' || image[i] == '\\' {
			return image[i+1:]
		}
	}
	return image
}

// Advance implements detect.Detector: when now is at or past the end of the
// current bin, the bin closes.
func (d *Detector) Advance(now time.Time, emit detect.Emit) {
	if b, ok := d.win.Advance(now); ok {
		d.closeBin(b, emit)
	}
}

// Flush implements detect.Detector: it closes the current bin.
func (d *Detector) Flush(emit detect.Emit) {
	if b, ok := d.win.Flush(); ok {
		d.closeBin(b, emit)
	}
}

// closeBin emits an update for each key that alerted in b and whose
// severity rose since, keeps every key's sums as the previous bin, and
// starts an empty current bin.
func (d *Detector) closeBin(b state.Bin, emit detect.Emit) {
	for _, id := range d.alerted {
		a := &d.aggs[id]
		if !a.alerted {
			continue // the slot changed hands after the alert
		}
		m, w := d.window(a, a.last)
		sc := m.score()
		if sev := d.severity(sc); uint8(sev) > a.sev {
			k := d.keyOf[id]
			a.sev = uint8(sev)
			d.updates++
			emit(d.alert(k, a, &m, w, sc, b, nil, kindUpdate))
		}
	}
	d.alerted = d.alerted[:0]
	n := d.keys.Len()
	if d.cfg.SlowWindow > 0 {
		for id := range n {
			d.foldSlow(id, b, emit)
		}
	}
	if cap(d.prevSums) < n {
		d.prevSums = make([]sums, n, cap(d.aggs))
	}
	d.prevSums = d.prevSums[:n]
	for id := range n {
		d.prevSums[id] = d.aggs[id].sums
		d.prevSums[id].distinct = float64(d.aggs[id].distinctSet.Count())
	}
	d.keys, d.prevKeys = d.prevKeys, d.keys
	d.keyOf, d.prevKeyOf = d.prevKeyOf, d.keyOf
	d.keys.Reset()
	d.binStart, d.binEnd = 0, 0
	d.prevBin, d.hasPrev = b, true
}

// slowShare: the slow-channel table holds max_keys/slowShare keys.
const slowShare = 10

// slowEntry is a suspicious key's accumulation across bins.
type slowEntry struct {
	sums
	dist    state.Distinct
	alerted bool
}

// foldSlow adds the key at id of the closing bin b to the slow-channel
// table when it never reached min_queries in the bin and its own names
// score at least medium_score, and alerts once the accumulation over
// slow_window reaches min_queries and medium_score.
func (d *Detector) foldSlow(id int, b state.Bin, emit detect.Emit) {
	a := &d.aggs[id]
	if a.alerted || a.queries >= float64(d.cfg.MinQueries) {
		return
	}
	own := a.sums
	own.distinct = float64(a.distinctSet.Count())
	if own.score().score < d.cfg.MediumScore {
		return
	}
	k := d.keyOf[id]
	s := d.slow.Add(k.hash(), uint64(a.queries))
	if s.ID == len(d.slowE) {
		dist, _ := state.MakeDistinct(distinctExact, distinctPrecision) // constant, valid sizes
		d.slowE = append(d.slowE, slowEntry{dist: dist})
		d.slowKeyOf = append(d.slowKeyOf, key{})
	}
	if s.New {
		d.slowKeyOf[s.ID] = k
	} else if d.slowKeyOf[s.ID] != k {
		d.collisions++
		return
	}
	e := &d.slowE[s.ID]
	if s.New || e.last < b.End.UnixNano()-int64(d.cfg.SlowWindow) {
		e.dist.Reset()
		e.sums = sums{first: math.MaxInt64, last: math.MinInt64}
		e.alerted = false
	}
	e.merge(&a.sums, 1)
	e.dist.Merge(&a.distinctSet)
	if e.alerted || e.queries < float64(d.cfg.MinQueries) {
		return
	}
	m := e.sums
	m.distinct = float64(e.dist.Count())
	sc := m.score()
	if sc.score < d.cfg.MediumScore {
		return
	}
	e.alerted = true
	a.sev = uint8(d.severity(sc))
	d.slowAlerts++
	emit(d.alert(k, a, &m, 0, sc, b, nil, kindSlow))
}

// Counts implements detect.Counter.
func (d *Detector) Counts() []detect.Stat {
	return []detect.Stat{
		{Name: "queries scored", Value: d.scored},
		{Name: "responses added to their query's key", Value: d.responsesApart},
		{Name: "queries allowed", Value: d.allowed},
		{Name: "queries skipped by shape", Value: d.shaped},
		{Name: "plain queries not scored", Value: d.plain},
		{Name: "queries without domain", Value: d.noDomain},
		{Name: "queries without subdomain", Value: d.noSubdomain},
		{Name: "unattributed queries", Value: d.unattributed},
		{Name: "queries without time", Value: d.noTime},
		{Name: "late queries", Value: d.late},
		{Name: "keys tracked", Value: int64(d.keys.Len())},
		{Name: "keys in previous window", Value: int64(d.prevKeys.Len())},
		{Name: "keys evicted", Value: d.keys.Evictions()},
		{Name: "bins closed", Value: d.win.Closed()},
		{Name: "alerts", Value: d.alerts},
		{Name: "alert updates", Value: d.updates},
		{Name: "slow-channel alerts", Value: d.slowAlerts},
		{Name: "slow-channel keys", Value: int64(d.slow.Len())},
		{Name: "slow-channel keys evicted", Value: d.slow.Evictions()},
		{Name: "key hash collisions", Value: d.collisions},
	}
}

var (
	_ detect.Detector    = (*Detector)(nil)
	_ detect.Counter     = (*Detector)(nil)
	_ detect.RecordsUser = (*Detector)(nil)
)
