package intel

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParsePattern(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		want    []comparison
		wantErr string
	}{
		{name: "one comparison", pattern: "[domain-name:value = 'evil-c2.test']", want: []comparison{{path: "domain-name:value", op: "=", value: "evil-c2.test", quoted: true}}},
		{name: "or inside", pattern: "[ipv4-addr:value = '203.0.113.53' OR ipv4-addr:value ISSUBSET '203.0.113.0/24']", want: []comparison{
			{path: "ipv4-addr:value", op: "=", value: "203.0.113.53", quoted: true},
			{path: "ipv4-addr:value", op: "ISSUBSET", value: "203.0.113.0/24", quoted: true},
		}},
		{name: "or between grouped observations", pattern: "([url:value = 'http://a.test/'] OR ([domain-name:value = 'b.test']))", want: []comparison{
			{path: "url:value", op: "=", value: "http://a.test/", quoted: true},
			{path: "domain-name:value", op: "=", value: "b.test", quoted: true},
		}},
		{name: "escaped quote", pattern: `[url:value = 'http://a.test/it\'s']`, want: []comparison{{path: "url:value", op: "=", value: "http://a.test/it's", quoted: true}}},
		{name: "number literal", pattern: "[network-traffic:dst_port = 53]", want: []comparison{{path: "network-traffic:dst_port", op: "=", value: "53"}}},
		{name: "and inside", pattern: "[domain-name:value = 'a.test' AND domain-name:value = 'b.test']", wantErr: "unsupported AND in pattern"},
		{name: "and between", pattern: "[domain-name:value = 'a.test'] AND [ipv4-addr:value = '203.0.113.1']", wantErr: "unsupported AND in pattern"},
		{name: "followedby", pattern: "[domain-name:value = 'a.test'] FOLLOWEDBY [domain-name:value = 'b.test']", wantErr: "unsupported FOLLOWEDBY in pattern"},
		{name: "not equal", pattern: "[domain-name:value != 'a.test']", wantErr: `unexpected "!=" in pattern`},
		{name: "like", pattern: "[domain-name:value LIKE '%.test']", wantErr: "unsupported LIKE in pattern"},
		{name: "qualifier", pattern: "[domain-name:value = 'a.test'] REPEATS 5 TIMES", wantErr: "unsupported REPEATS in pattern"},
		{name: "unterminated string", pattern: "[domain-name:value = 'a.test]", wantErr: "unterminated string"},
		{name: "bad escape", pattern: `[domain-name:value = 'a\n']`, wantErr: `invalid escape in string (only \' and \\ are allowed)`},
		{name: "missing bracket", pattern: "[domain-name:value = 'a.test'", wantErr: "unexpected end of pattern"},
		{name: "bare comparison", pattern: "domain-name:value = 'a.test'", wantErr: `unexpected "domain-name:value" in pattern`},
		{name: "missing value", pattern: "[domain-name:value =]", wantErr: `unexpected "]" in pattern`},
		{name: "incomplete comparison", pattern: "[domain-name:value =", wantErr: `incomplete comparison at "domain-name:value"`},
		{name: "empty", pattern: "", wantErr: "unexpected end of pattern"},
		{name: "deep nesting", pattern: "((((((((((((((((((((((((((((((((((([a:b = 'c'])))))))))))))))))))))))))))))))))))", wantErr: "pattern nested too deeply"},
		{name: "stray character", pattern: "[a:b = 'c'] ;", wantErr: "unexpected character ';' at offset 12"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parsePattern(tc.pattern)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if gotErr != tc.wantErr {
				t.Fatalf("parsePattern(%q) error = %q, want %q", tc.pattern, gotErr, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(comparison{})); diff != "" {
				t.Errorf("parsePattern(%q) (-want +got):\n%s", tc.pattern, diff)
			}
		})
	}
}
