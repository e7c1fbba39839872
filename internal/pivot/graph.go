package pivot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/dnsname"
	"github.com/dnsvigil/dnsvigil/internal/store"
)

// Node kinds.
const (
	KindDomain     = "domain"
	KindNameServer = "nameserver"
	KindAddress    = "address"
	KindClient     = "client"
)

// Edge kinds. Each names one kind of store fact, read from From to To.
const (
	EdgeServedBy   = "served_by"   // domain → name server: an NS record of the domain
	EdgeAlsoServes = "also_serves" // name server → sibling domain: an NS record of the sibling
	EdgeResolvesTo = "resolves_to" // domain → address: an A or AAAA record
	EdgeAddressOf  = "address_of"  // name server → address: an A or AAAA record of the server
	EdgeQueriedBy  = "queried_by"  // domain → client: the client asked under the domain
)

// Default per-node caps.
const (
	DefaultMaxSiblings  = 50
	DefaultMaxAddresses = 20
	DefaultMaxClients   = 50
)

// maxScan bounds the rows read for one capped query when the time window
// filters rows out after the query.
const maxScan = 100_000

// ErrInvalidRoot is returned by Build for a root that is neither an address
// nor a domain name.
var ErrInvalidRoot = errors.New("invalid pivot root")

// Options bound a walk. The zero value walks all time with the default caps.
type Options struct {
	// Since and Until bound the facts in event time; a zero bound is open.
	Since, Until time.Time
	// MaxSiblings caps the name servers per domain, the domains per name
	// server and the names per address; MaxAddresses the addresses per name;
	// MaxClients the clients per domain. Zero means the default.
	MaxSiblings, MaxAddresses, MaxClients int
}

func (o Options) withDefaults() (Options, error) {
	if o.MaxSiblings < 0 || o.MaxAddresses < 0 || o.MaxClients < 0 {
		return o, fmt.Errorf("pivot: negative cap")
	}
	if !o.Since.IsZero() && !o.Until.IsZero() && o.Until.Before(o.Since) {
		return o, fmt.Errorf("pivot: until %s is before since %s", o.Until.UTC().Format(time.RFC3339), o.Since.UTC().Format(time.RFC3339))
	}
	if o.MaxSiblings == 0 {
		o.MaxSiblings = DefaultMaxSiblings
	}
	if o.MaxAddresses == 0 {
		o.MaxAddresses = DefaultMaxAddresses
	}
	if o.MaxClients == 0 {
		o.MaxClients = DefaultMaxClients
	}
	return o, nil
}

// Graph is the result of a walk. Nodes and Edges are sorted by kind and then
// label, so the same store gives the same graph. Labels hold names exactly as
// stored (attacker-chosen bytes included); the writers escape them.
type Graph struct {
	Root     string // canonical domain name or address
	RootKind string // KindDomain or KindAddress
	// Since and Until are the walk's time bounds (zero when open).
	Since, Until time.Time
	Nodes        []Node
	Edges        []Edge
	// Truncated says, one line each, where a cap left facts out. The lines
	// hold names in escaped presentation form (printable ASCII only).
	Truncated []string
}

// Node is a domain, name server, address or client.
type Node struct {
	ID    string // kind prefix and label: "domain:example.com"
	Kind  string
	Label string
	First time.Time
	Last  time.Time
	Count int64
}

// Edge is one store fact between two nodes.
type Edge struct {
	From, To string // node IDs
	Kind     string
	First    time.Time
	Last     time.Time
	Count    int64
}

// NodeID returns the ID of the node of kind and label.
func NodeID(kind, label string) string {
	switch kind {
	case KindNameServer:
		return "ns:" + label
	case KindAddress:
		return "addr:" + label
	}
	return kind + ":" + label
}

// ParseRoot returns the canonical form of a pivot root and its kind: an
// address (IPv4-mapped addresses unmapped, zones refused) or a domain name
// (lowercased, trailing dot dropped).
func ParseRoot(root string) (string, string, error) {
	s := strings.TrimSpace(root)
	if s == "" {
		return "", "", fmt.Errorf("%w: empty", ErrInvalidRoot)
	}
	if a, err := netip.ParseAddr(s); err == nil {
		if a.Zone() != "" {
			return "", "", fmt.Errorf("%w: %q: address with a zone", ErrInvalidRoot, root)
		}
		return a.Unmap().String(), KindAddress, nil
	}
	name := dnsname.Canonical(s)
	if err := checkName(name); err != nil {
		return "", "", fmt.Errorf("%w: %q: %w", ErrInvalidRoot, root, err)
	}
	return name, KindDomain, nil
}

// checkName refuses the root, empty labels and names longer than the store
// keeps.
func checkName(name string) error {
	if name == "." {
		return errors.New("the root is not a domain to pivot from")
	}
	if len(name) > store.MaxNameLen {
		return fmt.Errorf("name of %d bytes", len(name))
	}
	start := 0
	for i := 0; i <= len(name); i++ {
		if i < len(name) && name[i] == '\\' {
			i++
			continue
		}
		if i == len(name) || name[i] == '.' {
			if i == start {
				return errors.New("empty label")
			}
			start = i + 1
		}
	}
	return nil
}

// Build walks the store from root (a domain name or an address) as the
// package documentation describes. Only a store error or an invalid root or
// option stops it.
func Build(ctx context.Context, r store.Reader, root string, opts Options) (*Graph, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	name, kind, err := ParseRoot(root)
	if err != nil {
		return nil, err
	}
	b := &builder{
		ctx: ctx, r: r, opts: opts,
		g:     &Graph{Root: name, RootKind: kind, Since: opts.Since, Until: opts.Until},
		nodes: map[string]int{},
		facts: map[factKey]bool{},
	}
	b.node(kind, name)
	if kind == KindAddress {
		err = b.fromAddress(name)
	} else {
		err = b.walk([]string{name})
	}
	if err != nil {
		return nil, err
	}
	b.finish()
	return b.g, nil
}

// factKey identifies one store fact, so a fact reached twice gives one edge.
type factKey struct {
	typ  uint16 // 0 for client-domain facts
	a, b string
}

type builder struct {
	ctx   context.Context
	r     store.Reader
	opts  Options
	g     *Graph
	nodes map[string]int // ID → index in g.Nodes
	facts map[factKey]bool
}

func (b *builder) node(kind, label string) string {
	id := NodeID(kind, label)
	if _, ok := b.nodes[id]; !ok {
		b.nodes[id] = len(b.g.Nodes)
		b.g.Nodes = append(b.g.Nodes, Node{ID: id, Kind: kind, Label: label})
	}
	return id
}

// edge adds the edge for fact k unless the fact already has one.
func (b *builder) edge(k factKey, kind, from, to string, first, last time.Time, count int64) {
	if b.facts[k] {
		return
	}
	b.facts[k] = true
	b.g.Edges = append(b.g.Edges, Edge{From: from, To: to, Kind: kind, First: first, Last: last, Count: count})
}

func (b *builder) inWindow(first, last time.Time) bool {
	return (b.opts.Since.IsZero() || !last.Before(b.opts.Since)) &&
		(b.opts.Until.IsZero() || !first.After(b.opts.Until))
}

func (b *builder) truncated(format string, args ...any) {
	b.g.Truncated = append(b.g.Truncated, fmt.Sprintf(format, args...))
}

// finish merges node times from their edges and sorts the graph.
func (b *builder) finish() {
	in := make([]bool, len(b.g.Nodes))
	for _, e := range b.g.Edges {
		i := b.nodes[e.To]
		in[i] = true
		merge(&b.g.Nodes[i], e)
	}
	for _, e := range b.g.Edges {
		if i := b.nodes[e.From]; !in[i] {
			merge(&b.g.Nodes[i], e)
		}
	}
	slices.SortFunc(b.g.Nodes, func(x, y Node) int {
		return cmp.Or(cmp.Compare(kindRank(x.Kind), kindRank(y.Kind)), compareLabel(x.Label, y.Label))
	})
	slices.Sort(b.g.Truncated)
	b.g.Truncated = slices.Compact(b.g.Truncated)
	label := func(id string) string { _, l, _ := strings.Cut(id, ":"); return l }
	slices.SortFunc(b.g.Edges, func(x, y Edge) int {
		return cmp.Or(cmp.Compare(edgeRank(x.Kind), edgeRank(y.Kind)),
			compareLabel(label(x.From), label(y.From)), compareLabel(label(x.To), label(y.To)),
			strings.Compare(x.From, y.From), strings.Compare(x.To, y.To))
	})
}

func merge(n *Node, e Edge) {
	if n.First.IsZero() || e.First.Before(n.First) {
		n.First = e.First
	}
	if e.Last.After(n.Last) {
		n.Last = e.Last
	}
	n.Count += e.Count
}

func kindRank(k string) int {
	switch k {
	case KindDomain:
		return 0
	case KindNameServer:
		return 1
	case KindAddress:
		return 2
	}
	return 3
}

func edgeRank(k string) int {
	switch k {
	case EdgeServedBy:
		return 0
	case EdgeAlsoServes:
		return 1
	case EdgeResolvesTo:
		return 2
	case EdgeAddressOf:
		return 3
	}
	return 4
}

// compareLabel orders addresses numerically and everything else as bytes;
// addresses sort before names.
func compareLabel(x, y string) int {
	ax, ex := netip.ParseAddr(x)
	ay, ey := netip.ParseAddr(y)
	switch {
	case ex == nil && ey == nil:
		return ax.Compare(ay)
	case ex == nil:
		return -1
	case ey == nil:
		return 1
	}
	return strings.Compare(x, y)
}
