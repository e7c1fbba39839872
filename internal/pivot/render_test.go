package pivot

import (
	"bytes"
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/store"
)

func TestWriters(t *testing.T) {
	db := openStore(t, hijackFacts())
	g, err := Build(context.Background(), db, "corp-victim.test", Options{Until: at(30), MaxClients: 1})
	if err != nil {
		t.Fatal(err)
	}
	small, err := Build(context.Background(), openStore(t, []store.Fact{
		ns("tiny.test", "ns.tiny.test", 1), client("10.0.0.1", "tiny.test", 2),
	}), "tiny.test", Options{Since: at(0)})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		write func(*bytes.Buffer) error
		want  string
	}{
		{name: "tree", write: func(b *bytes.Buffer) error { return WriteTree(b, g) }, want: goldenTree},
		{name: "json", write: func(b *bytes.Buffer) error { return WriteJSON(b, small) }, want: goldenJSON},
		{name: "dot", write: func(b *bytes.Buffer) error { return WriteDOT(b, g) }, want: goldenDOT},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := c.write(&b); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(c.want, b.String()); d != "" {
				t.Errorf("output (-want +got):\n%s", d)
			}
		})
	}
}

const goldenTree = `corp-victim.test
├─ NS ns1.evil-c2.test  first 2026-11-28T04:10:00Z  last 2026-11-28T04:12:00Z  seen 2
│  ├─ also serves evil-c2.test  first 2026-11-28T04:10:00Z  last 2026-11-28T04:10:00Z  seen 1
│  │  ├─ address 203.0.113.80  first 2026-11-28T04:10:00Z  last 2026-11-28T04:10:00Z  seen 1
│  │  └─ queried by 10.20.0.99  first 2026-11-28T04:10:00Z  last 2026-11-28T04:10:00Z  seen 1
│  └─ address 203.0.113.53  first 2026-11-28T04:10:00Z  last 2026-11-28T04:10:00Z  seen 1
├─ NS ns1.legit-provider.test  first 2026-11-28T04:00:00Z  last 2026-11-28T04:05:00Z  seen 2
│  └─ address 198.51.100.10  first 2026-11-28T04:00:00Z  last 2026-11-28T04:00:00Z  seen 1
├─ address 198.51.100.110  first 2026-11-28T04:00:00Z  last 2026-11-28T04:00:00Z  seen 1
└─ queried by 10.20.0.10  first 2026-11-28T04:00:00Z  last 2026-11-28T04:11:00Z  seen 2
window: since open until 2026-11-28T04:30:00Z
truncated: domain corp-victim.test: more than 1 clients; the 1 seen last are shown
`
const goldenJSON = `{
  "root": "tiny.test",
  "root_kind": "domain",
  "since": "2026-11-28T04:00:00Z",
  "nodes": [
    {
      "id": "domain:tiny.test",
      "kind": "domain",
      "label": "tiny.test",
      "first": "2026-11-28T04:01:00Z",
      "last": "2026-11-28T04:02:00Z",
      "count": 2
    },
    {
      "id": "ns:ns.tiny.test",
      "kind": "nameserver",
      "label": "ns.tiny.test",
      "first": "2026-11-28T04:01:00Z",
      "last": "2026-11-28T04:01:00Z",
      "count": 1
    },
    {
      "id": "client:10.0.0.1",
      "kind": "client",
      "label": "10.0.0.1",
      "first": "2026-11-28T04:02:00Z",
      "last": "2026-11-28T04:02:00Z",
      "count": 1
    }
  ],
  "edges": [
    {
      "from": "domain:tiny.test",
      "to": "ns:ns.tiny.test",
      "kind": "served_by",
      "first": "2026-11-28T04:01:00Z",
      "last": "2026-11-28T04:01:00Z",
      "count": 1
    },
    {
      "from": "domain:tiny.test",
      "to": "client:10.0.0.1",
      "kind": "queried_by",
      "first": "2026-11-28T04:02:00Z",
      "last": "2026-11-28T04:02:00Z",
      "count": 1
    }
  ],
  "truncated": []
}
`
const goldenDOT = `digraph pivot {
  graph [rankdir=LR, label="pivot from corp-victim.test"];
  node [fontname="Helvetica"];
  edge [fontname="Helvetica", fontsize=10];
  "n0" [label="corp-victim.test", shape=box, penwidth=2, tooltip="domain  first 2026-11-28T04:00:00Z  last 2026-11-28T04:12:00Z  seen 7"];
  "n1" [label="evil-c2.test", shape=box, tooltip="domain  first 2026-11-28T04:10:00Z  last 2026-11-28T04:10:00Z  seen 1"];
  "n2" [label="ns1.evil-c2.test", shape=hexagon, tooltip="nameserver  first 2026-11-28T04:10:00Z  last 2026-11-28T04:12:00Z  seen 2"];
  "n3" [label="ns1.legit-provider.test", shape=hexagon, tooltip="nameserver  first 2026-11-28T04:00:00Z  last 2026-11-28T04:05:00Z  seen 2"];
  "n4" [label="198.51.100.10", shape=ellipse, tooltip="address  first 2026-11-28T04:00:00Z  last 2026-11-28T04:00:00Z  seen 1"];
  "n5" [label="198.51.100.110", shape=ellipse, tooltip="address  first 2026-11-28T04:00:00Z  last 2026-11-28T04:00:00Z  seen 1"];
  "n6" [label="203.0.113.53", shape=ellipse, tooltip="address  first 2026-11-28T04:10:00Z  last 2026-11-28T04:10:00Z  seen 1"];
  "n7" [label="203.0.113.80", shape=ellipse, tooltip="address  first 2026-11-28T04:10:00Z  last 2026-11-28T04:10:00Z  seen 1"];
  "n8" [label="10.20.0.10", shape=note, tooltip="client  first 2026-11-28T04:00:00Z  last 2026-11-28T04:11:00Z  seen 2"];
  "n9" [label="10.20.0.99", shape=note, tooltip="client  first 2026-11-28T04:10:00Z  last 2026-11-28T04:10:00Z  seen 1"];
  "n0" -> "n2" [label="served_by", tooltip="served_by  first 2026-11-28T04:10:00Z  last 2026-11-28T04:12:00Z  seen 2"];
  "n0" -> "n3" [label="served_by", tooltip="served_by  first 2026-11-28T04:00:00Z  last 2026-11-28T04:05:00Z  seen 2"];
  "n2" -> "n1" [label="also_serves", tooltip="also_serves  first 2026-11-28T04:10:00Z  last 2026-11-28T04:10:00Z  seen 1"];
  "n0" -> "n5" [label="resolves_to", tooltip="resolves_to  first 2026-11-28T04:00:00Z  last 2026-11-28T04:00:00Z  seen 1"];
  "n1" -> "n7" [label="resolves_to", tooltip="resolves_to  first 2026-11-28T04:10:00Z  last 2026-11-28T04:10:00Z  seen 1"];
  "n2" -> "n6" [label="address_of", tooltip="address_of  first 2026-11-28T04:10:00Z  last 2026-11-28T04:10:00Z  seen 1"];
  "n3" -> "n4" [label="address_of", tooltip="address_of  first 2026-11-28T04:00:00Z  last 2026-11-28T04:00:00Z  seen 1"];
  "n0" -> "n8" [label="queried_by", tooltip="queried_by  first 2026-11-28T04:00:00Z  last 2026-11-28T04:11:00Z  seen 2"];
  "n1" -> "n9" [label="queried_by", tooltip="queried_by  first 2026-11-28T04:10:00Z  last 2026-11-28T04:10:00Z  seen 1"];
  // truncated: domain corp-victim.test: more than 1 clients; the 1 seen last are shown
}
`
