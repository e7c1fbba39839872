package resolver

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"iter"
	"net/netip"
	"strings"

	"github.com/dnsvigil/dnsvigil/internal/netset"
)

//go:generate go run ./internal/gencatalogue -lists ../../../../shared/data/lists -out catalogue.tsv.gz

// catalogueData is the shipped catalogue: gzip-compressed TSV written by
// internal/gencatalogue from public lists, each entry with its sources.
//
//go:embed catalogue.tsv.gz
var catalogueData []byte

// Tier says how much a catalogue entry tells about a destination.
type Tier uint8

// Tiers.
const (
	// TierNone: the address is not in the catalogue.
	TierNone Tier = iota
	// TierKnown: a named provider's public resolver or DoH endpoint (the
	// seed list, provider documentation, or an anycast/trusted entry of the
	// pingproxies directory).
	TierKnown
	// TierOpen: an open resolver found by an Internet crawl (ISP resolvers,
	// home routers, and also resolvers that an adversary runs and leaves
	// open). Being listed says the host answers DNS, not that it is benign.
	TierOpen
)

var tierNames = [...]string{"none", "known", "open"}

// String returns "none", "known" or "open".
func (t Tier) String() string {
	if int(t) < len(tierNames) {
		return tierNames[t]
	}
	return "none"
}

// Kinds is the set of services a catalogue entry offers.
type Kinds uint8

// Service kinds.
const (
	KindResolver Kinds = 1 << iota // plain DNS on 53
	KindDoH                        // DNS over HTTPS
	KindDoT                        // DNS over TLS
)

var kindNames = [...]string{"resolver", "doh", "dot"}

// Names returns the kinds as lowercase names in a fixed order.
func (k Kinds) Names() []string {
	var out []string
	for i, n := range kindNames {
		if k&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

func parseKinds(s string) (Kinds, error) {
	var k Kinds
	for name := range strings.SplitSeq(s, ",") {
		i := indexOf(kindNames[:], name)
		if i < 0 {
			return 0, fmt.Errorf("unknown kind %q", name)
		}
		k |= 1 << i
	}
	return k, nil
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// CatalogueEntry is one address or prefix of the catalogue.
type CatalogueEntry struct {
	Prefix netip.Prefix
	// Provider is the operator's name when a source gives one.
	Provider string
	Kinds    Kinds
	Tier     Tier
	// Sources lists the short codes of the lists that name the entry
	// ("seed", "curated", "pingproxies", "misp"); the catalogue header
	// says what each code is.
	Sources []string
}

// Catalogue is a read-only table of public DNS resolvers and DoH endpoints.
// It is safe for concurrent reads, so one Catalogue may be shared by several
// detectors (pass it in Deps).
type Catalogue struct {
	set *netset.Set[*CatalogueEntry]
	// Header holds the comment lines at the top of the catalogue file,
	// without the leading "# ": the provenance and licence of each source.
	Header []string
}

// LoadCatalogue parses the catalogue shipped with dnsvigil.
func LoadCatalogue() (*Catalogue, error) {
	zr, err := gzip.NewReader(bytes.NewReader(catalogueData))
	if err != nil {
		return nil, fmt.Errorf("open embedded catalogue: %w", err)
	}
	return ParseCatalogue(zr, "catalogue.tsv.gz")
}

// ParseCatalogue reads a catalogue in the shipped TSV form: '#' comment
// lines, then one entry per line with the tab-separated columns prefix (an
// address or CIDR), provider, kinds (comma list of resolver, doh, dot), tier
// (known or open) and sources (comma list). name is used in errors.
func ParseCatalogue(r io.Reader, name string) (*Catalogue, error) {
	c := &Catalogue{set: netset.New[*CatalogueEntry]()}
	intern := map[string]string{}
	sourceLists := map[string][]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if text == "" {
			continue
		}
		if text[0] == '#' {
			if c.set.Len() == 0 {
				c.Header = append(c.Header, strings.TrimPrefix(strings.TrimPrefix(text, "#"), " "))
			}
			continue
		}
		e, err := parseEntry(text, intern, sourceLists)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		c.set.AddPrefix(e.Prefix, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return c, nil
}

func parseEntry(text string, intern map[string]string, sourceLists map[string][]string) (*CatalogueEntry, error) {
	f := strings.Split(text, "\t")
	if len(f) != 5 {
		return nil, fmt.Errorf("want 5 tab-separated columns, got %d", len(f))
	}
	p, err := netset.ParsePrefix(f[0])
	if err != nil {
		return nil, err
	}
	kinds, err := parseKinds(f[2])
	if err != nil {
		return nil, err
	}
	var tier Tier
	switch f[3] {
	case "known":
		tier = TierKnown
	case "open":
		tier = TierOpen
	default:
		return nil, fmt.Errorf("unknown tier %q", f[3])
	}
	if f[4] == "" {
		return nil, fmt.Errorf("entry %s has no source", f[0])
	}
	provider, ok := intern[f[1]]
	if !ok {
		provider = strings.Clone(f[1])
		intern[provider] = provider
	}
	sources, ok := sourceLists[f[4]]
	if !ok {
		sources = strings.Split(f[4], ",")
		sourceLists[strings.Clone(f[4])] = sources
	}
	return &CatalogueEntry{Prefix: p, Provider: provider, Kinds: kinds, Tier: tier, Sources: sources}, nil
}

// Lookup returns the most specific entry containing a.
func (c *Catalogue) Lookup(a netip.Addr) (*CatalogueEntry, bool) {
	e, ok := c.set.Lookup(a)
	return e.Value, ok
}

// Len returns the number of entries.
func (c *Catalogue) Len() int { return c.set.Len() }

// All iterates over the entries in prefix order.
func (c *Catalogue) All() iter.Seq[*CatalogueEntry] {
	return func(yield func(*CatalogueEntry) bool) {
		for e := range c.set.All() {
			if !yield(e.Value) {
				return
			}
		}
	}
}
