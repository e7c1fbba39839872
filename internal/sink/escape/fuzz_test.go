package escape

import (
	"encoding/json"
	"testing"
)

func addSeeds(f *testing.F) {
	for _, tc := range attacks {
		f.Add(tc.in)
	}
	f.Add("\xed\xa0\x80")               // an encoded surrogate, invalid in UTF-8
	f.Add("\xf4\x90\x80\x80")           // above U+10FFFF
	f.Add("ok\u200f\u061c\u180e\u2060") // RLM, ALM, Mongolian vowel separator, word joiner
}

// FuzzTerminal checks that the Terminal form never holds a control byte, a
// bidi control or an invisible character, is valid UTF-8, and decodes back to
// the input.
func FuzzTerminal(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		got := Terminal(s)
		checkSafe(t, got)
		back, err := unquoteTerminal(got)
		if err != nil {
			t.Fatalf("Terminal(%q) = %q does not decode: %v", s, got, err)
		}
		if back != s {
			t.Fatalf("Terminal(%q) = %q decodes to %q", s, got, back)
		}
		if app := string(AppendTerminal(nil, s)); app != got {
			t.Fatalf("AppendTerminal(%q) = %q, Terminal = %q", s, app, got)
		}
	})
}

// FuzzName checks that the Name form is printable ASCII only.
func FuzzName(f *testing.F) {
	addSeeds(f)
	f.Add(`www.ex\.ample\000.com`)
	f.Fuzz(func(t *testing.T, s string) {
		got := Name(s)
		for i := 0; i < len(got); i++ {
			if got[i] < 0x21 || got[i] > 0x7e {
				t.Fatalf("Name(%q) = %q holds byte %#x", s, got, got[i])
			}
		}
	})
}

// FuzzJSON checks that a string prepared with JSONString and encoded through
// AppendJSONSafe is one safe, valid JSON value that decodes to JSONString(s).
func FuzzJSON(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		line := encodeSafe(t, s)
		checkJSONLine(t, line)
		var back string
		if err := json.Unmarshal(line, &back); err != nil {
			t.Fatalf("%s does not decode: %v", line, err)
		}
		if want := JSONString(s); back != want {
			t.Fatalf("decoded %q, want %q", back, want)
		}
	})
}
