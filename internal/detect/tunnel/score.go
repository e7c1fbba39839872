package tunnel

// A feature is one normalised signal of the score: its value is mapped
// linearly from [lo, hi] onto [0, 1] (clamped) and multiplied by its weight.
// The weights sum to 100, so the score runs from 0 to 100.
type feature struct {
	name   string
	weight float64
	lo, hi float64
}

// formula is the score formula, in evidence order. The ranges come from
// the tools' shapes: iodine, dnscat2, dns2tcp and DNSExfiltrator fill
// labels of 30 to 63 encoded bytes (entropy 3.5 to 5 bits per byte) and
// almost never repeat a name, while CDN and load-balancer names carry one
// short token (8 to 12 bytes, entropy at most log2 of its length) and
// browsing asks A, AAAA and HTTPS.
func formula() [nFeatures]feature {
	return [nFeatures]feature{
		{name: "mean_subdomain_length", weight: 15, lo: 10, hi: 50},
		{name: "max_label_length", weight: 10, lo: 20, hi: 50},
		{name: "entropy", weight: 15, lo: 2.5, hi: 4.0},
		{name: "unique_share", weight: 15, lo: 0.5, hi: 0.9},
		{name: "encoded_share", weight: 15, lo: 0, hi: 1},
		{name: "tunnel_type_share", weight: 20, lo: 0, hi: 1},
		{name: "digit_share", weight: 5, lo: 0, hi: 0.25},
		{name: "nxdomain_share", weight: 5, lo: 0, hi: 1},
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
	nFeatures
)

// scored is a key's feature values, their contributions and the total.
type scored struct {
	values, contrib [nFeatures]float64
	score           float64
	distinct        uint64
	uniqueBytes     int64 // estimated bytes of distinct subdomains
}

// score evaluates the formula over a's aggregates.
func (a *agg) score() scored {
	var s scored
	n := float64(a.queries)
	s.distinct = a.distinct.Count()
	dist := float64(min(s.distinct, uint64(a.queries)))
	s.values[fSubLen] = float64(a.subBytes) / n
	s.values[fMaxLabel] = float64(a.maxLabel)
	s.values[fEntropy] = a.entropy / n
	s.values[fUnique] = dist / n
	s.values[fEncoded] = float64(a.encoded) / n
	s.values[fType] = float64(a.txt+a.null+a.cname+a.mx+a.otherType) / n
	if a.chars > 0 {
		s.values[fDigits] = float64(a.digits) / float64(a.chars)
	}
	if a.responses > 0 {
		s.values[fNX] = float64(a.nxdomain) / float64(a.responses)
	}
	for i, f := range formula() {
		x := (s.values[i] - f.lo) / (f.hi - f.lo)
		x = min(max(x, 0), 1)
		s.contrib[i] = f.weight * x
		s.score += s.contrib[i]
	}
	// Distinct subdomains times their mean length: exact while the distinct
	// counter is, an estimate past it.
	s.uniqueBytes = int64(dist * s.values[fSubLen])
	return s
}
