package jsonscan

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzScanner checks the scanner against encoding/json: whatever it accepts
// must be valid JSON, valid JSON within its nesting limit must be accepted,
// and AppendString must decode strings as encoding/json does. It is seeded
// with the lines of the JSON samples of the decoders in internal/input.
func FuzzScanner(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "*", "testdata", "*.json*"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		for _, line := range bytes.Split(b, []byte{'\n'}) {
			f.Add(line)
		}
	}
	f.Add([]byte(`[1,-0.5e+3,"\u00e9\"",{"a":[true,false,null]}]`))
	f.Add([]byte(`{"@stream":"dns","ts":1714557601,"query":"a\\x00\u00e9","answers":["x",null],"TTLs":[1e2]}`))
	f.Add([]byte(`"\ud83d\ude00 \ud83d"`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ok := valid(b)
		isValid := json.Valid(b)
		if ok && !isValid {
			t.Fatalf("scanner accepts invalid JSON %q", b)
		}
		if !ok && isValid && bytes.Count(b, []byte{'['})+bytes.Count(b, []byte{'{'}) < MaxDepth {
			t.Fatalf("scanner rejects valid JSON %q", b)
		}
		if v := bytes.Trim(b, " \t\r\n"); ok && len(v) > 0 && v[0] == '"' {
			var want string
			if err := json.Unmarshal(v, &want); err != nil {
				t.Fatal(err)
			}
			if got := string(AppendString(nil, v)); got != want && utf8Valid(v) {
				t.Fatalf("AppendString(%q) = %q, want %q", b, got, want)
			}
		}
	})
}

// utf8Valid reports whether b is valid UTF-8; encoding/json replaces
// invalid bytes and lone surrogates with U+FFFD where the scanner keeps the
// bytes, so strings are compared only when both agree on the input.
func utf8Valid(b []byte) bool {
	return bytes.Equal(b, bytes.ToValidUTF8(b, nil)) && !bytes.Contains(b, []byte(`\ud`)) && !bytes.Contains(b, []byte(`\uD`))
}
