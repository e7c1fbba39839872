// Package store is dnsvigil's passive-DNS memory: an embedded, single-file
// store of what the resolvers answered and which internal clients asked, kept
// across scans so that an analyst (or a detector run after the scan) can pivot
// from a suspicious domain to its name servers, from a name server to the other
// domains it serves, from a name to its addresses and back, and from a domain to
// the internal clients that looked it up.
//
// `dnsvigil scan --store FILE` fills it; later scans add to the same file. The
// query side is the [Reader] interface, so that a pivot command or a detector
// can take any backend; [DB] is the embedded one (SQLite through the pure-Go
// modernc.org/sqlite driver, so the binary still builds with CGO_ENABLED=0).
//
// # Facts
//
// Every row is a fact with a first seen, a last seen and a count. Times are
// event time (the time of the DNS message or log record, never the wall clock)
// stored as Unix seconds; sub-second parts are dropped.
//
//   - rrset(name, type, data): name → rdata per RR type, from the answer section
//     (A, AAAA, CNAME, NS, SOA, MX, TXT, ...), from the authority section of
//     responses and referrals (NS, SOA) and from glue (A/AAAA in the additional
//     section). Names are stored as given; callers pass canonical names
//     (lowercase, no trailing dot, presentation escapes, as in event.DNS) and
//     data in the presentation form of event.RR (addresses as
//     netip.Addr.String, targets as canonical names). The store compares bytes
//     exactly and does not rewrite them. Column sections is a bit set of the
//     [Section]s the record was seen in (answer, authority, additional), so one
//     (name, type, data) is one row whatever section it came from.
//   - client_domain(client, domain): which internal client (an address or a
//     host name) asked for names under a registrable domain.
//
// # Schema
//
//	rrset(name TEXT, type INTEGER, data TEXT, sections INTEGER,
//	      first_seen INTEGER, last_seen INTEGER, count INTEGER,
//	      PRIMARY KEY (name, type, data)) WITHOUT ROWID
//	INDEX rrset_by_data ON rrset(data, type)          -- NS host → domains, address → names, NS first seen
//	client_domain(client TEXT, domain TEXT, first_seen INTEGER, last_seen INTEGER, count INTEGER,
//	      PRIMARY KEY (client, domain)) WITHOUT ROWID
//	INDEX client_domain_by_domain ON client_domain(domain, last_seen)   -- domain → clients in a time range
//
// The primary keys answer the forward pivots (domain → NS, name → addresses,
// SOA of a domain, client → domains); the two indexes answer the reverse ones.
//
// # Identity and migrations
//
// A store is marked by PRAGMA application_id = 0x646E7376 ("dnsv") and carries
// its schema version in PRAGMA user_version. Open creates a store in a missing
// or empty file, upgrades an older store by applying each missing migration in
// its own transaction (the version bump commits with it, so a crash leaves the
// store at a whole version), and refuses a store written by a newer dnsvigil.
// Before SQLite touches an existing file, Open reads its 100-byte header in Go
// and refuses, naming the path and the problem, a file that is not SQLite, an
// SQLite database of another application, and a file shorter than its header
// says (truncated); such files are never written to.
//
// # Durability
//
// The file runs in WAL mode with synchronous=NORMAL: a committed flush
// survives a process crash, and a power loss can lose at most the last
// committed flushes, never corrupt the file. Facts are pre-aggregated in memory
// and written in one transaction per flush, so a crash loses at most the
// unflushed window: Options.FlushEvery of event time or Options.MaxPending
// distinct keys, whichever comes first. Close flushes. Facts become visible to
// queries when they are flushed.
//
// # Memory
//
// The pending aggregate holds at most Options.MaxPending distinct keys (both
// tables together); reaching the cap forces a flush, so a flood of random
// names costs write throughput, not memory. Each pending key costs its strings
// plus about 150 bytes, so the default cap holds about 15 MB plus the names.
package store
