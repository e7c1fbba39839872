package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"time"
)

// Reader is the query side of a passive-DNS store, so that a pivot command or
// a detector can take any backend. Names and data are compared exactly, in the
// form they were added (canonical names, netip.Addr.String addresses). Results
// hold only facts that have been flushed. A limit of 0 or less means no limit;
// limited results are the most recently seen first. Implementations are safe
// for concurrent use.
type Reader interface {
	// NSOf returns the NS records of domain (answers and referrals).
	NSOf(ctx context.Context, domain string) ([]Record, error)
	// DomainsOn returns the NS records that point at nsHost: the domains it
	// serves.
	DomainsOn(ctx context.Context, nsHost string, limit int) ([]Record, error)
	// Addresses returns the A and AAAA records of name (answers and glue).
	Addresses(ctx context.Context, name string) ([]Record, error)
	// NamesAt returns the A and AAAA records whose address is addr.
	NamesAt(ctx context.Context, addr string, limit int) ([]Record, error)
	// SOAOf returns the SOA records of domain.
	SOAOf(ctx context.Context, domain string) ([]Record, error)
	// RRs returns the records of name of type typ, or of every type when typ
	// is 0.
	RRs(ctx context.Context, name string, typ uint16) ([]Record, error)
	// Clients returns the clients that asked under domain and were seen
	// doing so within [since, until]; a zero bound is open.
	Clients(ctx context.Context, domain string, since, until time.Time, limit int) ([]ClientSeen, error)
	// NSFirstSeen returns when nsHost was first seen as a name server of any
	// domain; false when never.
	NSFirstSeen(ctx context.Context, nsHost string) (time.Time, bool, error)
	// Stats summarises the store.
	Stats(ctx context.Context) (Stats, error)
}

var _ Reader = (*DB)(nil)

// Record is one rrset fact.
type Record struct {
	Name     string
	Type     uint16
	Data     string
	Sections Section
	First    time.Time
	Last     time.Time
	Count    int64
}

// ClientSeen is one client_domain fact.
type ClientSeen struct {
	Client string
	Domain string
	First  time.Time
	Last   time.Time
	Count  int64
}

// Stats summarises a store.
type Stats struct {
	RRsets        int64     // rows in rrset
	ClientDomains int64     // rows in client_domain
	FileBytes     int64     // size of the file and its WAL on disk
	First         time.Time // earliest first seen; zero when empty
	Last          time.Time // latest last seen; zero when empty
	SchemaVersion int
	Pending       int   // distinct keys not yet flushed
	Flushes       int64 // flushes since Open
}

// Type numbers used by the queries.
const (
	typeA    = 1
	typeNS   = 2
	typeSOA  = 6
	typeAAAA = 28
)

const recordColumns = `SELECT name, type, data, sections, first_seen, last_seen, count FROM rrset `

// NSOf implements Reader.
func (db *DB) NSOf(ctx context.Context, domain string) ([]Record, error) {
	return db.records(ctx, "ns of", recordColumns+`WHERE name = ? AND type = ? ORDER BY data`, domain, typeNS)
}

// RecentNS returns the most recently seen NS records (zone in Name, name
// server in Data), at most limit of them: the delegation history a scan
// loads before it starts, so that detectors compare what they see with
// what earlier scans saw without reading the store themselves.
func (db *DB) RecentNS(ctx context.Context, limit int) ([]Record, error) {
	return db.records(ctx, "recent ns", recordColumns+`WHERE type = ? ORDER BY last_seen DESC LIMIT ?`, typeNS, sqlLimit(limit))
}

// NSAddress is the address of a name server and a zone it serves.
type NSAddress struct {
	Addr string
	Zone string
}

// RecentNSAddresses returns addresses of name servers (A/AAAA records of a
// name that is the data of an NS record) with a zone each serves, most
// recently seen first, at most limit of them.
func (db *DB) RecentNSAddresses(ctx context.Context, limit int) ([]NSAddress, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT a.data, MIN(n.name) FROM rrset a JOIN rrset n ON n.data = a.name AND n.type = ?
		WHERE a.type IN (?, ?) GROUP BY a.data ORDER BY MAX(a.last_seen) DESC LIMIT ?`, typeNS, typeA, typeAAAA, sqlLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("store %s: ns addresses: %w", db.path, err)
	}
	defer rows.Close()
	var out []NSAddress
	for rows.Next() {
		var a NSAddress
		if err := rows.Scan(&a.Addr, &a.Zone); err != nil {
			return nil, fmt.Errorf("store %s: ns addresses: %w", db.path, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store %s: ns addresses: %w", db.path, err)
	}
	return out, nil
}

// DomainsOn implements Reader.
func (db *DB) DomainsOn(ctx context.Context, nsHost string, limit int) ([]Record, error) {
	return db.records(ctx, "domains on", recordColumns+`WHERE data = ? AND type = ? ORDER BY last_seen DESC, name LIMIT ?`,
		nsHost, typeNS, sqlLimit(limit))
}

// Addresses implements Reader.
func (db *DB) Addresses(ctx context.Context, name string) ([]Record, error) {
	return db.records(ctx, "addresses", recordColumns+`WHERE name = ? AND type IN (?, ?) ORDER BY type, data`,
		name, typeA, typeAAAA)
}

// NamesAt implements Reader.
func (db *DB) NamesAt(ctx context.Context, addr string, limit int) ([]Record, error) {
	return db.records(ctx, "names at", recordColumns+`WHERE data = ? AND type IN (?, ?) ORDER BY last_seen DESC, name LIMIT ?`,
		addr, typeA, typeAAAA, sqlLimit(limit))
}

// SOAOf implements Reader.
func (db *DB) SOAOf(ctx context.Context, domain string) ([]Record, error) {
	return db.records(ctx, "soa of", recordColumns+`WHERE name = ? AND type = ? ORDER BY data`, domain, typeSOA)
}

// RRs implements Reader.
func (db *DB) RRs(ctx context.Context, name string, typ uint16) ([]Record, error) {
	if typ == 0 {
		return db.records(ctx, "records", recordColumns+`WHERE name = ? ORDER BY type, data`, name)
	}
	return db.records(ctx, "records", recordColumns+`WHERE name = ? AND type = ? ORDER BY data`, name, int64(typ))
}

func sqlLimit(limit int) int64 {
	if limit <= 0 {
		return -1
	}
	return int64(limit)
}

func (db *DB) records(ctx context.Context, what, query string, args ...any) ([]Record, error) {
	rows, err := db.sql.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store %s: %s: %w", db.path, what, sqliteErr(err))
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		var r Record
		var typ, sections, first, last int64
		if err := rows.Scan(&r.Name, &typ, &r.Data, &sections, &first, &last, &r.Count); err != nil {
			return nil, fmt.Errorf("store %s: %s: %w", db.path, what, sqliteErr(err))
		}
		r.Type, r.Sections = uint16(typ), Section(sections)
		r.First, r.Last = unix(first), unix(last)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store %s: %s: %w", db.path, what, sqliteErr(err))
	}
	return out, nil
}

func unix(sec int64) time.Time { return time.Unix(sec, 0).UTC() }

// Clients implements Reader.
func (db *DB) Clients(ctx context.Context, domain string, since, until time.Time, limit int) ([]ClientSeen, error) {
	lo, hi := int64(-1<<63), int64(1<<63-1)
	if !since.IsZero() {
		lo = since.Unix()
	}
	if !until.IsZero() {
		hi = until.Unix()
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT client, domain, first_seen, last_seen, count FROM client_domain
		WHERE domain = ? AND last_seen >= ? AND first_seen <= ? ORDER BY last_seen DESC, client LIMIT ?`,
		domain, lo, hi, sqlLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("store %s: clients: %w", db.path, sqliteErr(err))
	}
	defer rows.Close()
	var out []ClientSeen
	for rows.Next() {
		var c ClientSeen
		var first, last int64
		if err := rows.Scan(&c.Client, &c.Domain, &first, &last, &c.Count); err != nil {
			return nil, fmt.Errorf("store %s: clients: %w", db.path, sqliteErr(err))
		}
		c.First, c.Last = unix(first), unix(last)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store %s: clients: %w", db.path, sqliteErr(err))
	}
	return out, nil
}

// NSFirstSeen implements Reader.
func (db *DB) NSFirstSeen(ctx context.Context, nsHost string) (time.Time, bool, error) {
	var first sql.NullInt64
	err := db.sql.QueryRowContext(ctx, `SELECT min(first_seen) FROM rrset WHERE data = ? AND type = ?`,
		nsHost, typeNS).Scan(&first)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store %s: ns first seen: %w", db.path, sqliteErr(err))
	}
	if !first.Valid {
		return time.Time{}, false, nil
	}
	return unix(first.Int64), true, nil
}

// Stats implements Reader. It counts rows, so it reads both tables.
func (db *DB) Stats(ctx context.Context) (Stats, error) {
	var s Stats
	var first, last sql.NullInt64
	err := db.sql.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM rrset), (SELECT count(*) FROM client_domain),
		(SELECT min(m) FROM (SELECT min(first_seen) AS m FROM rrset UNION ALL SELECT min(first_seen) FROM client_domain)),
		(SELECT max(m) FROM (SELECT max(last_seen) AS m FROM rrset UNION ALL SELECT max(last_seen) FROM client_domain))`,
	).Scan(&s.RRsets, &s.ClientDomains, &first, &last)
	if err == nil {
		err = db.sql.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&s.SchemaVersion)
	}
	if err != nil {
		return Stats{}, fmt.Errorf("store %s: stats: %w", db.path, sqliteErr(err))
	}
	if first.Valid {
		s.First = unix(first.Int64)
	}
	if last.Valid {
		s.Last = unix(last.Int64)
	}
	for _, p := range []string{db.abs, db.abs + "-wal"} {
		if st, err := os.Stat(p); err == nil {
			s.FileBytes += st.Size()
		}
	}
	db.mu.Lock()
	s.Pending, s.Flushes = db.pend.len(), db.flushes
	db.mu.Unlock()
	return s, nil
}
