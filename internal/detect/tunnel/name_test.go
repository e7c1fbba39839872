package tunnel

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// shapeView is the part of a NameShape a case states exactly; the score
// is checked through Carried and the invariants of TestShapeScore.
type shapeView struct {
	SubdomainLen, Labels, MaxLabel, Digits int
	Encoded, Hashed, Skipped, Carried      bool
}

func viewOf(s NameShape) shapeView {
	return shapeView{
		SubdomainLen: s.SubdomainLen, Labels: s.Labels, MaxLabel: s.MaxLabel, Digits: s.Digits,
		Encoded: s.Encoded, Hashed: s.Hashed, Skipped: s.Skipped, Carried: s.Carried(),
	}
}

// shapeCases are canonical names with their registrable domain: data
// carried by tunnel tools, and benign names of CDNs, browsing and
// protocols.
var shapeCases = []struct {
	name, qname, domain string
	want                shapeView
}{
	{
		name:   "base32 iodine-style label",
		qname:  "mrtdcmzngf6dgnrtdcmzngf6dgmrtdcmzngf6dg2ab.pirate.sea",
		domain: "pirate.sea",
		want:   shapeView{SubdomainLen: 42, Labels: 1, MaxLabel: 42, Digits: 4, Encoded: true, Carried: true},
	},
	{
		name:   "base64 dns2tcp, lowercased",
		qname:  "q+z8bnwecordagl4+w7db5xh1cuwcwm1gejaqojf8hbs2jf6p3n1rvyeqoo+ybo.efc7mb0snhra+nakrnywu7hzvox5bwal9bx/elsq6c1zhm8pbcbn7dgbvtlyt5h.hidemyself.org",
		domain: "hidemyself.org",
		want:   shapeView{SubdomainLen: 127, Labels: 2, MaxLabel: 63, Digits: 21, Encoded: true, Carried: true},
	},
	{
		name:   "base64url DNSExfiltrator chunk",
		qname:  "0.goqbvy2yy6g6vveihfsshqlpswf6p_oagm-e2561uaguex5af4ldmoz-ox5rkdl.pm8fha9us_hf.captechutest.org",
		domain: "captechutest.org",
		want:   shapeView{SubdomainLen: 78, Labels: 3, MaxLabel: 63, Digits: 14, Encoded: true, Carried: true},
	},
	{
		name:   "hex payload of 60 characters",
		qname:  "4a6f686e20536d69746820697320612074657374206f66206865782e2e2e.t.example.net",
		domain: "example.net",
		want:   shapeView{SubdomainLen: 62, Labels: 2, MaxLabel: 60, Digits: 52, Encoded: true, Carried: true},
	},
	{
		name:   "tuns upper-case base32, lowercased",
		qname:  "diueabdezobaaaqagrtxquaaaamfaaaac37caafuwxxfr6hrpm6hiaeaahrzaga.aaaeaqqcwzbjogbegwfn7wp44n6f3lxkemhttnfpiq3bguj57sc5lkmv43nw7ge.tunnel.tuns.org",
		domain: "tuns.org",
		want:   shapeView{SubdomainLen: 134, Labels: 3, MaxLabel: 63, Digits: 16, Encoded: true, Carried: true},
	},
	{
		name:   "akamai edge name",
		qname:  "e1234.dsce9.akamaiedge.net",
		domain: "akamaiedge.net",
		want:   shapeView{SubdomainLen: 11, Labels: 2, MaxLabel: 5, Digits: 5},
	},
	{
		name:   "cloudfront distribution",
		qname:  "d3k2lwlzmbn2u0.cloudfront.net",
		domain: "cloudfront.net",
		want:   shapeView{SubdomainLen: 14, Labels: 1, MaxLabel: 14, Digits: 4},
	},
	{
		name:   "www",
		qname:  "www.google.com",
		domain: "google.com",
		want:   shapeView{SubdomainLen: 3, Labels: 1, MaxLabel: 3},
	},
	{
		name:   "service record name is skipped",
		qname:  "_ldap._tcp.dc._msdcs.corp.example.com",
		domain: "example.com",
		want:   shapeView{SubdomainLen: 25, Labels: 5, MaxLabel: 6, Skipped: true},
	},
	{
		name:   "hash lookup is damped",
		qname:  "d41d8cd98f00b204e9800998ecf8427e.avqs.mcafee.com",
		domain: "mcafee.com",
		want:   shapeView{SubdomainLen: 37, Labels: 2, MaxLabel: 32, Digits: 21, Encoded: true, Hashed: true},
	},
	{
		name:   "iodine handshake name is short",
		qname:  "paaamiii.hidemyself.org",
		domain: "hidemyself.org",
		want:   shapeView{SubdomainLen: 8, Labels: 1, MaxLabel: 8},
	},
	{
		name:   "escaped dot stays inside its label",
		qname:  `a\.b.example.com`,
		domain: "example.com",
		want:   shapeView{SubdomainLen: 4, Labels: 1, MaxLabel: 4},
	},
	{
		name:   "name is its registrable domain",
		qname:  "example.com",
		domain: "example.com",
	},
	{
		name:  "no registrable domain",
		qname: "localhost",
	},
	{
		name:   "name not under the domain",
		qname:  "www.example.org",
		domain: "example.com",
	},
	{
		name:   "suffix match without a label boundary",
		qname:  "wwwexample.com",
		domain: "example.com",
	},
}

func TestShapeOf(t *testing.T) {
	for _, tc := range shapeCases {
		t.Run(tc.name, func(t *testing.T) {
			got := ShapeOf(tc.qname, tc.domain)
			if diff := cmp.Diff(tc.want, viewOf(got)); diff != "" {
				t.Errorf("ShapeOf(%q, %q) mismatch (-want +got):\n%s\nscore %.1f contrib %+v",
					tc.qname, tc.domain, diff, got.Score, got.Contrib)
			}
		})
	}
}

// TestShapeScore checks the score's invariants on every case: it lies in
// 0..100, the contributions add up to it, a name without a subdomain scores
// 0, and a hash-shaped name scores less than the same shape unhashed.
func TestShapeScore(t *testing.T) {
	s := NewNameScorer()
	for _, tc := range shapeCases {
		t.Run(tc.name, func(t *testing.T) {
			got := s.Shape(tc.qname, tc.domain)
			c := got.Contrib
			sum := c.SubdomainLen + c.MaxLabel + c.Entropy + c.Encoded + c.Digits
			if got.Score < 0 || got.Score > 100 || math.Abs(sum-got.Score) > 1e-9 {
				t.Errorf("score %v, contributions %+v sum to %v", got.Score, c, sum)
			}
			if tc.want.SubdomainLen == 0 && got.Score != 0 {
				t.Errorf("no subdomain, score %v", got.Score)
			}
		})
	}
	t.Run("hash damping", func(t *testing.T) {
		hashed := s.Shape("d41d8cd98f00b204e9800998ecf8427e.avqs.mcafee.com", "mcafee.com")
		plain := s.Shape("d41d8cd98f00b204e9800998ecf8427e0.avqs.mcafee.com", "mcafee.com")
		if !hashed.Hashed || plain.Hashed || hashed.Score >= plain.Score {
			t.Errorf("hashed %v score %.1f, 33 hex digits %v score %.1f", hashed.Hashed, hashed.Score, plain.Hashed, plain.Score)
		}
	})
	t.Run("full score", func(t *testing.T) {
		got := s.Shape("0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnop.qrstuvwxyz0123456789.example.com", "example.com")
		if math.Abs(got.Score-100) > 1e-9 {
			t.Errorf("score %v, want 100 (contrib %+v)", got.Score, got.Contrib)
		}
	})
}

func TestShapeAllocs(t *testing.T) {
	s := NewNameScorer()
	tc := shapeCases[1]
	if n := testing.AllocsPerRun(100, func() { s.Shape(tc.qname, tc.domain) }); n != 0 {
		t.Errorf("Shape allocates %v times per call", n)
	}
}

// BenchmarkShape measures one name's shape over a mix of tunnel and benign
// names.
func BenchmarkShape(b *testing.B) {
	s := NewNameScorer()
	b.ReportAllocs()
	i := 0
	var carried int
	for b.Loop() {
		tc := &shapeCases[i%len(shapeCases)]
		if s.Shape(tc.qname, tc.domain).Carried() {
			carried++
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "names/s")
	if carried == 0 {
		b.Fatal("no case carried data")
	}
}

// FuzzShape checks that any name and domain, canonical or not, give a
// shape without panicking, with a score in 0..100.
func FuzzShape(f *testing.F) {
	for _, tc := range shapeCases {
		f.Add(tc.qname, tc.domain)
	}
	f.Add(`\\.\..example.com`, "example.com")
	f.Add("\xff\x00.\xfe.com", "\xfe.com")
	s := NewNameScorer()
	f.Fuzz(func(t *testing.T, name, domain string) {
		got := s.Shape(name, domain)
		if got.Score < 0 || got.Score > 100 || math.IsNaN(got.Score) {
			t.Errorf("Shape(%q, %q) score %v", name, domain, got.Score)
		}
	})
}
