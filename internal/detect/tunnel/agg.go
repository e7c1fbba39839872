package tunnel

import (
	"math"
	"net/netip"
	"strings"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/state"
)

// key identifies one channel candidate: who asked (host name, else client
// address, plus the process basename when known) and the registrable domain
// asked under. Strings are borrowed from the event for lookups and cloned on
// insert.
type key struct {
	client netip.Addr // zero when host is set
	host   string
	proc   string
	domain string
}

func cloneKey(k key) key {
	k.host, k.proc, k.domain = strings.Clone(k.host), strings.Clone(k.proc), strings.Clone(k.domain)
	return k
}

// hash returns k's 64-bit hash, under which the tables file it.
func (k key) hash() uint64 {
	h := state.HashString(hashSeed, k.domain)
	switch {
	case k.host != "":
		h = state.HashString(h^hostMark, k.host)
	case k.client.Is4():
		b := k.client.As4()
		h = state.HashUint64(h, uint64(b[0])<<24|uint64(b[1])<<16|uint64(b[2])<<8|uint64(b[3]))
	default:
		h = state.HashAddr(h, k.client)
	}
	if k.proc != "" {
		h = state.HashString(h^procMark, k.proc)
	}
	return h
}

// Marks keep a host name and a process name with the same text apart.
const (
	hostMark = 0x9e3779b97f4a7c15
	procMark = 0xc2b2ae3d27d4eb4f
)

// device is the name the alert and its stable key use for the asker.
func (k key) device() string {
	if k.host != "" {
		return k.host
	}
	return k.client.String()
}

// Sizes of the per-key and per-name state.
const (
	// Distinct subdomain counters are exact up to 64 values, then a
	// 256-register sketch (about 6.5 % standard error).
	distinctExact     = 64
	distinctPrecision = 8
	// maxScanned bounds the bytes of a subdomain analysed per event; a
	// canonical name is at most 253 wire bytes, longer only with escapes.
	maxScanned = 255
	// encodedMinLabel is the shortest label that counts as encoded data,
	// and minSwitches the changes between digits and letters it needs.
	encodedMinLabel = 17
	minSwitches     = 3
	// maxSampleLen bounds a sample name kept for evidence.
	maxSampleLen = 300
	// evalEvery: past min_queries a key is scored on every evalEvery-th
	// query until it alerts.
	evalEvery = 8
)

// nameRef locates a sample name in a key's arena.
type nameRef struct{ off, n uint16 }

// sums are the additive aggregates of a key in one bin. They are kept as
// floats so that the previous bin's sums can be weighed into a sliding
// window (see merge).
type sums struct {
	first, last int64 // event time, Unix nanoseconds
	queries     float64
	subBytes    float64 // subdomain bytes, dots included
	nameBytes   float64
	labels      float64 // subdomain labels
	digits      float64
	chars       float64 // subdomain bytes that are not dots
	entropy     float64 // sum of per-name entropies, bits per byte
	encoded     float64
	hashed      float64 // names shaped like a hash lookup
	txt, null   float64
	cname, mx   float64
	otherType   float64 // private-use, unassigned or rare types
	responses   float64
	nxdomain    float64
	sized       float64 // responses whose message sizes are known
	answerBytes float64 // response size minus query size, over sized
	answered    float64 // responses with answer records decoded
	lowTTL      float64 // of answered, those with a first answer TTL <= lowTTL
	gaps        float64 // intervals between consecutive queries
	gapSum      float64 // seconds
	gapSq       float64 // seconds squared
	distinct    float64 // distinct subdomains, set when the bin closes
	maxLabel    float64 // not additive: the larger of the merged values
}

// merge adds w times o to s (0 < w <= 1), the previous bin's share of a
// sliding window.
func (s *sums) merge(o *sums, w float64) {
	s.first, s.last = min(s.first, o.first), max(s.last, o.last)
	s.queries += w * o.queries
	s.subBytes += w * o.subBytes
	s.nameBytes += w * o.nameBytes
	s.labels += w * o.labels
	s.digits += w * o.digits
	s.chars += w * o.chars
	s.entropy += w * o.entropy
	s.encoded += w * o.encoded
	s.hashed += w * o.hashed
	s.txt += w * o.txt
	s.null += w * o.null
	s.cname += w * o.cname
	s.mx += w * o.mx
	s.otherType += w * o.otherType
	s.responses += w * o.responses
	s.nxdomain += w * o.nxdomain
	s.sized += w * o.sized
	s.answerBytes += w * o.answerBytes
	s.answered += w * o.answered
	s.lowTTL += w * o.lowTTL
	s.gaps += w * o.gaps
	s.gapSum += w * o.gapSum
	s.gapSq += w * o.gapSq
	s.distinct += w * o.distinct
	s.maxLabel = max(s.maxLabel, o.maxLabel)
}

// agg is what one tracked key gathered in the current bin. It is reset,
// keeping its storage, when its slot changes hands.
type agg struct {
	sums
	distinctSet state.Distinct
	arena       []byte
	samples     [maxSampleNames]nameRef
	nsamples    uint8
	alerted     bool
	allowCheck  bool  // an allowed domain may cover names of this key
	sev         uint8 // severity emitted, when alerted
	prev        int32 // the key's slot in the previous bin, or -1
	nextEval    float64
}

func newAgg() agg {
	d, _ := state.MakeDistinct(distinctExact, distinctPrecision) // constant, valid sizes
	return agg{distinctSet: d}
}

// reset prepares a for a new key, keeping its storage.
func (a *agg) reset() {
	dist, arena := a.distinctSet, a.arena[:0]
	dist.Reset()
	*a = agg{sums: sums{first: math.MaxInt64, last: math.MinInt64}, distinctSet: dist, arena: arena, prev: -1}
}

// nameStats are the features of one query name's subdomain part.
type nameStats struct {
	labels, maxLabel, digits, chars int
	entropy                         float64
	encoded                         bool
	// hashed: the longest label is hexadecimal of a hash's length (MD5 32,
	// SHA-1 40, SHA-256 64) and no other label is long.
	hashed bool
}

// tables holds c*log2(c) and log2(c) for the byte counts of one scanned
// subdomain, so entropy needs no logarithm per event.
type tables struct {
	clog, log2 [maxScanned + 1]float64
	// counts is analyse's byte histogram, all zero between calls: analyse
	// clears the entries it used, which is cheaper than clearing 256.
	counts [256]uint8
	class  [256]uint8 // byte classes, see classes
}

func newTables() *tables {
	t := &tables{class: classes()}
	for c := 1; c <= maxScanned; c++ {
		t.log2[c] = math.Log2(float64(c))
		t.clog[c] = float64(c) * t.log2[c]
	}
	return t
}

// Byte classes for analyse.
const (
	clOther  = iota // not in an encoding alphabet
	clDigit         // 0-9
	clHex           // a-f
	clLetter        // g-z
	clHyphen        // -
	clSymbol        // _ + / = and \ (escapes)
	clDot           // a label separator unless escaped
)

// classes maps each byte of a canonical name to its class.
func classes() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = clDigit
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = clHex
	}
	for c := 'g'; c <= 'z'; c++ {
		t[c] = clLetter
	}
	t['-'] = clHyphen
	for _, c := range "_+/=\\" {
		t[c] = clSymbol
	}
	t['.'] = clDot
	return t
}

// analyse computes the features of subdomain sub without allocating:
// labels, longest label, digits, Shannon entropy of the byte frequencies
// (dots excluded) and whether a long label looks encoded: written only in
// an encoding alphabet (hex, base32, base64, or escaped binary), with
// digits mixed among the letters (at least minSwitches changes between a
// digit and a letter) and at most one hyphen per 16 characters, so that
// host names made of words and a number (internal-app-123456789,
// host-1234-cachenode) are not taken for data.
func (t *tables) analyse(sub string) nameStats {
	var st nameStats
	counts := &t.counts
	sub = sub[:min(len(sub), maxScanned)]
	st.labels = 1
	run, runDigit, runAlpha, runHex := 0, false, true, true
	hyphens, switches, class := 0, 0, 0 // class of the last letter or digit: 1 letter, 2 digit
	longHex, long := false, 0
	endLabel := func() {
		if run > st.maxLabel {
			st.maxLabel = run
			longHex = runHex
		}
		if run >= encodedMinLabel {
			long++
			if runDigit && runAlpha && switches >= minSwitches && hyphens*16 <= run {
				st.encoded = true
			}
		}
		run, runDigit, runAlpha, runHex = 0, false, true, true
		hyphens, switches, class = 0, 0, 0
	}
	for i := 0; i < len(sub); i++ {
		c := sub[i]
		cl := t.class[c]
		if cl == clDot {
			if !escapedDot(sub, i) {
				st.labels++
				endLabel()
				continue
			}
			cl = clOther
		}
		run++
		st.chars++
		counts[c]++
		switch cl {
		case clDigit:
			st.digits++
			runDigit = true
			if class == 1 {
				switches++
			}
			class = 2
		case clHex:
			if class == 2 {
				switches++
			}
			class = 1
		case clLetter:
			runHex = false
			if class == 2 {
				switches++
			}
			class = 1
		case clHyphen:
			runHex = false
			hyphens++
		case clSymbol:
			runHex = false
		default:
			runAlpha, runHex = false, false
		}
	}
	endLabel()
	st.hashed = long == 1 && longHex && (st.maxLabel == 32 || st.maxLabel == 40 || st.maxLabel == 64)
	sum := 0.0
	for i := 0; i < len(sub); i++ {
		if n := counts[sub[i]]; n > 0 {
			sum += t.clog[n]
			counts[sub[i]] = 0
		}
	}
	if st.chars > 1 {
		st.entropy = t.log2[st.chars] - sum/float64(st.chars)
	}
	return st
}

// lowTTL is the answer TTL, in seconds, at or below which an answer counts
// as uncacheable: tunnels answer every name once and set TTL 0 or 1 so that
// no resolver cache stands between them and the client.
const lowTTL = 1

// add folds one query into a.
func (a *agg) add(t int64, sub string, nameLen int, st nameStats, h uint64, ev *event.Event) {
	if a.queries > 0 && t >= a.last {
		gap := float64(t-a.last) / 1e9
		a.gaps++
		a.gapSum += gap
		a.gapSq += gap * gap
	}
	a.first, a.last = min(a.first, t), max(a.last, t)
	a.queries++
	a.subBytes += float64(len(sub))
	a.nameBytes += float64(nameLen)
	a.labels += float64(st.labels)
	a.digits += float64(st.digits)
	a.chars += float64(st.chars)
	a.maxLabel = max(a.maxLabel, float64(st.maxLabel))
	a.entropy += st.entropy
	if st.encoded {
		a.encoded++
	}
	if st.hashed {
		a.hashed++
	}
	a.distinctSet.Add(h)
	switch qt := ev.DNS.QType; {
	case qt == event.TypeTXT:
		a.txt++
	case qt == event.TypeNULL:
		a.null++
	case qt == event.TypeCNAME:
		a.cname++
	case qt == event.TypeMX:
		a.mx++
	case rareType(qt):
		a.otherType++
	}
	a.addResponse(ev)
}

// addResponse adds the response features of ev, when it carries a response.
func (a *agg) addResponse(ev *event.Event) {
	if ev.DNS.HasResponse {
		a.responses++
		if ev.DNS.RCode == event.RcodeNXDomain {
			a.nxdomain++
		}
		if ev.DNS.ResponseSize > 0 && ev.DNS.QuerySize > 0 {
			a.sized++
			a.answerBytes += float64(max(ev.DNS.ResponseSize-ev.DNS.QuerySize, 0))
		}
		if len(ev.DNS.Answers) > 0 {
			a.answered++
			if ev.DNS.Answers[0].TTL <= lowTTL {
				a.lowTTL++
			}
		}
	}
}

// rareType reports query types an ordinary client almost never asks:
// unassigned and private-use codes and obsolete data types. Common types
// (A, AAAA, PTR, SRV, NS, SOA, HTTPS, SVCB, DS, DNSKEY, CAA, ANY, ...) are
// not rare; TXT, NULL, CNAME and MX are counted on their own.
func rareType(qt uint16) bool {
	switch {
	case qt >= 65280 && qt <= 65534: // private use
		return true
	case qt == 0, qt >= 3 && qt <= 4, qt >= 7 && qt <= 9, qt == 11, qt == 13, qt == 14, qt >= 17 && qt <= 27:
		return true
	case qt >= 66 && qt <= 98, qt >= 110 && qt <= 248: // unassigned
		return true
	}
	return false
}

// addSample keeps name as evidence when there is room and it is new.
func (a *agg) addSample(name string, limit int) {
	if int(a.nsamples) >= limit {
		return
	}
	name = name[:min(len(name), maxSampleLen)]
	for _, r := range a.samples[:a.nsamples] {
		if string(a.arena[r.off:r.off+r.n]) == name {
			return
		}
	}
	off := len(a.arena)
	a.arena = append(a.arena, name...)
	a.samples[a.nsamples] = nameRef{off: uint16(off), n: uint16(len(name))}
	a.nsamples++
}

func (a *agg) sampleNames() []string {
	out := make([]string, a.nsamples)
	for i, r := range a.samples[:a.nsamples] {
		out[i] = string(a.arena[r.off : r.off+r.n])
	}
	return out
}
