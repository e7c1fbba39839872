package escape

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestJSONString(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"valid kept", `C:\Windows\cmd.exe`, `C:\Windows\cmd.exe`},
		{"controls kept for encoding/json", "a\x00\n\x1b", "a\x00\n\x1b"},
		{"bidi kept for AppendJSONSafe", "a\u202eb", "a\u202eb"},
		{"invalid bytes", "a\xff\xc3b\x80", `a\xff\xc3b\x80`},
		{"truncated rune at end", "ab\xe2\x80", `ab\xe2\x80`},
		{"valid rune after invalid", "\xffü", `\xffü`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, JSONString(tc.in)); diff != "" {
				t.Errorf("JSONString(%q) mismatch (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

func TestAppendJSONSafe(t *testing.T) {
	for _, tc := range attacks {
		t.Run(tc.name, func(t *testing.T) {
			line := encodeSafe(t, tc.in)
			checkJSONLine(t, line)
			var back string
			if err := json.Unmarshal(line, &back); err != nil {
				t.Fatalf("%s does not decode: %v", line, err)
			}
			if diff := cmp.Diff(JSONString(tc.in), back); diff != "" {
				t.Errorf("decoded value mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAppendJSONSafeExact(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"plain", "abc", `"abc"`},
		{"html", "</script>&", `"\u003c/script\u003e\u0026"`},
		{"del", "a\x7f", `"a\u007f"`},
		{"rlo", "a\u202eb", `"a\u202eb"`},
		{"c1", "\u009b", `"\u009b"`},
		{"tag character", "\U000e0041", `"\udb40\udc41"`},
		{"invalid", "\xff", `"\\xff"`},
		{"printable unicode kept", "ü日", `"ü日"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, string(encodeSafe(t, tc.in))); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// encodeSafe encodes s the way the JSON sink does.
func encodeSafe(t testing.TB, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(JSONString(s)); err != nil {
		t.Fatalf("encode %q: %v", s, err)
	}
	return AppendJSONSafe(nil, bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

// checkJSONLine fails t when an encoded JSON line holds anything a terminal
// or an HTML page could act on.
func checkJSONLine(t testing.TB, line []byte) {
	t.Helper()
	if err := unsafeIn(string(line)); err != "" {
		t.Errorf("%s: %s", line, err)
	}
	if bytes.ContainsAny(line, "<>&") {
		t.Errorf("%s: raw HTML-significant character", line)
	}
	if !json.Valid(line) {
		t.Errorf("%s: not valid JSON", line)
	}
}
