package pivot

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/sink/escape"
)

// WriteTree writes g as an indented tree rooted at g.Root, one fact per
// line with its first seen, last seen and count. Each domain and name server
// is expanded once, where the shortest path from the root reaches it; a fact
// between two that are expanded elsewhere is shown once, marked "(see above)"
// or "(see below)". Addresses and clients are leaves. Names are escaped for
// the terminal.
func WriteTree(w io.Writer, g *Graph) error {
	bw := bufio.NewWriter(w)
	t := newTree(g)
	root := NodeID(g.RootKind, g.Root)
	fmt.Fprintln(bw, display(g.RootKind, g.Root))
	if r, ok := t.index[root]; ok {
		t.placed[r] = true
		t.print(bw, r, "")
	}
	if len(g.Edges) == 0 {
		fmt.Fprintln(bw, "   (nothing in the store for this root and window)")
	}
	if !g.Since.IsZero() || !g.Until.IsZero() {
		fmt.Fprintf(bw, "window: since %s until %s\n", timeOr(g.Since, "open"), timeOr(g.Until, "open"))
	}
	for _, n := range g.Truncated {
		fmt.Fprintf(bw, "truncated: %s\n", printable(n))
	}
	return bw.Flush()
}

type tree struct {
	g      *Graph
	index  map[string]int // node ID → index in g.Nodes
	adj    [][]int        // node → incident edges, in display order
	parent []int          // node → edge that places it; -1 for none
	placed []bool         // node printed
	done   []bool         // edge printed
}

func newTree(g *Graph) *tree {
	t := &tree{g: g, index: make(map[string]int, len(g.Nodes)), adj: make([][]int, len(g.Nodes)),
		parent: make([]int, len(g.Nodes)), placed: make([]bool, len(g.Nodes)), done: make([]bool, len(g.Edges))}
	for i, n := range g.Nodes {
		t.index[n.ID] = i
		t.parent[i] = -1
	}
	for i, e := range g.Edges {
		f, okf := t.index[e.From]
		to, okt := t.index[e.To]
		if okf && okt && f != to {
			t.adj[f] = append(t.adj[f], i)
			t.adj[to] = append(t.adj[to], i)
		}
	}
	for n := range t.adj {
		slices.SortStableFunc(t.adj[n], func(x, y int) int {
			ox, oy := g.Nodes[t.other(x, n)], g.Nodes[t.other(y, n)]
			return cmp.Or(cmp.Compare(lineRank(g.Edges[x], g.Nodes[n].ID), lineRank(g.Edges[y], g.Nodes[n].ID)),
				compareLabel(ox.Label, oy.Label))
		})
	}
	if r, ok := t.index[NodeID(g.RootKind, g.Root)]; ok {
		t.bfs(r)
	}
	return t
}

// bfs places each node under the first node that reaches it, breadth first.
func (t *tree) bfs(root int) {
	seen := make([]bool, len(t.g.Nodes))
	seen[root] = true
	queue := []int{root}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if n != root && leaf(t.g.Nodes[n].Kind) {
			continue
		}
		for _, e := range t.adj[n] {
			if o := t.other(e, n); !seen[o] {
				seen[o] = true
				t.parent[o] = e
				queue = append(queue, o)
			}
		}
	}
}

func (t *tree) other(e, n int) int {
	if t.index[t.g.Edges[e].From] == n {
		return t.index[t.g.Edges[e].To]
	}
	return t.index[t.g.Edges[e].From]
}

func (t *tree) print(w *bufio.Writer, n int, prefix string) {
	var lines []int
	for _, e := range t.adj[n] {
		if !t.done[e] {
			t.done[e] = true
			lines = append(lines, e)
		}
	}
	for i, e := range lines {
		branch, next := "├─ ", "│  "
		if i == len(lines)-1 {
			branch, next = "└─ ", "   "
		}
		o := t.other(e, n)
		edge, node := t.g.Edges[e], t.g.Nodes[o]
		fmt.Fprintf(w, "%s%s%s %s%s", prefix, branch, phrase(edge, t.g.Nodes[n].ID), display(node.Kind, node.Label), stats(edge.First, edge.Last, edge.Count))
		switch {
		case leaf(node.Kind):
			fmt.Fprintln(w)
		case t.parent[o] == e && !t.placed[o]:
			fmt.Fprintln(w)
			t.placed[o] = true
			t.print(w, o, prefix+next)
		case t.placed[o]:
			fmt.Fprintln(w, "  (see above)")
		default:
			fmt.Fprintln(w, "  (see below)")
		}
	}
}

// leaf reports whether nodes of kind end a branch: addresses and clients
// are shared by many names, and a branch through them would wander off to
// unrelated domains.
func leaf(kind string) bool { return kind == KindAddress || kind == KindClient }

// lineRank orders the lines under a node: its own facts first (name
// servers, addresses, clients), then the facts that point at it.
func lineRank(e Edge, from string) int {
	r := edgeRank(e.Kind)
	if e.From != from {
		r += 10
	}
	return r
}

// phrase describes edge e as seen from node id.
func phrase(e Edge, id string) string {
	fwd := e.From == id
	switch e.Kind {
	case EdgeServedBy:
		return pick(fwd, "NS", "name server of")
	case EdgeAlsoServes:
		return pick(fwd, "also serves", "served by NS")
	case EdgeResolvesTo:
		return pick(fwd, "address", "name")
	case EdgeAddressOf:
		return pick(fwd, "address", "name server")
	case EdgeQueriedBy:
		return pick(fwd, "queried by", "queried")
	}
	return printable(e.Kind)
}

func pick(fwd bool, a, b string) string {
	if fwd {
		return a
	}
	return b
}

func stats(first, last time.Time, count int64) string {
	s := ""
	if !first.IsZero() {
		s += "  first " + first.UTC().Format(time.RFC3339)
	}
	if !last.IsZero() {
		s += "  last " + last.UTC().Format(time.RFC3339)
	}
	if count > 0 {
		s += "  seen " + strconv.FormatInt(count, 10)
	}
	return s
}

func timeOr(t time.Time, open string) string {
	if t.IsZero() {
		return open
	}
	return t.UTC().Format(time.RFC3339)
}

// display returns a label escaped for a terminal: DNS names in presentation
// form with every other byte as \DDD, addresses and client names with Go
// escapes.
func display(kind, label string) string {
	switch kind {
	case KindDomain, KindNameServer:
		return escape.Name(label)
	}
	return escape.Terminal(label)
}

// printable returns s when it is printable ASCII, else its Terminal form.
func printable(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return escape.Terminal(s)
		}
	}
	return s
}
