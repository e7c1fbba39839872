package pivot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/sink/escape"
)

// The JSON document. Field names are part of the output contract.
type jsonGraph struct {
	Root      string     `json:"root"`
	RootKind  string     `json:"root_kind"`
	Since     string     `json:"since,omitempty"`
	Until     string     `json:"until,omitempty"`
	Nodes     []jsonNode `json:"nodes"`
	Edges     []jsonEdge `json:"edges"`
	Truncated []string   `json:"truncated"`
}

type jsonNode struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	Label string `json:"label"`
	First string `json:"first,omitempty"`
	Last  string `json:"last,omitempty"`
	Count int64  `json:"count"`
}

type jsonEdge struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Kind  string `json:"kind"`
	First string `json:"first,omitempty"`
	Last  string `json:"last,omitempty"`
	Count int64  `json:"count"`
}

// WriteJSON writes g as one indented JSON object followed by a newline:
// root, root_kind, since and until (when bounded), nodes (id, kind, label,
// first, last, count), edges (from, to, kind, first, last, count) and
// truncated. Times are RFC 3339 in UTC. Strings keep their value; bytes that
// are not UTF-8 are written as the text \xNN and invisible characters as
// \u escapes (package escape), so the output is valid JSON that cannot drive
// a terminal.
func WriteJSON(w io.Writer, g *Graph) error {
	doc := jsonGraph{
		Root: escape.JSONString(g.Root), RootKind: g.RootKind,
		Since: jsonTime(g.Since), Until: jsonTime(g.Until),
		Nodes: make([]jsonNode, 0, len(g.Nodes)), Edges: make([]jsonEdge, 0, len(g.Edges)),
		Truncated: make([]string, 0, len(g.Truncated)),
	}
	for _, n := range g.Nodes {
		doc.Nodes = append(doc.Nodes, jsonNode{ID: escape.JSONString(n.ID), Kind: n.Kind, Label: escape.JSONString(n.Label),
			First: jsonTime(n.First), Last: jsonTime(n.Last), Count: n.Count})
	}
	for _, e := range g.Edges {
		doc.Edges = append(doc.Edges, jsonEdge{From: escape.JSONString(e.From), To: escape.JSONString(e.To), Kind: e.Kind,
			First: jsonTime(e.First), Last: jsonTime(e.Last), Count: e.Count})
	}
	for _, t := range g.Truncated {
		doc.Truncated = append(doc.Truncated, escape.JSONString(t))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("pivot json: %w", err)
	}
	if _, err := w.Write(escape.AppendJSONSafe(nil, buf.Bytes())); err != nil {
		return fmt.Errorf("pivot json: %w", err)
	}
	return nil
}

func jsonTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
