package table

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestTruncate(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"fits", "abc", 3, "abc"},
		{"cut", "abcdef", 4, "abc…"},
		{"cut to two", "abcdef", 2, "a…"},
		{"wide characters", "日本語テキスト", 6, "日本…"},
		{"wide character does not fit the room", "a日本", 4, "a日…"},
		{"combining marks take no cell", "e\u0301e\u0301e\u0301", 3, "e\u0301e\u0301e\u0301"},
		{"escape cut", `a\x1b[2J`, 5, `a\x1…`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := truncate(tc.in, tc.max)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("truncate(%q, %d) mismatch (-want +got):\n%s", tc.in, tc.max, diff)
			}
			if w := width(got); w > tc.max {
				t.Errorf("width %d exceeds %d", w, tc.max)
			}
		})
	}
}

type stringer struct{}

func (stringer) String() string { return "st\x1bring" }

func TestAppendValue(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"nil", nil, "-"},
		{"string escaped", "a\x1b[2J\\", `a\x1b[2J\\`},
		{"strings joined", []string{"a", "b\n"}, `a, b\n`},
		{"int", 412, "412"},
		{"negative int64", int64(-3), "-3"},
		{"uint64", uint64(1 << 63), "9223372036854775808"},
		{"float", 0.25, "0.25"},
		{"bool", true, "true"},
		{"time in utc", time.Date(2026, 1, 2, 4, 4, 5, 6, time.FixedZone("x", 3600)), "2026-01-02T03:04:05Z"},
		{"times", []time.Time{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), {}}, "2026-01-02T03:04:05Z, -"},
		{"duration", 90 * time.Second, "1m30s"},
		{"addresses", []netip.Addr{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("2001:db8::1")}, "10.0.0.1, 2001:db8::1"},
		{"addr port", netip.MustParseAddrPort("[2001:db8::1]:53"), "[2001:db8::1]:53"},
		{"mixed any", []any{"x\ry", 2, 1.5}, `x\ry, 2, 1.5`},
		{"ints", []int{1, 2, 3}, "1, 2, 3"},
		{"bytes", []byte("a\x00"), `a\x00`},
		{"error", errors.New("bad\x07"), `bad\a`},
		{"stringer", stringer{}, `st\x1bring`},
		{"map falls back to fmt", map[string]int{"a\x1b": 1}, `map[a\x1b:1]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, string(appendValue(nil, tc.v))); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
