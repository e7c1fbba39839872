package pivot

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/store"
)

var t0 = time.Date(2026, 11, 28, 4, 0, 0, 0, time.UTC)

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

func ns(name, host string, min int) store.Fact {
	return store.Fact{Kind: store.KindRR, Name: name, Type: 2, Data: host, Section: store.SectionAuthority, Time: at(min)}
}

func a(name, addr string, min int) store.Fact {
	return store.Fact{Kind: store.KindRR, Name: name, Type: 1, Data: addr, Section: store.SectionAnswer, Time: at(min)}
}

func client(c, domain string, min int) store.Fact {
	return store.Fact{Kind: store.KindClient, Client: c, Domain: domain, Time: at(min)}
}

// hijackFacts is a small NS hijack: corp-victim.test moves from the legit
// provider to ns1.evil-c2.test, which also serves evil-c2.test and, later,
// other-victim.test.
func hijackFacts() []store.Fact {
	return []store.Fact{
		ns("corp-victim.test", "ns1.legit-provider.test", 0),
		a("ns1.legit-provider.test", "198.51.100.10", 0),
		a("corp-victim.test", "198.51.100.110", 0),
		client("10.20.0.10", "corp-victim.test", 0),
		ns("corp-victim.test", "ns1.legit-provider.test", 5),
		ns("corp-victim.test", "ns1.evil-c2.test", 10),
		ns("evil-c2.test", "ns1.evil-c2.test", 10),
		a("ns1.evil-c2.test", "203.0.113.53", 10),
		a("evil-c2.test", "203.0.113.80", 10),
		client("10.20.0.99", "evil-c2.test", 10),
		client("10.20.0.10", "corp-victim.test", 11),
		client("10.20.0.23", "corp-victim.test", 11),
		ns("corp-victim.test", "ns1.evil-c2.test", 12),
		ns("other-victim.test", "ns1.evil-c2.test", 60),
	}
}

// openStore writes facts to a new store, closes it and opens it again.
func openStore(t *testing.T, facts []store.Fact) *store.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pdns.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range facts {
		if err := db.Add(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

type edgeRow struct {
	Kind, From, To string
	Count          int64
}

func edgeRows(g *Graph) []edgeRow {
	var out []edgeRow
	for _, e := range g.Edges {
		out = append(out, edgeRow{e.Kind, e.From, e.To, e.Count})
	}
	return out
}

func TestBuild(t *testing.T) {
	db := openStore(t, hijackFacts())
	domainEdges := []edgeRow{
		{EdgeServedBy, "domain:corp-victim.test", "ns:ns1.evil-c2.test", 2},
		{EdgeServedBy, "domain:corp-victim.test", "ns:ns1.legit-provider.test", 2},
		{EdgeAlsoServes, "ns:ns1.evil-c2.test", "domain:evil-c2.test", 1},
		{EdgeAlsoServes, "ns:ns1.evil-c2.test", "domain:other-victim.test", 1},
		{EdgeResolvesTo, "domain:corp-victim.test", "addr:198.51.100.110", 1},
		{EdgeResolvesTo, "domain:evil-c2.test", "addr:203.0.113.80", 1},
		{EdgeAddressOf, "ns:ns1.evil-c2.test", "addr:203.0.113.53", 1},
		{EdgeAddressOf, "ns:ns1.legit-provider.test", "addr:198.51.100.10", 1},
		{EdgeQueriedBy, "domain:corp-victim.test", "client:10.20.0.10", 2},
		{EdgeQueriedBy, "domain:corp-victim.test", "client:10.20.0.23", 1},
		{EdgeQueriedBy, "domain:evil-c2.test", "client:10.20.0.99", 1},
	}
	cases := []struct {
		name      string
		root      string
		opts      Options
		wantRoot  string
		wantKind  string
		wantEdges []edgeRow
		wantTrunc []string
	}{
		{name: "domain", root: "Corp-Victim.TEST.", wantRoot: "corp-victim.test", wantKind: KindDomain, wantEdges: domainEdges},
		{
			name: "address of a name server", root: "203.0.113.53", wantRoot: "203.0.113.53", wantKind: KindAddress,
			wantEdges: []edgeRow{
				{EdgeServedBy, "domain:corp-victim.test", "ns:ns1.evil-c2.test", 2},
				{EdgeServedBy, "domain:corp-victim.test", "ns:ns1.legit-provider.test", 2},
				{EdgeAlsoServes, "ns:ns1.evil-c2.test", "domain:evil-c2.test", 1},
				{EdgeAlsoServes, "ns:ns1.evil-c2.test", "domain:other-victim.test", 1},
				{EdgeResolvesTo, "domain:corp-victim.test", "addr:198.51.100.110", 1},
				{EdgeResolvesTo, "domain:evil-c2.test", "addr:203.0.113.80", 1},
				{EdgeAddressOf, "ns:ns1.evil-c2.test", "addr:203.0.113.53", 1},
				{EdgeAddressOf, "ns:ns1.legit-provider.test", "addr:198.51.100.10", 1},
				{EdgeQueriedBy, "domain:corp-victim.test", "client:10.20.0.10", 2},
				{EdgeQueriedBy, "domain:corp-victim.test", "client:10.20.0.23", 1},
				{EdgeQueriedBy, "domain:evil-c2.test", "client:10.20.0.99", 1},
			},
		},
		{
			name: "address of a domain", root: "::ffff:203.0.113.80", wantRoot: "203.0.113.80", wantKind: KindAddress,
			wantEdges: []edgeRow{
				{EdgeServedBy, "domain:evil-c2.test", "ns:ns1.evil-c2.test", 1},
				{EdgeAlsoServes, "ns:ns1.evil-c2.test", "domain:corp-victim.test", 2},
				{EdgeAlsoServes, "ns:ns1.evil-c2.test", "domain:other-victim.test", 1},
				{EdgeResolvesTo, "domain:corp-victim.test", "addr:198.51.100.110", 1},
				{EdgeResolvesTo, "domain:evil-c2.test", "addr:203.0.113.80", 1},
				{EdgeAddressOf, "ns:ns1.evil-c2.test", "addr:203.0.113.53", 1},
				{EdgeQueriedBy, "domain:corp-victim.test", "client:10.20.0.10", 2},
				{EdgeQueriedBy, "domain:corp-victim.test", "client:10.20.0.23", 1},
				{EdgeQueriedBy, "domain:evil-c2.test", "client:10.20.0.99", 1},
			},
		},
		{
			name: "until drops the later sibling", root: "corp-victim.test", opts: Options{Until: at(30)},
			wantRoot: "corp-victim.test", wantKind: KindDomain,
			wantEdges: append(domainEdges[:3:3], domainEdges[4:]...),
		},
		{
			name: "since drops the legit provider and the first client visit", root: "corp-victim.test", opts: Options{Since: at(9)},
			wantRoot: "corp-victim.test", wantKind: KindDomain,
			wantEdges: []edgeRow{
				{EdgeServedBy, "domain:corp-victim.test", "ns:ns1.evil-c2.test", 2},
				{EdgeAlsoServes, "ns:ns1.evil-c2.test", "domain:evil-c2.test", 1},
				{EdgeAlsoServes, "ns:ns1.evil-c2.test", "domain:other-victim.test", 1},
				{EdgeResolvesTo, "domain:evil-c2.test", "addr:203.0.113.80", 1},
				{EdgeAddressOf, "ns:ns1.evil-c2.test", "addr:203.0.113.53", 1},
				{EdgeQueriedBy, "domain:corp-victim.test", "client:10.20.0.10", 2},
				{EdgeQueriedBy, "domain:corp-victim.test", "client:10.20.0.23", 1},
				{EdgeQueriedBy, "domain:evil-c2.test", "client:10.20.0.99", 1},
			},
		},
		{
			name: "until widens a capped query past newer facts", root: "corp-victim.test", opts: Options{Until: at(30), MaxSiblings: 1},
			wantRoot: "corp-victim.test", wantKind: KindDomain,
			wantEdges: []edgeRow{
				{EdgeServedBy, "domain:corp-victim.test", "ns:ns1.evil-c2.test", 2},
				{EdgeAlsoServes, "ns:ns1.evil-c2.test", "domain:evil-c2.test", 1},
				{EdgeResolvesTo, "domain:corp-victim.test", "addr:198.51.100.110", 1},
				{EdgeResolvesTo, "domain:evil-c2.test", "addr:203.0.113.80", 1},
				{EdgeAddressOf, "ns:ns1.evil-c2.test", "addr:203.0.113.53", 1},
				{EdgeQueriedBy, "domain:corp-victim.test", "client:10.20.0.10", 2},
				{EdgeQueriedBy, "domain:corp-victim.test", "client:10.20.0.23", 1},
				{EdgeQueriedBy, "domain:evil-c2.test", "client:10.20.0.99", 1},
			},
			wantTrunc: []string{"domain corp-victim.test: more than 1 name servers; the 1 seen last are shown"},
		},
		{
			name: "window with nothing in it", root: "corp-victim.test", opts: Options{Since: at(120)},
			wantRoot: "corp-victim.test", wantKind: KindDomain,
		},
		{
			name: "caps", root: "corp-victim.test", opts: Options{MaxSiblings: 1, MaxClients: 1, MaxAddresses: 1},
			wantRoot: "corp-victim.test", wantKind: KindDomain,
			wantEdges: []edgeRow{
				{EdgeServedBy, "domain:corp-victim.test", "ns:ns1.evil-c2.test", 2},
				{EdgeAlsoServes, "ns:ns1.evil-c2.test", "domain:other-victim.test", 1},
				{EdgeResolvesTo, "domain:corp-victim.test", "addr:198.51.100.110", 1},
				{EdgeAddressOf, "ns:ns1.evil-c2.test", "addr:203.0.113.53", 1},
				{EdgeQueriedBy, "domain:corp-victim.test", "client:10.20.0.10", 2},
			},
			wantTrunc: []string{
				"domain corp-victim.test: more than 1 clients; the 1 seen last are shown",
				"domain corp-victim.test: more than 1 name servers; the 1 seen last are shown",
				"name server ns1.evil-c2.test: more than 1 other domains served; the 1 seen last are shown",
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, err := Build(context.Background(), db, c.root, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			if g.Root != c.wantRoot || g.RootKind != c.wantKind {
				t.Errorf("root %q %s, want %q %s", g.Root, g.RootKind, c.wantRoot, c.wantKind)
			}
			if d := cmp.Diff(c.wantEdges, edgeRows(g)); d != "" {
				t.Errorf("edges (-want +got):\n%s", d)
			}
			if d := cmp.Diff(c.wantTrunc, g.Truncated); d != "" {
				t.Errorf("truncated (-want +got):\n%s", d)
			}
			checkGraph(t, g)
		})
	}
}

// checkGraph checks that every edge joins two nodes of the graph, that
// every node but the root has an edge, and that node times merge edges.
func checkGraph(t *testing.T, g *Graph) {
	t.Helper()
	nodes := map[string]Node{}
	for _, n := range g.Nodes {
		if _, dup := nodes[n.ID]; dup {
			t.Errorf("node %s twice", n.ID)
		}
		nodes[n.ID] = n
	}
	if _, ok := nodes[NodeID(g.RootKind, g.Root)]; !ok {
		t.Errorf("root node missing")
	}
	linked := map[string]bool{NodeID(g.RootKind, g.Root): true}
	for _, e := range g.Edges {
		for _, id := range []string{e.From, e.To} {
			n, ok := nodes[id]
			if !ok {
				t.Errorf("edge %v names missing node %s", e, id)
			}
			if n.First.After(e.First) && id == e.To {
				t.Errorf("node %s first %v after its edge's %v", id, n.First, e.First)
			}
			linked[id] = true
		}
	}
	for id := range nodes {
		if !linked[id] {
			t.Errorf("node %s has no edge", id)
		}
	}
}

func TestNodeTimes(t *testing.T) {
	db := openStore(t, hijackFacts())
	g, err := Build(context.Background(), db, "corp-victim.test", Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Node{}
	for _, n := range g.Nodes {
		got[n.ID] = n
	}
	want := map[string]Node{
		"ns:ns1.evil-c2.test":     {ID: "ns:ns1.evil-c2.test", Kind: KindNameServer, Label: "ns1.evil-c2.test", First: at(10), Last: at(12), Count: 2},
		"client:10.20.0.10":       {ID: "client:10.20.0.10", Kind: KindClient, Label: "10.20.0.10", First: at(0), Last: at(11), Count: 2},
		"domain:evil-c2.test":     {ID: "domain:evil-c2.test", Kind: KindDomain, Label: "evil-c2.test", First: at(10), Last: at(10), Count: 1},
		"addr:198.51.100.110":     {ID: "addr:198.51.100.110", Kind: KindAddress, Label: "198.51.100.110", First: at(0), Last: at(0), Count: 1},
		"domain:corp-victim.test": {ID: "domain:corp-victim.test", Kind: KindDomain, Label: "corp-victim.test", First: at(0), Last: at(12), Count: 8},
	}
	for id, w := range want {
		if d := cmp.Diff(w, got[id]); d != "" {
			t.Errorf("node %s (-want +got):\n%s", id, d)
		}
	}
}

func TestParseRoot(t *testing.T) {
	cases := []struct {
		in, want, kind string
		bad            bool
	}{
		{in: "Example.COM.", want: "example.com", kind: KindDomain},
		{in: " a\\.b.example ", want: `a\.b.example`, kind: KindDomain},
		{in: "192.0.2.1", want: "192.0.2.1", kind: KindAddress},
		{in: "::ffff:192.0.2.1", want: "192.0.2.1", kind: KindAddress},
		{in: "2001:DB8::1", want: "2001:db8::1", kind: KindAddress},
		{in: "", bad: true},
		{in: "   ", bad: true},
		{in: ".", bad: true},
		{in: "a..b", bad: true},
		{in: ".example.com", bad: true},
		{in: "fe80::1%eth0", bad: true},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, kind, err := ParseRoot(c.in)
			if c.bad {
				if !errors.Is(err, ErrInvalidRoot) {
					t.Fatalf("ParseRoot(%q) = %q, %v; want ErrInvalidRoot", c.in, got, err)
				}
				return
			}
			if err != nil || got != c.want || kind != c.kind {
				t.Fatalf("ParseRoot(%q) = %q %s %v; want %q %s", c.in, got, kind, err, c.want, c.kind)
			}
		})
	}
}

func TestBuildErrors(t *testing.T) {
	db := openStore(t, hijackFacts())
	cases := []struct {
		name string
		r    store.Reader
		root string
		opts Options
	}{
		{name: "invalid root", r: db, root: "a..b"},
		{name: "negative cap", r: db, root: "example.com", opts: Options{MaxClients: -1}},
		{name: "until before since", r: db, root: "example.com", opts: Options{Since: at(10), Until: at(5)}},
		{name: "store error", r: failReader{db}, root: "corp-victim.test"},
		{name: "store error from an address", r: failReader{db}, root: "203.0.113.53"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if g, err := Build(context.Background(), c.r, c.root, c.opts); err == nil {
				t.Fatalf("Build gave %+v, want an error", g)
			}
		})
	}
}

// failReader fails the reverse queries.
type failReader struct{ store.Reader }

func (failReader) DomainsOn(context.Context, string, int) ([]store.Record, error) {
	return nil, errors.New("disk on fire")
}

func (failReader) NamesAt(context.Context, string, int) ([]store.Record, error) {
	return nil, errors.New("disk on fire")
}
