package pivot

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteDOT writes g as a Graphviz digraph. Nodes get the IDs "n0", "n1", ...
// in g.Nodes order and carry their name as label, a shape by kind (domain
// box, name server hexagon, address ellipse, client note; the root drawn
// bold) and their first seen, last seen and count as tooltip. Edges are
// labelled by kind. Every string is quoted and holds only the escaped display
// form of the name with `"`, `\` and `&` written as character entities
// (&#34; &#92; &#38;), which Graphviz renders as the character: no byte of a
// name can end its string, start an escape or a new line. Truncation notes
// are comments.
func WriteDOT(w io.Writer, g *Graph) error {
	bw := bufio.NewWriter(w)
	root := NodeID(g.RootKind, g.Root)
	ids := make(map[string]string, len(g.Nodes))
	fmt.Fprintf(bw, "digraph pivot {\n")
	fmt.Fprintf(bw, "  graph [rankdir=LR, label=%s];\n", dotString("pivot from "+display(g.RootKind, g.Root)))
	fmt.Fprintf(bw, "  node [fontname=\"Helvetica\"];\n")
	fmt.Fprintf(bw, "  edge [fontname=\"Helvetica\", fontsize=10];\n")
	for i, n := range g.Nodes {
		id := "n" + strconv.Itoa(i)
		ids[n.ID] = id
		bold := ""
		if n.ID == root {
			bold = ", penwidth=2"
		}
		fmt.Fprintf(bw, "  %q [label=%s, shape=%s%s, tooltip=%s];\n", id, dotString(display(n.Kind, n.Label)), shape(n.Kind), bold,
			dotString(n.Kind+strings.TrimRight(stats(n.First, n.Last, n.Count), " ")))
	}
	for _, e := range g.Edges {
		from, okf := ids[e.From]
		to, okt := ids[e.To]
		if !okf || !okt {
			continue
		}
		fmt.Fprintf(bw, "  %q -> %q [label=%s, tooltip=%s];\n", from, to, dotString(e.Kind),
			dotString(e.Kind+stats(e.First, e.Last, e.Count)))
	}
	for _, t := range g.Truncated {
		fmt.Fprintf(bw, "  // truncated: %s\n", dotText(printable(t)))
	}
	fmt.Fprintf(bw, "}\n")
	return bw.Flush()
}

func shape(kind string) string {
	switch kind {
	case KindDomain:
		return "box"
	case KindNameServer:
		return "hexagon"
	case KindAddress:
		return "ellipse"
	}
	return "note"
}

// dotString quotes s, already in display form, for DOT.
func dotString(s string) string { return `"` + dotText(s) + `"` }

// dotText writes `"`, `\` and `&` as character entities and every byte that
// is not printable ASCII or part of a printable non-ASCII character (display
// forms hold none) as an entity too, so the result holds no quote, backslash,
// control character or line break.
func dotText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"' || r == '\\' || r == '&' || r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "&#%d;", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
