package tunnel

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

// summaryOf is the part of an alert the behaviour tests compare.
type summaryOf struct {
	Key, Severity string
	Time          time.Time
	Update        bool
}

func summarise(alerts []*alert.Alert) []summaryOf {
	var out []summaryOf
	for _, a := range alerts {
		_, upd := a.Get("update")
		out = append(out, summaryOf{Key: a.Key, Severity: a.Severity.String(), Time: a.Time, Update: upd})
	}
	return out
}

func TestBehaviour(t *testing.T) {
	tunnel := func(n int, step time.Duration) []query {
		return scenario(n, step, func(i int, r *rand.Rand) (string, uint16) {
			return split(randFrom(r, base32, 120), 60) + ".tun.example.com", event.TypeTXT
		})
	}
	avLookups := scenario(100, time.Second, func(i int, r *rand.Rand) (string, uint16) {
		return randFrom(r, hex, 40) + ".avqs.mcafee.com", event.TypeA
	})
	const key = "DNSV-TUN-001|10.1.2.3||example.com"
	tests := []struct {
		name string
		cfg  func(*Config)
		qs   []query
		want []summaryOf
	}{
		{
			name: "one alert per window, at the crossing query",
			qs:   tunnel(100, time.Second),
			want: []summaryOf{{Key: key, Severity: "high", Time: t0.Add(9 * time.Second)}},
		},
		{
			name: "a later window alerts again under the same key",
			qs:   tunnel(40, 10*time.Second),
			want: []summaryOf{
				{Key: key, Severity: "high", Time: t0.Add(90 * time.Second)},
				// The second bin alerts at its first query: the sliding
				// window still holds the first bin's queries.
				{Key: key, Severity: "high", Time: t0.Add(300 * time.Second)},
			},
		},
		{
			name: "bytes carried raise the severity at the end of the window",
			cfg:  func(c *Config) { c.EscalateBytes = 5000 },
			qs:   tunnel(100, time.Second),
			want: []summaryOf{
				{Key: key, Severity: "high", Time: t0.Add(9 * time.Second)},
				{Key: key, Severity: "critical", Time: t0.Add(5 * time.Minute), Update: true},
			},
		},
		{
			name: "below min_queries nothing is scored",
			cfg:  func(c *Config) { c.MinQueries = 200 },
			qs:   tunnel(100, time.Second),
		},
		{
			name: "a user allow entry silences a domain",
			cfg:  func(c *Config) { c.Allow = []Allow{{Domain: "tun.example.com", Reason: "lab tunnel"}} },
			qs:   tunnel(100, time.Second),
		},
		{
			name: "without the built-in list, hash lookups are damped below medium",
			cfg:  func(c *Config) { c.UseBuiltinBenign = false },
			qs:   avLookups,
		},
		{
			name: "without the built-in list and damping, encoded lookups of another length alert",
			cfg:  func(c *Config) { c.UseBuiltinBenign = false },
			qs: scenario(100, time.Second, func(i int, r *rand.Rand) (string, uint16) {
				return randFrom(r, hex, 48) + ".avqs.mcafee.com", event.TypeA
			}),
			want: []summaryOf{{Key: "DNSV-TUN-001|10.1.2.3||mcafee.com", Severity: "high", Time: t0.Add(9 * time.Second)}},
		},
		{
			name: "a channel split across two bins alerts once it has min_queries in the sliding window",
			qs: func() []query {
				qs := tunnel(10, 20*time.Second) // 10:00:00 .. 10:03:00
				for i := range qs {
					qs[i].at += 2 * time.Minute // 10:02:00 .. 10:05:00
				}
				return qs
			}(),
			want: []summaryOf{{Key: key, Severity: "high", Time: t0.Add(5 * time.Minute)}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			if d := cmp.Diff(tc.want, summarise(run(t, cfg, tc.qs))); d != "" {
				t.Errorf("alerts (-want +got):\n%s", d)
			}
		})
	}
}

// TestEvidence checks that an alert explains itself: every feature's value
// and contribution, contributions summing to the score, and sample names
// copied out of the event.
func TestEvidence(t *testing.T) {
	qs := scenario(20, time.Second, func(i int, r *rand.Rand) (string, uint16) {
		return randFrom(r, hex, 50) + ".c2.example.net", event.TypeTXT
	})
	alerts := run(t, DefaultConfig(), qs)
	if len(alerts) != 1 {
		t.Fatalf("%d alerts, want 1", len(alerts))
	}
	a := alerts[0]
	score, _ := a.Get("score_before_cap")
	sum := 0.0
	for i, f := range formula() {
		_, ok := a.Get(f.name)
		// Without message sizes or answer records, those features are
		// left out of the score and the evidence.
		if want := i != fAnswer && i != fTTL; ok != want {
			t.Errorf("evidence has %s: %v, want %v", f.name, ok, want)
		}
		if !ok {
			continue
		}
		c, ok := a.Get("contribution_" + f.name)
		if !ok {
			t.Errorf("evidence lacks contribution_%s", f.name)
			continue
		}
		sum += c.(float64)
	}
	if d := sum - score.(float64); d > 0.05 || d < -0.05 {
		t.Errorf("contributions sum to %v, score %v", sum, score)
	}
	samples, _ := a.Get("sample_names")
	want := alert.Names{qs[0].name, qs[1].name, qs[2].name}
	if d := cmp.Diff(want, samples); d != "" {
		t.Errorf("sample names (-want +got):\n%s", d)
	}
	if a.QName != qs[9].name || a.Domain != "example.net" || a.Technique != alert.TechniqueDNSTunnel || a.Strategy != alert.StrategyDNSServer {
		t.Errorf("alert context %q %q %q %q", a.QName, a.Domain, a.Technique, a.Strategy)
	}
}

// TestSlowChannel checks the slow-channel horizon: bursts of encoded names
// too small for any window alert once they add up within slow_window, and
// not when they are spread wider, or when the horizon is off.
func TestSlowChannel(t *testing.T) {
	burst := func(start time.Duration, n int) []query {
		qs := scenario(n, time.Second, func(i int, r *rand.Rand) (string, uint16) {
			return randFrom(r, base32, 40) + ".slow.example.org", event.TypeNULL
		})
		for i := range qs {
			qs[i].name = strconv.Itoa(int(start/time.Second)) + qs[i].name // distinct across bursts
			qs[i].at += start
		}
		return qs
	}
	bursts := func(gap time.Duration) []query {
		var qs []query
		for i := range 3 {
			qs = append(qs, burst(time.Duration(i)*gap, 4)...)
		}
		return qs
	}
	tests := []struct {
		name string
		cfg  func(*Config)
		qs   []query
		want []summaryOf
	}{
		{
			name: "three bursts of four, 20 minutes apart",
			qs:   bursts(20 * time.Minute),
			want: []summaryOf{{Key: "DNSV-TUN-001|10.1.2.3||example.org", Severity: "high", Time: t0.Add(45 * time.Minute)}},
		},
		{
			name: "bursts further apart than slow_window",
			qs:   bursts(70 * time.Minute),
		},
		{
			name: "horizon off",
			cfg:  func(c *Config) { c.SlowWindow = 0 },
			qs:   bursts(20 * time.Minute),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			alerts := run(t, cfg, tc.qs)
			if d := cmp.Diff(tc.want, summarise(alerts)); d != "" {
				t.Errorf("alerts (-want +got):\n%s", d)
			}
			for _, a := range alerts {
				if _, ok := a.Get("slow_channel"); !ok {
					t.Errorf("alert %s lacks slow_channel evidence", a.Key)
				}
			}
		})
	}
}
