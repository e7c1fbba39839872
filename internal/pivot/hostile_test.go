package pivot

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/sink/escape"
	"github.com/dnsvigil/dnsvigil/internal/store"
)

// Names an adversary could put in the store: quotes, backslashes, line
// breaks, DOT syntax, terminal escapes, bidi overrides and invalid UTF-8.
const (
	hostileNS     = "ns\"];\n\"x\" -> \"y\" [label=\"pwn\\\x1b[2J\u202e.evil.test\\"
	hostileDomain = "sib\\\";\r\n} digraph{ a->b //.evil.test"
	hostileClient = "ws\n01\x00\xff\"]; ->"
)

func hostileGraph(t *testing.T) *Graph {
	t.Helper()
	db := openStore(t, []store.Fact{
		ns("corp.test", hostileNS, 0),
		ns(hostileDomain, hostileNS, 1),
		a(hostileNS, "192.0.2.53", 1),
		client(hostileClient, "corp.test", 2),
		client("10.0.0.2", hostileDomain, 2),
	})
	g, err := Build(context.Background(), db, "corp.test", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Nodes) != 6 || len(g.Edges) != 5 {
		t.Fatalf("hostile graph has %d nodes and %d edges, want 6 and 5: %+v", len(g.Nodes), len(g.Edges), g)
	}
	return g
}

// TestDOTHostile checks that no name can leave its quoted string: every
// line of the output is one statement of the expected form, and each label
// decodes back to the name's display form.
func TestDOTHostile(t *testing.T) {
	g := hostileGraph(t)
	var b bytes.Buffer
	if err := WriteDOT(&b, g); err != nil {
		t.Fatal(err)
	}
	const str = `"([^"\\\x00-\x1f\x7f]*)"`
	var (
		header = regexp.MustCompile(`^(digraph pivot \{|  graph \[rankdir=LR, label=` + str + `\];|  (node|edge) \[[a-z=",0-9 A-Za-z]*\];)$`)
		node   = regexp.MustCompile(`^  "n(\d+)" \[label=` + str + `, shape=(box|hexagon|ellipse|note)(, penwidth=2)?, tooltip=` + str + `\];$`)
		edge   = regexp.MustCompile(`^  "n(\d+)" -> "n(\d+)" \[label="(served_by|also_serves|resolves_to|address_of|queried_by)", tooltip=` + str + `\];$`)
		note   = regexp.MustCompile(`^  // [ -~]*$`)
	)
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if lines[len(lines)-1] != "}" {
		t.Errorf("last line %q, want }", lines[len(lines)-1])
	}
	var labels []string
	var edges int
	for _, l := range lines[:len(lines)-1] {
		switch {
		case header.MatchString(l), note.MatchString(l):
		case node.MatchString(l):
			labels = append(labels, html.UnescapeString(node.FindStringSubmatch(l)[2]))
		case edge.MatchString(l):
			edges++
		default:
			t.Errorf("line is no statement of the expected form: %q", l)
		}
	}
	var want []string
	for _, n := range g.Nodes {
		want = append(want, display(n.Kind, n.Label))
	}
	if d := cmp.Diff(want, labels); d != "" {
		t.Errorf("decoded labels (-want +got):\n%s", d)
	}
	if edges != len(g.Edges) {
		t.Errorf("%d edge statements, want %d", edges, len(g.Edges))
	}
}

func TestTreeHostile(t *testing.T) {
	g := hostileGraph(t)
	var b bytes.Buffer
	if err := WriteTree(&b, g); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for i, r := range out {
		if r == utf8.RuneError || (r != '\n' && !escape.Visible(r) && r != ' ') {
			t.Fatalf("byte %d of the tree is %U, not visible:\n%s", i, r, out)
		}
	}
	if got, want := strings.Count(out, "\n"), 1+len(g.Edges); got != want {
		t.Errorf("tree has %d lines, want %d:\n%s", got, want, out)
	}
	for _, s := range []string{escape.Name(hostileNS), escape.Name(hostileDomain), escape.Terminal(hostileClient)} {
		if !strings.Contains(out, s) {
			t.Errorf("tree lacks %q:\n%s", s, out)
		}
	}
}

func TestJSONHostile(t *testing.T) {
	g := hostileGraph(t)
	var b bytes.Buffer
	if err := WriteJSON(&b, g); err != nil {
		t.Fatal(err)
	}
	var doc jsonGraph
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, b.String())
	}
	var got, want []string
	for i, n := range doc.Nodes {
		got = append(got, n.Label)
		want = append(want, escape.JSONString(g.Nodes[i].Label))
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("labels (-want +got):\n%s", d)
	}
	if bytes.ContainsAny(b.Bytes(), "\x1b\u202e") {
		t.Errorf("JSON holds a raw escape or bidi override:\n%s", b.String())
	}
}
