// Package archtest holds the import rules of dnsvigil's layout true: data
// flows source → decoder → event → enrich → detectors → alerts → sinks, and
// only pipeline, components and cmd know the concrete components.
package archtest

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

const module = "github.com/dnsvigil/dnsvigil/"

// imports returns, per package directory (relative to the repository root),
// the imports of its non-test Go files.
func imports(t *testing.T) map[string]map[string]bool {
	t.Helper()
	root := testutil.RepoRoot()
	out := map[string]map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		if out[rel] == nil {
			out[rel] = map[string]bool{}
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			out[rel][p] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func isStd(p string) bool {
	first, _, _ := strings.Cut(p, "/")
	return !strings.Contains(first, ".")
}

// under reports whether package dir is dir prefix or below it.
func under(dir, prefix string) bool {
	return dir == prefix || strings.HasPrefix(dir, prefix+"/")
}

func TestImportRules(t *testing.T) {
	pkgs := imports(t)
	if len(pkgs) < 10 {
		t.Fatalf("found only %d packages; is the repository root right?", len(pkgs))
	}
	// Leaf packages: the standard library and the one field library each
	// is built on, plus lower leaves.
	leaves := map[string][]string{
		"internal/event":   {},
		"internal/state":   {},
		"internal/dnsname": {"github.com/weppos/publicsuffix-go/"},
		"internal/netset":  {"github.com/gaissmai/bart"},
	}
	// Packages no decoder, detector or sink may import.
	wiring := []string{"internal/pipeline", "internal/components", "cmd/"}
	for dir, imps := range pkgs {
		for imp := range imps {
			own, isOwn := strings.CutPrefix(imp, module)
			if allowed, leaf := leaves[dir]; leaf && !isStd(imp) {
				ok := isOwn && (own == "internal/event" || own == "internal/dnsname")
				for _, a := range allowed {
					ok = ok || strings.HasPrefix(imp, a)
				}
				if !ok {
					t.Errorf("%s is a leaf package but imports %s", dir, imp)
				}
			}
			if !isOwn {
				continue
			}
			for _, w := range wiring {
				if (under(own, strings.TrimSuffix(w, "/")) || strings.HasPrefix(own, w)) &&
					(under(dir, "internal/input") || under(dir, "internal/detect") || under(dir, "internal/sink") || under(dir, "internal/enrich")) {
					t.Errorf("%s imports %s: only pipeline, components and cmd wire components", dir, imp)
				}
			}
			switch {
			case under(dir, "internal/input") && (under(own, "internal/detect") || under(own, "internal/sink") || under(own, "internal/enrich")):
				t.Errorf("decoder %s imports %s: a decoder knows only input and event", dir, imp)
			case under(dir, "internal/detect") && (under(own, "internal/input") || under(own, "internal/sink") || under(own, "internal/enrich")):
				t.Errorf("detector %s imports %s: a detector reads events and never calls an enricher, decoder or sink", dir, imp)
			case under(dir, "internal/sink") && (under(own, "internal/input") || under(own, "internal/detect")):
				t.Errorf("sink %s imports %s: a sink knows only alerts", dir, imp)
			case dir == "internal/pipeline" && (strings.HasPrefix(own, "internal/input/") || strings.HasPrefix(own, "internal/detect/")):
				t.Errorf("pipeline imports the concrete component %s: components are listed in internal/components", imp)
			}
		}
	}
}

// The shared readers under internal/input that decoders (and the followed-file
// tailer) build on know nothing of formats or events: the standard library
// only, so any package under input may import them without a cycle.
func TestInputHelpersAreStandardLibraryOnly(t *testing.T) {
	pkgs := imports(t)
	for _, dir := range []string{"internal/input/lineio", "internal/input/jsonscan"} {
		imps, ok := pkgs[dir]
		if !ok {
			t.Errorf("%s not found", dir)
		}
		for imp := range imps {
			if !isStd(imp) {
				t.Errorf("%s is a shared reader but imports %s", dir, imp)
			}
		}
	}
}

// The event model carries no third-party type: it is the contract between
// decoders and detectors.
func TestEventIsStandardLibraryOnly(t *testing.T) {
	for imp := range imports(t)["internal/event"] {
		if !isStd(imp) {
			t.Errorf("internal/event imports %s", imp)
		}
	}
	if _, err := os.Stat(filepath.Join(testutil.RepoRoot(), "internal", "event")); err != nil {
		t.Fatal(err)
	}
}
