package escape

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// attacks are strings an adversary can put in a query name, a host name or a
// process path to act on the terminal that shows them.
var attacks = []struct {
	name string
	in   string
	want string
}{
	{"plain", "www.example.com", "www.example.com"},
	{"printable unicode", "bücher.example Ελλάδα 日本", "bücher.example Ελλάδα 日本"},
	{"clear screen", "a\x1b[2Jb", `a\x1b[2Jb`},
	{"colour", "\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
	{"osc 8 hyperlink", "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x07", `\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\a`},
	{"osc title", "\x1b]0;pwned\x07", `\x1b]0;pwned\a`},
	{"carriage return overwrite", "evil.example\rgood.example", `evil.example\rgood.example`},
	{"newline forges a row", "a.example\n2026-01-01T00:00:00Z  info", `a.example\n2026-01-01T00:00:00Z  info`},
	{"backspace", "evil\b\b\b\bgood", `evil\b\b\b\bgood`},
	{"tab and vt ff", "a\tb\vc\fd", `a\tb\vc\fd`},
	{"nul", "a\x00b", `a\x00b`},
	{"del", "a\x7fb", `a\x7fb`},
	{"c1 csi", "a\u009b2Jb", `a\u009b2Jb`},
	{"c1 nel", "a\u0085b", `a\u0085b`},
	{"bidi rlo", "user\u202egpj.exe", `user\u202egpj.exe`},
	{"bidi isolates", "\u2066a\u2067b\u2068c\u2069", `\u2066a\u2067b\u2068c\u2069`},
	{"bidi embeddings", "\u202a\u202b\u202c\u202d", `\u202a\u202b\u202c\u202d`},
	{"zero width", "pay\u200bpal\u200c\u200d\ufeff", `pay\u200bpal\u200c\u200d\ufeff`},
	{"line and paragraph separators", "a\u2028b\u2029c", `a\u2028b\u2029c`},
	{"non-ascii space", "a\u00a0b\u3000c", `a\u00a0b\u3000c`},
	{"tag characters", "a\U000e0041\U000e007f", `a\U000e0041\U000e007f`},
	{"variation selector smuggling", "a\ufe0f\U000e0100", `a\ufe0f\U000e0100`},
	{"hangul filler", "a\u3164b", `a\u3164b`},
	{"private use", "a\ue000b", `a\ue000b`},
	{"invalid utf-8", "a\xff\xfeb\xc3", `a\xff\xfeb\xc3`},
	{"invalid c1 byte vs rune", "\x9b\u009b", `\x9b\u009b`},
	{"backslash is doubled", `C:\Windows\x1b`, `C:\\Windows\\x1b`},
	{"dns escape kept readable", `a\.b`, `a\\.b`},
	{"empty", "", ""},
}

func TestTerminal(t *testing.T) {
	for _, tc := range attacks {
		t.Run(tc.name, func(t *testing.T) {
			got := Terminal(tc.in)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Terminal(%q) mismatch (-want +got):\n%s", tc.in, diff)
			}
			if diff := cmp.Diff(tc.want, string(AppendTerminal([]byte("x"), tc.in))[1:]); diff != "" {
				t.Errorf("AppendTerminal(%q) mismatch (-want +got):\n%s", tc.in, diff)
			}
			checkSafe(t, got)
			back, err := unquoteTerminal(got)
			if err != nil {
				t.Fatalf("Terminal(%q) = %q does not decode: %v", tc.in, got, err)
			}
			if back != tc.in {
				t.Errorf("Terminal(%q) decodes to %q", tc.in, back)
			}
		})
	}
}

func TestName(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"canonical unchanged", `www.ex\.ample\000.com`, `www.ex\.ample\000.com`},
		{"root", ".", "."},
		{"raw escape", "a\x1b[2J.example", `a\027[2J.example`},
		{"raw newline and cr", "a\nb\rc", `a\010b\013c`},
		{"raw nul", "a\x00b", `a\000b`},
		{"raw space", "a b", `a\032b`},
		{"raw del", "a\x7f", `a\127`},
		{"cyrillic look-alike", "аpple.com", `\208\176pple.com`},
		{"bidi rlo", "a\u202eb", `a\226\128\174b`},
		{"invalid utf-8", "a\xffb", `a\255b`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Name(tc.in)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Name(%q) mismatch (-want +got):\n%s", tc.in, diff)
			}
			if diff := cmp.Diff(tc.want, string(AppendName(nil, tc.in))); diff != "" {
				t.Errorf("AppendName(%q) mismatch (-want +got):\n%s", tc.in, diff)
			}
			checkSafe(t, got)
		})
	}
}

func TestVisible(t *testing.T) {
	tests := []struct {
		name string
		r    rune
		want bool
	}{
		{"letter", 'a', true},
		{"space", ' ', true},
		{"tilde", '~', true},
		{"esc", 0x1b, false},
		{"del", 0x7f, false},
		{"c1", 0x9b, false},
		{"e acute", 'é', true},
		{"combining acute", '\u0301', true},
		{"cjk", '日', true},
		{"emoji", '😀', true},
		{"soft hyphen", '\u00ad', false},
		{"rlo", '\u202e', false},
		{"lri", '\u2066', false},
		{"zwj", '\u200d', false},
		{"bom", '\ufeff', false},
		{"line separator", '\u2028', false},
		{"nbsp", '\u00a0', false},
		{"hangul filler", '\u3164', false},
		{"variation selector 16", '\ufe0f', false},
		{"unassigned", 0x0378, false},
		{"private use", '\ue000', false},
		{"replacement character", '\ufffd', true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Visible(tc.r); got != tc.want {
				t.Errorf("Visible(%U) = %v, want %v", tc.r, got, tc.want)
			}
		})
	}
}

func TestCleanInputIsNotCopied(t *testing.T) {
	tests := []struct {
		name string
		fn   func(string) string
		in   string
	}{
		{"terminal", Terminal, "www.example.com bücher 日本"},
		{"name", Name, `www.ex\.ample\000.com`},
		{"json", JSONString, `C:\Windows\System32\cmd.exe ü`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if n := testing.AllocsPerRun(100, func() { _ = tc.fn(tc.in) }); n != 0 {
				t.Errorf("%d allocations for a string that needs no escaping", int(n))
			}
			if got := tc.fn(tc.in); got != tc.in {
				t.Errorf("got %q, want the input unchanged", got)
			}
		})
	}
}

// unquoteTerminal decodes the Terminal form back to the original string.
func unquoteTerminal(s string) (string, error) {
	return strconv.Unquote(`"` + strings.ReplaceAll(s, `"`, `\"`) + `"`)
}

// checkSafe fails t when s holds anything that could act on a terminal.
func checkSafe(t *testing.T, s string) {
	t.Helper()
	if err := unsafeIn(s); err != "" {
		t.Errorf("%q: %s", s, err)
	}
}

// unsafeIn describes the first character of s that is not safe to print, or
// returns "" when s is safe: valid UTF-8, no C0 control, DEL or C1 control,
// no bidi override or isolate, nothing that is not Visible.
func unsafeIn(s string) string {
	if !utf8.ValidString(s) {
		return "invalid UTF-8"
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return "raw control byte " + strconv.Itoa(int(s[i]))
		}
	}
	for _, r := range s {
		if (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			return "raw bidi control"
		}
		if !Visible(r) {
			return "raw invisible character " + strconv.QuoteRuneToASCII(r)
		}
	}
	return ""
}

func TestAppendControlKeepsBackslashes(t *testing.T) {
	for in, want := range map[string]string{
		`a\.b.example`:         `a\.b.example`,
		"evil\n<13>1 forged":   `evil\n<13>1 forged`,
		"x\x1b[31m\u202ey\xff": `x\x1b[31m\u202ey\xff`,
	} {
		if got := string(AppendControl(nil, in)); got != want {
			t.Errorf("AppendControl(%q) = %q, want %q", in, got, want)
		}
	}
}
