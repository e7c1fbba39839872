package rdap

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseDomain feeds arbitrary bodies to the response parser (openrdap's decoder and the
// conversion to Info): it must never panic, and a success must describe the asked domain.
func FuzzParseDomain(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "domain", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range files {
		body, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body, strings.TrimSuffix(filepath.Base(p), ".json"))
	}
	f.Add([]byte(`{"objectClassName":"domain","entities":[{"roles":["registrar"],"vcardArray":["vcard",[["fn",{},"text",["a",["b"]]]]]}]}`), "x.com")
	f.Add([]byte(`{"objectClassName":"domain","events":[{"eventAction":"registration","eventDate":7}]}`), "x.com")
	f.Fuzz(func(t *testing.T, body []byte, name string) {
		info, err := parseDomain(body, name)
		if err == nil && info.Domain != name {
			t.Fatalf("parsed info for %q, asked %q", info.Domain, name)
		}
	})
}
