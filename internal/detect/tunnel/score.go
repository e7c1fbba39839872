package tunnel

import "math"

// A feature is one normalised signal of the score: its value is mapped
// linearly from [lo, hi] onto [0, 1] (clamped) and multiplied by its weight.
// Core features describe the names and query types every input shows; their
// weights sum to 80 and are scaled to 100. Supporting features (response
// codes, answer sizes and TTLs, timing) are only seen in some telemetry and
// only add to the score, up to their weight each, never lowering it when
// absent or unremarkable:
//
//	score = min(100, 100/80 * sum_core(weight_i * x_i) + sum_support(weight_j * x_j))
//	x = clamp((value - lo) / (hi - lo), 0, 1)
//
// Supporting features count only when at least half the names look encoded
// or ask a tunnel's query types (see supportGate). The score is halved when
// the key looks like a hash lookup service (see hashDamping).
type feature struct {
	name    string
	weight  float64
	lo, hi  float64
	support bool
}

// coreWeight is the sum of the core features' weights.
const coreWeight = 80

// formula is the score formula, in evidence order. The ranges come from
// the tools' shapes: iodine, dnscat2, dns2tcp and DNSExfiltrator fill
// labels of 30 to 63 encoded bytes (entropy 3.5 to 5 bits per byte), almost
// never repeat a name, ask TXT, NULL, CNAME or MX for room in the answer,
// answer with large uncacheable records and poll at a steady pace, while
// CDN and load-balancer names carry one short token (8 to 12 bytes, entropy
// at most log2 of its length), browsing asks A, AAAA and HTTPS, answers are
// small and cached, and people and pages query in bursts.
func formula() [nFeatures]feature {
	return [nFeatures]feature{
		{name: "mean_subdomain_length", weight: 15, lo: 10, hi: 50},
		{name: "max_label_length", weight: 5, lo: 20, hi: 50},
		{name: "entropy", weight: 10, lo: 2.5, hi: 4.0},
		{name: "unique_share", weight: 15, lo: 0.5, hi: 0.9},
		{name: "encoded_share", weight: 15, lo: 0, hi: 1},
		{name: "tunnel_type_share", weight: 15, lo: 0, hi: 1},
		{name: "digit_share", weight: 5, lo: 0, hi: 0.25},
		{name: "nxdomain_share", weight: 5, lo: 0, hi: 1, support: true},
		{name: "mean_answer_bytes", weight: 5, lo: 60, hi: 250, support: true},
		{name: "low_ttl_share", weight: 5, lo: 0, hi: 1, support: true},
		{name: "interval_regularity", weight: 5, lo: 0.3, hi: 0.8, support: true},
	}
}

// Indexes into formula().
const (
	fSubLen = iota
	fMaxLabel
	fEntropy
	fUnique
	fEncoded
	fType
	fDigits
	fNX
	fAnswer
	fTTL
	fRegular
	nFeatures
)

// supportGate is the share of encoded names, or of TXT, NULL, CNAME, MX
// and rare query types, from which the supporting features count. Below
// it the names carry no sign of data, and busy benign keys (unique host
// names with serial numbers, asked at a steady pace) must not be pushed
// over the threshold by timing or answers alone.
const supportGate = 0.5

// hashShare is the share of hash-shaped names (one long hexadecimal label
// of 32, 40 or 64 characters) from which a key is taken for a reputation
// lookup service (anti-virus, malware hash registries) rather than a
// channel, and its score is multiplied by hashDamping. Such a channel
// would carry at most one hash's worth of data per query.
const (
	hashShare   = 0.9
	hashDamping = 0.5
)

// scored is a key's feature values, their contributions and the total.
type scored struct {
	values, contrib [nFeatures]float64
	available       [nFeatures]bool
	score           float64
	uncapped        float64 // the sum of the contributions, before the cap at 100
	queries         float64
	distinct        float64
	uniqueBytes     int64 // estimated bytes of distinct subdomains
	hashLike        bool
	// supported: the names or query types show data (see supportGate), so
	// the supporting features count.
	supported bool
}

// score evaluates the formula over s, the sums of a key in its sliding
// window.
func (s *sums) score() scored {
	var r scored
	n := s.queries
	r.queries = n
	r.distinct = min(s.distinct, n)
	r.values[fSubLen] = s.subBytes / n
	r.values[fMaxLabel] = s.maxLabel
	r.values[fEntropy] = s.entropy / n
	r.values[fUnique] = r.distinct / n
	r.values[fEncoded] = s.encoded / n
	r.values[fType] = (s.txt + s.null + s.cname + s.mx + s.otherType) / n
	if s.chars > 0 {
		r.values[fDigits] = s.digits / s.chars
	}
	for i := range fNX {
		r.available[i] = true
	}
	if s.responses > 0 {
		r.values[fNX] = s.nxdomain / s.responses
		r.available[fNX] = true
	}
	if s.sized > 0 {
		r.values[fAnswer] = s.answerBytes / s.sized
		r.available[fAnswer] = true
	}
	if s.answered > 0 {
		r.values[fTTL] = s.lowTTL / s.answered
		r.available[fTTL] = true
	}
	if s.gaps >= 2 {
		// One minus the coefficient of variation of the intervals: 1 for a
		// metronome, 0 or less for bursts.
		mean := s.gapSum / s.gaps
		if mean > 0 {
			sd := math.Sqrt(max(s.gapSq/s.gaps-mean*mean, 0))
			r.values[fRegular] = 1 - sd/mean
		}
		r.available[fRegular] = true
	}
	damping := 1.0
	if s.hashed >= hashShare*n {
		r.hashLike = true
		damping = hashDamping
	}
	r.supported = r.values[fEncoded] >= supportGate || r.values[fType] >= supportGate
	for i, f := range formula() {
		if !r.available[i] || f.support && !r.supported {
			continue
		}
		x := (r.values[i] - f.lo) / (f.hi - f.lo)
		x = min(max(x, 0), 1)
		c := f.weight * x
		if !f.support {
			c *= 100.0 / coreWeight
		}
		r.contrib[i] = c * damping
		r.uncapped += r.contrib[i]
	}
	r.score = min(r.uncapped, 100)
	// Distinct subdomains times their mean length: exact while the distinct
	// counter is, an estimate past it.
	r.uniqueBytes = int64(r.distinct * r.values[fSubLen])
	return r
}
