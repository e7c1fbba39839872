package synth

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// maxListLine bounds one line of a popularity list.
const maxListLine = 4096

// Tranco reads a top-sites popularity list in rank order. It accepts the
// two shapes the lists are published in: one domain a line (Tranco's
// download, "google.com") and "rank,domain" (Tranco's CSV and Cisco
// Umbrella's top-1m.csv, "1,google.com"). Names are lowercased and a
// trailing dot is dropped; blank lines and lines starting with '#' are
// skipped, and a name listed twice is kept once, at its better rank. A line
// that is neither shape is an error naming the line.
func Tranco(r io.Reader) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 256), maxListLine)
	var out []string
	seen := make(map[string]bool)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\ufeff"))
		if text == "" || text[0] == '#' {
			continue
		}
		name, err := listName(text)
		if err != nil {
			return nil, fmt.Errorf("top-sites list line %d: %w", line, err)
		}
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read top-sites list: %w", err)
	}
	return out, nil
}

// listName returns the domain of one list line.
func listName(text string) (string, error) {
	name := text
	if rank, rest, ok := strings.Cut(text, ","); ok {
		if _, err := strconv.ParseUint(strings.TrimSpace(rank), 10, 32); err != nil {
			return "", fmt.Errorf("want rank,domain: bad rank %q", rank)
		}
		name = strings.TrimSpace(rest)
	}
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	if name == "" || len(name) > 253 || strings.ContainsAny(name, ", \t\"") {
		return "", fmt.Errorf("want a domain name, got %q", text)
	}
	return name, nil
}
