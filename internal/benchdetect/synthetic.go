package benchdetect

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/synth"
)

// Synthetic browsing parameters: a million queries from 200 clients over
// two hours, resolving the list's domains with their CDN and telemetry
// names.
const (
	SyntheticQueries = 1_000_000
	syntheticClients = 200
	syntheticSpan    = 2 * time.Hour
	syntheticSeed    = 20231101
)

// SynthesizeBrowsing writes the browsing stream of a synthetic case (its
// file is a top-site list) as a Zeek dns.log in a temporary folder.
func SynthesizeBrowsing(c Case) ([]string, func(), error) {
	if len(c.Files) != 1 {
		return nil, nil, fmt.Errorf("synthetic case %s: want one list file, got %d", c.Name, len(c.Files))
	}
	f, err := os.Open(c.Files[0])
	if err != nil {
		return nil, nil, err
	}
	domains, err := synth.Tranco(f)
	f.Close()
	if err != nil {
		return nil, nil, fmt.Errorf("synthetic case %s: %w", c.Name, err)
	}
	dir, err := os.MkdirTemp("", "dnsvigil-bench-")
	if err != nil {
		return nil, nil, err
	}
	out := filepath.Join(dir, "dns.log")
	w, err := os.Create(out)
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	b := synth.Browsing{
		Domains: domains,
		Clients: syntheticClients,
		Queries: SyntheticQueries,
		Start:   time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC),
		Span:    syntheticSpan,
		Seed:    syntheticSeed,
	}
	err = b.WriteZeek(w)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, fmt.Errorf("synthetic case %s: %w", c.Name, err)
	}
	return []string{out}, removeAll(dir), nil
}
