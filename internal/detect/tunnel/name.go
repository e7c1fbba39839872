package tunnel

// Per-name shape score.
//
// The detector scores a key (asker, process, registrable domain) over a bin
// of queries; five of its features are properties of one name (subdomain
// length, longest label, entropy, encoded alphabet, digit share), the
// others (unique share, query-type mix, NXDOMAIN share, answer sizes and
// TTLs, pacing) exist only over many queries. NameScorer evaluates those
// five on a single name with the detector's own analysis, ranges and
// weights, rescaled so that the five weights sum to 100, and damps a
// hash-shaped name as the detector damps a key of them. It answers "does
// this one name look like carried data", which is what labelled name lists
// test. It cannot see what makes a channel out of short names (a stream of
// never-repeated names, TXT and NULL answers, steady pacing): iodine's
// handshake names, dns2tcp's 10-byte polls and tuns' "r51646.tunnel" names
// score low alone and are left to the detector's aggregate.

// NameThreshold is the per-name score (0..100) from which a single name
// looks like carried data (NameShape.Carried). Tuning rule (checked by
// TestNameThresholdTuning): the threshold with the best recall on the
// training split of the netrack/learn labelled names (train.csv) among those
// that flag at most 1 in 10,000 distinct benign query names of the
// GraphTunnel normal captures (top-1M resolution). train.csv's negatives are
// bare registrable domains, so they do not bound it from below. The
// training positives are bimodal (short polls below 30, long encoded names
// above 85), so recall is flat from 30 to 85 and the benign names place the
// threshold. At 51 a name needs a label of 16 or more bytes in an encoding
// alphabet with digits and high entropy, or, without one, about 40 bytes of
// varied subdomain; a CloudFront token (d3k2lwlzmbn2u0, 14 bytes) scores
// about 30, and tunnel data labels of 30 to 63 bytes score 85 and more.
const NameThreshold = 51

// nameFeatures returns the indexes of formula() that a single name has.
func nameFeatures() [5]int { return [5]int{fSubLen, fMaxLabel, fEntropy, fEncoded, fDigits} }

// NameContrib is each per-name feature's share of NameShape.Score, in
// points of the 0..100 name score.
type NameContrib struct {
	SubdomainLen, MaxLabel, Entropy, Encoded, Digits float64
}

// NameShape is the label shape of one query name's subdomain (the part left
// of its registrable domain) and its per-name score.
type NameShape struct {
	// SubdomainLen is the subdomain's length in bytes of canonical form,
	// dots included; Labels its label count (0 without a subdomain);
	// MaxLabel its longest label; Digits its ASCII digits.
	SubdomainLen, Labels, MaxLabel, Digits int
	// Entropy is the Shannon entropy of the subdomain's byte frequencies,
	// dots excluded, in bits per byte.
	Entropy float64
	// Encoded is set when a label looks encoded, as the detector counts
	// it (see analyse): at least 17 bytes in an encoding alphabet (hex,
	// base32, base64, escaped binary) with digits mixed among the letters
	// and at most one hyphen per 16 characters.
	Encoded bool
	// Hashed is set when the longest label is hexadecimal of a hash's
	// length (32, 40 or 64) and no other label is long: the shape of a
	// reputation lookup. Its score is damped as the detector damps a key of
	// such names.
	Hashed bool
	// Skipped is set for names the detector never scores because protocol
	// structures them (service labels starting with '_', wpad, isatap).
	Skipped bool
	// Score is the weighted sum of the per-name features, 0..100.
	Score float64
	// Contrib splits Score by feature.
	Contrib NameContrib
}

// Carried reports whether the name looks like carried data: its score
// reaches NameThreshold and the detector would score it at all.
func (s NameShape) Carried() bool { return !s.Skipped && s.Score >= NameThreshold }

// NameScorer computes NameShape values. Build it with NewNameScorer; it is
// read-only afterwards, so one scorer may be shared by goroutines.
type NameScorer struct {
	t    *tables
	form [nFeatures]feature
	norm float64 // 100 / sum of the per-name weights
}

// NewNameScorer returns a scorer using the detector's formula.
func NewNameScorer() *NameScorer {
	s := &NameScorer{t: newTables(), form: formula()}
	w := 0.0
	for _, i := range nameFeatures() {
		w += s.form[i].weight
	}
	s.norm = 100 / w
	return s
}

// Shape returns the shape of name under its registrable domain. Both must
// be canonical (dnsname.Canonical: lowercase, no trailing dot) and domain
// is normally the name's registrable domain (dnsname.PSL.Domain). When
// domain is empty or name is not strictly below it there is no subdomain
// and the shape is zero. Shape does not allocate.
func (s *NameScorer) Shape(name, domain string) NameShape {
	var sh NameShape
	if domain == "" || len(name) <= len(domain)+1 || !under(name, domain) {
		return sh
	}
	sub := name[:len(name)-len(domain)-1]
	st := s.t.analyse(sub)
	sh.SubdomainLen, sh.Labels, sh.MaxLabel, sh.Digits = len(sub), st.labels, st.maxLabel, st.digits
	sh.Entropy, sh.Encoded, sh.Hashed = st.entropy, st.encoded, st.hashed
	sh.Skipped = skipByShape(sub)

	var v [nFeatures]float64
	v[fSubLen] = float64(len(sub))
	v[fMaxLabel] = float64(st.maxLabel)
	v[fEntropy] = st.entropy
	if st.encoded {
		v[fEncoded] = 1
	}
	if st.chars > 0 {
		v[fDigits] = float64(st.digits) / float64(st.chars)
	}
	scale := s.norm
	if st.hashed {
		scale *= hashDamping
	}
	var c [nFeatures]float64
	for _, i := range nameFeatures() {
		f := s.form[i]
		x := min(max((v[i]-f.lo)/(f.hi-f.lo), 0), 1)
		c[i] = f.weight * x * scale
		sh.Score += c[i]
	}
	sh.Contrib = NameContrib{
		SubdomainLen: c[fSubLen], MaxLabel: c[fMaxLabel], Entropy: c[fEntropy],
		Encoded: c[fEncoded], Digits: c[fDigits],
	}
	return sh
}

// ShapeOf returns the shape of one name with a scorer built for the call;
// use a NameScorer for many names.
func ShapeOf(name, domain string) NameShape {
	return NewNameScorer().Shape(name, domain)
}
