// Package benchdetect is dnsvigil's detection benchmark: it runs every
// detector, with the default configuration, over a manifest of labelled
// captures and logs (the shared real-data corpus, samples shipped in the
// repository and a generated browsing stream) and scores the tunnel
// detector against the ground truth: which captures raise a tunnel alert
// for the right client and domain, at what severity, how many seconds of
// tunnel traffic pass before the first alert, and what benign traffic
// raises. `dnsvigil bench-detect` prints the result; a test holds the
// acceptance bounds.
package benchdetect

import (
	_ "embed"
	"fmt"
	"net/netip"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dnsvigil/dnsvigil/internal/config"
)

// DefaultManifest is the shipped manifest (manifest.yaml).
//
//go:embed manifest.yaml
var DefaultManifest []byte

// Truth is what an entry holds.
type Truth string

// Truths.
const (
	TruthTunnel Truth = "tunnel"
	TruthBenign Truth = "benign"
)

// Roots an entry's paths are relative to.
const (
	RootData      = "data"      // the shared corpus folder
	RootRepo      = "repo"      // this repository
	RootSynthetic = "synthetic" // a list in the shared corpus, turned into traffic
)

// Entry is one manifest item; with Each set it stands for one entry per
// matching file.
type Entry struct {
	Name   string   `yaml:"name"`
	Root   string   `yaml:"root"`
	Paths  []string `yaml:"paths"`
	Each   bool     `yaml:"each"`
	Tool   string   `yaml:"tool"`
	Truth  Truth    `yaml:"truth"`
	Client string   `yaml:"client"`
	Domain string   `yaml:"domain"`
	Source string   `yaml:"source"`
}

// ParseManifest decodes and checks a manifest; file names it in errors.
func ParseManifest(file string, data []byte) ([]Entry, error) {
	var entries []Entry
	doc, err := config.Decode(file, data, &entries)
	if err != nil {
		return nil, err
	}
	var problems []error
	for i, e := range entries {
		at := fmt.Sprintf("[%d]", i)
		if e.Name == "" {
			problems = append(problems, config.Problemf(at+".name", "is required"))
		}
		switch e.Root {
		case RootData, RootRepo, RootSynthetic:
		default:
			problems = append(problems, config.Problemf(at+".root", "must be data, repo or synthetic, got %q", e.Root))
		}
		if len(e.Paths) == 0 {
			problems = append(problems, config.Problemf(at+".paths", "must list at least one file or glob"))
		}
		switch e.Truth {
		case TruthBenign:
		case TruthTunnel:
			if _, err := netip.ParseAddr(e.Client); err != nil {
				problems = append(problems, config.Problemf(at+".client", "a tunnel entry needs the client address: %v", err))
			}
			if e.Domain == "" || e.Domain != strings.ToLower(e.Domain) {
				problems = append(problems, config.Problemf(at+".domain", "a tunnel entry needs its registrable domain, lowercase"))
			}
		default:
			problems = append(problems, config.Problemf(at+".truth", "must be tunnel or benign, got %q", e.Truth))
		}
	}
	if len(problems) > 0 {
		return nil, doc.Locate(problems)
	}
	return entries, nil
}

// Dirs are the folders entries are relative to.
type Dirs struct {
	Data string // the shared corpus (../shared/data)
	Repo string // the repository root
}

// Case is one benchmark run: an entry resolved to files.
type Case struct {
	Entry
	Files []string
	// Missing lists the paths or globs that matched nothing.
	Missing []string
}

// Resolve expands the entries' globs under dirs. An entry with Each gives
// one case per file, named with {file} replaced by the file's base name.
func Resolve(entries []Entry, dirs Dirs) []Case {
	var out []Case
	for _, e := range entries {
		root := dirs.Data
		if e.Root == RootRepo {
			root = dirs.Repo
		}
		var files, missing []string
		for _, p := range e.Paths {
			m, _ := filepath.Glob(filepath.Join(root, filepath.FromSlash(p))) // patterns are checked when shipped
			if len(m) == 0 {
				missing = append(missing, filepath.Join(root, filepath.FromSlash(p)))
			}
			sort.Strings(m)
			files = append(files, m...)
		}
		if !e.Each || len(files) == 0 {
			c := Case{Entry: e, Files: files, Missing: missing}
			c.Name = strings.ReplaceAll(c.Name, "{file}", "*")
			out = append(out, c)
			continue
		}
		for _, f := range files {
			c := Case{Entry: e, Files: []string{f}}
			base := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
			c.Name = strings.ReplaceAll(e.Name, "{file}", base)
			out = append(out, c)
		}
	}
	return out
}
