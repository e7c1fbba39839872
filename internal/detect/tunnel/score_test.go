package tunnel

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/event"
)

// TestSupportingFeatures checks the supporting part of the formula: each
// response-side or timing feature adds up to its weight when the telemetry
// shows it, and neither lowers the score when absent nor when unremarkable;
// and none counts for names without a sign of data (supportGate).
func TestSupportingFeatures(t *testing.T) {
	// Twenty queries of 24-byte letter-only subdomains, all distinct, half
	// asked as TXT: core features only, scoring below medium.
	base := sums{queries: 20, subBytes: 20 * 24, chars: 20 * 23, labels: 40, maxLabel: 20, entropy: 20 * 4.0, distinct: 20, txt: 10}
	core := base.score()
	if core.score >= 50 {
		t.Fatalf("base score %v, want a key below medium_score", core.score)
	}
	tests := []struct {
		name    string
		edit    func(*sums)
		feature int
		add     float64 // expected contribution
	}{
		{"all NXDOMAIN", func(s *sums) { s.responses, s.nxdomain = 20, 20 }, fNX, 5},
		{"responses, none NXDOMAIN", func(s *sums) { s.responses = 20 }, fNX, 0},
		{"large answers", func(s *sums) { s.responses, s.sized, s.answerBytes = 20, 20, 20*400 }, fAnswer, 5},
		{"small answers", func(s *sums) { s.responses, s.sized, s.answerBytes = 20, 20, 20*40 }, fAnswer, 0},
		{"TTL 0 answers", func(s *sums) { s.responses, s.answered, s.lowTTL = 20, 20, 20 }, fTTL, 5},
		{"cached answers", func(s *sums) { s.responses, s.answered = 20, 20 }, fTTL, 0},
		{"a query every 2 s exactly", func(s *sums) { s.gaps, s.gapSum, s.gapSq = 19, 19*2, 19*4 }, fRegular, 5},
		{"bursts", func(s *sums) {
			// 18 gaps of 0.1 s and one of 60 s.
			s.gaps, s.gapSum, s.gapSq = 19, 18*0.1+60, 18*0.01+3600
		}, fRegular, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := base
			tc.edit(&s)
			got := s.score()
			if !got.available[tc.feature] {
				t.Fatalf("%s not available", formula()[tc.feature].name)
			}
			if c := got.contrib[tc.feature]; math.Abs(c-tc.add) > 0.01 {
				t.Errorf("contribution of %s = %v, want %v", formula()[tc.feature].name, c, tc.add)
			}
			if d := got.score - core.score - tc.add; math.Abs(d) > 0.01 {
				t.Errorf("score %v, want the core score %v plus %v", got.score, core.score, tc.add)
			}
		})
	}
	all := base
	all.responses, all.nxdomain, all.sized, all.answerBytes, all.answered, all.lowTTL = 20, 20, 20, 20*400, 20, 20
	all.gaps, all.gapSum, all.gapSq = 19, 19*2, 19*4
	if got := all.score(); got.score < 50 || math.Abs(got.score-core.score-20) > 0.01 {
		t.Errorf("all supporting features: score %v, want core %v + 20, at least medium", got.score, core.score)
	}
	for i, f := range formula() {
		if f.support && core.available[i] && i != fRegular {
			t.Errorf("%s available without responses", f.name)
		}
	}
	// The same with every query asked as A: the names show no data, so the
	// supporting features are shown but add nothing.
	gated := all
	gated.txt = 0
	plain := base
	plain.txt = 0
	if got, want := gated.score(), plain.score(); got.supported || got.score != want.score {
		t.Errorf("gated: score %v (supported %v), want the core score %v", got.score, got.supported, want.score)
	}
}

// TestResponseSideEndToEnd runs the same borderline shape (letter-only
// names, half asked as TXT) through the detector twice: queries only, and
// with NXDOMAIN-free, large, TTL-0 answers at a steady pace, as a tunnel's
// server gives them. Only the second reaches an alert.
func TestResponseSideEndToEnd(t *testing.T) {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	shape := func(withAnswers bool) []query {
		qs := scenario(40, 2*time.Second, func(i int, r *rand.Rand) (string, uint16) {
			qt := event.TypeA
			if i%2 == 0 {
				qt = event.TypeTXT
			}
			return split(randFrom(r, letters, 24), 20) + ".mid.example.com", qt
		})
		jitter := rand.New(rand.NewPCG(5, 6))
		at := time.Duration(0)
		for i := range qs {
			if withAnswers {
				qs[i].qsize, qs[i].rsize, qs[i].ttl = 70, 470, 0
			} else {
				// No responses, and no steady pace: exponential gaps of
				// 2 s on average, as independent lookups have.
				qs[i].rcode = event.RcodeUnknown
				qs[i].at = at
				at += time.Duration(jitter.ExpFloat64() * float64(2*time.Second))
			}
		}
		return qs
	}
	if got := run(t, DefaultConfig(), shape(false)); len(got) != 0 {
		t.Errorf("queries only: %d alerts, want none: %v", len(got), got[0].Evidence)
	}
	got := run(t, DefaultConfig(), shape(true))
	if len(got) != 1 {
		t.Fatalf("with answers: %d alerts, want 1", len(got))
	}
	for _, f := range []string{"contribution_mean_answer_bytes", "contribution_low_ttl_share", "contribution_interval_regularity"} {
		if v, ok := got[0].Get(f); !ok || v.(float64) != 5 {
			t.Errorf("%s = %v, want 5", f, v)
		}
	}
}
