package jsonscan

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// valid reports whether b is one JSON value with optional white space
// around it, as the Scanner sees it.
func valid(b []byte) bool {
	s := Scanner{B: b}
	s.WS()
	ok := s.Value(0)
	s.WS()
	return ok && s.I == len(b)
}

func TestValue(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"empty object", `{}`, true},
		{"empty array with white space", " [ \t\r\n] ", true},
		{"object", `{"a":1,"b":[true,false,null],"c":{"d":"e"}}`, true},
		{"white space everywhere", "{ \"a\" :\n1 , \"b\"\t: [ 1 , 2 ] }", true},
		{"numbers", `[0,-0,1,-12,1.5,1e9,1E+9,2.5e-3,-0.0]`, true},
		{"string escapes", `"\" \\ \/ \b \f \n \r \t \u00e9 \uD83D\uDE00"`, true},
		{"raw bytes over 0x7f", "\"\xff\xfe\"", true},
		{"nothing", ``, false},
		{"only white space", ` `, false},
		{"leading zero", `01`, false},
		{"bare minus", `-`, false},
		{"dot without digits", `1.`, false},
		{"leading dot", `.5`, false},
		{"exponent without digits", `1e+`, false},
		{"plus sign", `+1`, false},
		{"bad escape", `"\x41"`, false},
		{"short unicode escape", `"\u00e"`, false},
		{"non-hex unicode escape", `"\u00g0"`, false},
		{"control character", "\"a\tb\"", false},
		{"unterminated string", `"abc`, false},
		{"backslash at the end", `"abc\`, false},
		{"truncated literal", `tru`, false},
		{"wrong literal", `nul1`, false},
		{"trailing comma in object", `{"a":1,}`, false},
		{"trailing comma in array", `[1,]`, false},
		{"missing colon", `{"a" 1}`, false},
		{"key not a string", `{a:1}`, false},
		{"unclosed object", `{"a":1`, false},
		{"unclosed array", `[1`, false},
		{"two values", `1 2`, false},
		{"single quotes", `'a'`, false},
		{"nesting at the limit", strings.Repeat("[", MaxDepth) + "1" + strings.Repeat("]", MaxDepth), true},
		{"empty container at the limit", strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1), true},
		{"nesting over the limit", strings.Repeat("[", MaxDepth+1) + "1" + strings.Repeat("]", MaxDepth+1), false},
		{"deep objects over the limit", strings.Repeat(`{"a":`, MaxDepth+1) + "1" + strings.Repeat("}", MaxDepth+1), false},
		{"hostile nesting", strings.Repeat("[", 1<<20), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := valid([]byte(tc.in)); got != tc.want {
				t.Errorf("valid(%.40q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

// member is one key and raw value read by walk.
type member struct{ Key, Val string }

// walk reads the members of the object b the way decoders do.
func walk(b []byte) ([]member, bool) {
	var out []member
	s := Scanner{B: b, I: 1}
	if s.Eat('}') {
		return out, true
	}
	for {
		key, ok := s.Key()
		if !ok {
			return out, false
		}
		val, ok := s.RawValue(1)
		if !ok {
			return out, false
		}
		out = append(out, member{string(key), string(val)})
		if s.Eat(',') {
			continue
		}
		return out, s.Eat('}')
	}
}

func TestKeyAndRawValue(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   []member
		wantOK bool
	}{
		{name: "empty", in: `{ }`, wantOK: true},
		{
			name:   "values as written",
			in:     `{"a":1, "b" : "x\"y" ,"c":[1, {"d":null}],"e":{}}`,
			want:   []member{{"a", "1"}, {"b", `"x\"y"`}, {"c", `[1, {"d":null}]`}, {"e", "{}"}},
			wantOK: true,
		},
		{
			name:   "keys keep their escapes",
			in:     `{"a\u0062":true,"\"":false}`,
			want:   []member{{`a\u0062`, "true"}, {`\"`, "false"}},
			wantOK: true,
		},
		{name: "bad value stops the walk", in: `{"a":1,"b":tru}`, want: []member{{"a", "1"}}},
		{name: "bad key stops the walk", in: `{"a":1,b:2}`, want: []member{{"a", "1"}}},
		{name: "missing value", in: `{"a":}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := walk([]byte(tc.in))
			if ok != tc.wantOK {
				t.Errorf("ok = %v, want %v", ok, tc.wantOK)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("members (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAppendString(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want string
	}{
		{"empty", `""`, ""},
		{"plain", `"www.example.com"`, "www.example.com"},
		{"short escapes", `"\"\\\/\b\f\n\r\t"`, "\"\\/\b\f\n\r\t"},
		{"unicode escape", `"caf\u00e9"`, "café"},
		{"upper-case hex", `"\u00E9\u00c9"`, "éÉ"},
		{"NUL", `"a\u0000b"`, "a\x00b"},
		{"surrogate pair", `"\ud83d\ude00"`, "😀"},
		{"lone high surrogate", `"\ud83dx"`, "\uFFFDx"},
		{"lone low surrogate", `"\ude00"`, "\uFFFD"},
		{"high surrogate then non-surrogate", `"\ud83d\u0041"`, "\uFFFDA"},
		{"raw bytes are kept", "\"\xff\"", "\xff"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !valid([]byte(tc.raw)) {
				t.Fatalf("%q is not valid", tc.raw)
			}
			got := string(AppendString([]byte("p:"), []byte(tc.raw)))
			if diff := cmp.Diff("p:"+tc.want, got); diff != "" {
				t.Errorf("AppendString (-want +got):\n%s", diff)
			}
		})
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    string
		wantNil bool
		inBuf   bool // decoded onto buf rather than a view of raw
	}{
		{name: "null", raw: `null`, wantNil: true},
		{name: "number as written", raw: `-1.5e3`, want: "-1.5e3"},
		{name: "boolean as written", raw: `true`, want: "true"},
		{name: "empty string", raw: `""`, want: ""},
		{name: "plain string", raw: `"www.example.com"`, want: "www.example.com"},
		{name: "escaped string", raw: `"a\tb\u00e9"`, want: "a\tbé", inBuf: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !valid([]byte(tc.raw)) {
				t.Fatalf("%q is not valid", tc.raw)
			}
			buf := append(make([]byte, 0, 64), "p:"...)
			got, newBuf := Text(buf, []byte(tc.raw))
			if (got == nil) != tc.wantNil || string(got) != tc.want {
				t.Fatalf("Text(%q) = %q (nil %v), want %q (nil %v)", tc.raw, got, got == nil, tc.want, tc.wantNil)
			}
			wantBuf := "p:"
			if tc.inBuf {
				wantBuf += tc.want
				if cap(got) != len(got) {
					t.Errorf("decoded text has spare capacity %d", cap(got)-len(got))
				}
			}
			if diff := cmp.Diff(wantBuf, string(newBuf)); diff != "" {
				t.Errorf("buf (-want +got):\n%s", diff)
			}
		})
	}
}

func TestZeroAllocations(t *testing.T) {
	line := []byte(`{"ts":1714557601.5,"query":"caf\u00e9.example","answers":["192.0.2.1",null],"TTLs":[300.0],"rejected":false,"nested":{"a":[[]]}}`)
	dst := make([]byte, 0, 256)
	allocs := testing.AllocsPerRun(100, func() {
		s := Scanner{B: line, I: 1}
		for !s.Eat('}') {
			key, _ := s.Key()
			val, _ := s.RawValue(1)
			if string(key) == "query" {
				dst = AppendString(dst[:0], val)
			}
			s.Eat(',')
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per line, want 0", allocs)
	}
	if string(dst) != "café.example" {
		t.Errorf("query = %q", dst)
	}
}

func BenchmarkScan(b *testing.B) {
	line := []byte(`{"timestamp":"2024-05-01T10:00:01.123456+0000","flow_id":1234567890,"event_type":"dns","src_ip":"192.0.2.11","src_port":53211,"dest_ip":"198.51.100.53","dest_port":53,"proto":"UDP","dns":{"type":"answer","id":4242,"flags":"8180","qr":true,"rd":true,"ra":true,"rrname":"www.example.com","rrtype":"A","rcode":"NOERROR","answers":[{"rrname":"www.example.com","rrtype":"A","ttl":300,"rdata":"192.0.2.1"}]}}`)
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		if !valid(line) {
			b.Fatal("invalid")
		}
	}
}
