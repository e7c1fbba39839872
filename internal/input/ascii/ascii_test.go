package ascii

import (
	"strconv"
	"testing"
)

func TestHexDigit(t *testing.T) {
	tests := []struct {
		name   string
		c      byte
		want   byte
		wantOK bool
	}{
		{"zero", '0', 0, true},
		{"nine", '9', 9, true},
		{"lower a", 'a', 10, true},
		{"lower f", 'f', 15, true},
		{"upper A", 'A', 10, true},
		{"upper F", 'F', 15, true},
		{"lower g", 'g', 0, false},
		{"upper G", 'G', 0, false},
		{"before zero", '/', 0, false},
		{"after nine", ':', 0, false},
		{"x", 'x', 0, false},
		{"NUL", 0, 0, false},
		{"high byte", 0xff, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := HexDigit(tc.c)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("HexDigit(%q) = %d, %v; want %d, %v", tc.c, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

// TestHexDigitAgreesWithStrconv checks every byte against strconv.
func TestHexDigitAgreesWithStrconv(t *testing.T) {
	for c := range 256 {
		want, err := strconv.ParseUint(string(rune(c)), 16, 8)
		got, ok := HexDigit(byte(c))
		if ok != (err == nil) || (ok && uint64(got) != want) {
			t.Errorf("HexDigit(%#x) = %d, %v; strconv says %d, %v", c, got, ok, want, err)
		}
	}
}
