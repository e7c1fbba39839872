// Package pivot walks dnsvigil's passive-DNS store outward from one domain
// name or address, so that an analyst who holds one suspicious indicator can
// see the infrastructure around it and the internal machines that touched it:
// the pivot an investigation of adversary-run DNS infrastructure (MITRE ATT&CK
// T1583.002, DET0862) starts with.
//
// # The walk
//
// From a domain D, [Build] asks the store (a [store.Reader]) for
//
//  1. the name servers of D (its NS records): edge served_by D → NS;
//  2. for each name server, the other domains it serves (its siblings): edge
//     also_serves NS → sibling, and its addresses: edge address_of NS → address;
//  3. the addresses of D and of each sibling: edge resolves_to domain → address;
//  4. the internal clients that asked under D and under each sibling: edge
//     queried_by domain → client.
//
// Siblings are not walked further (their own name servers and their siblings
// would grow the graph without bound); pivot again from a sibling for that.
//
// From an address A, Build first finds the names whose A or AAAA records point
// at A. A name that serves domains is a name server (edge address_of NS → A)
// and the domains it serves are walked as above; any other name is a domain
// (edge resolves_to domain → A) and is walked as above.
//
// Every edge is one store fact: an NS, A or AAAA record or a client-domain
// pair, with its first seen, last seen and count. A fact reached twice gives
// one edge. A node's First, Last and Count merge the edges that lead into it
// (for the root domain, which has none, the edges that leave it).
//
// # Bounds
//
// Options.Since and Options.Until bound the walk in event time: a fact whose
// [first, last] span does not overlap [Since, Until] is left out, and so is
// everything reached only through it. Per-node caps keep one busy name server
// or resolver address from flooding the graph: MaxSiblings caps the name
// servers of a domain, the domains of a name server and the names at an
// address; MaxAddresses the addresses of a name; MaxClients the clients of a
// domain. What was capped is kept (the facts seen most recently) and named in
// Graph.Truncated.
//
// # Output
//
// [WriteTree] draws the graph as an indented tree for a terminal, [WriteJSON]
// as one JSON object and [WriteDOT] as a Graphviz digraph. Names, addresses
// and client names come from the traffic, so an adversary chooses them: every
// writer escapes them for its destination (package escape for the terminal
// and JSON, character entities inside quoted strings for DOT) so that no name
// can drive a terminal or break out of its string.
package pivot
