package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"sync"
	"time"
)

// Errors returned by Open, wrapped with the path and details.
var (
	// ErrNotStore means the file is not a dnsvigil store: not SQLite at all, or
	// an SQLite database of another application.
	ErrNotStore = errors.New("not a dnsvigil store")
	// ErrCorrupt means the file is a dnsvigil store that cannot be read as
	// one (truncated, damaged pages or schema).
	ErrCorrupt = errors.New("corrupt store")
	// ErrNewerSchema means the store was written by a newer dnsvigil.
	ErrNewerSchema = errors.New("store written by a newer dnsvigil")
	// ErrInvalidFact is returned by Add for a fact it cannot store.
	ErrInvalidFact = errors.New("invalid fact")
	// ErrClosed is returned by methods called after Close.
	ErrClosed = errors.New("store closed")
)

// Options tune the write side of a DB. The zero value gives the defaults.
type Options struct {
	// FlushEvery is the event-time span after which pending facts are
	// written (default 1m). It bounds what a crash can lose.
	FlushEvery time.Duration
	// MaxPending is the number of distinct pending keys (both tables) that
	// forces a flush (default 100,000). It bounds memory.
	MaxPending int
	// Retention, when positive, deletes facts last seen longer ago than
	// Retention before the newest event time added: at most once per hour of
	// event time during flushes, and at Close. Zero keeps everything.
	Retention time.Duration
}

// Defaults for Options.
const (
	DefaultFlushEvery = time.Minute
	DefaultMaxPending = 100_000
	pruneInterval     = time.Hour
)

func (o Options) withDefaults() Options {
	if o.FlushEvery <= 0 {
		o.FlushEvery = DefaultFlushEvery
	}
	if o.MaxPending <= 0 {
		o.MaxPending = DefaultMaxPending
	}
	return o
}

// DB is the embedded passive-DNS store, one SQLite file. Its methods are safe
// for concurrent use; writes (Add, Flush, Prune) are serialised by a mutex and
// queries share the single database connection.
type DB struct {
	path string // as given to Open, for messages
	abs  string
	opts Options
	sql  *sql.DB

	mu      sync.Mutex
	closed  bool
	pend    pending
	maxSeen time.Time // newest event time added
	pruned  time.Time // event time of the last retention prune
	flushes int64
}

// Open opens the store at path, creating it when the file is missing or empty
// and migrating it when its schema is older. It refuses, without writing to
// it, a file that is not a dnsvigil store, is truncated or damaged, or was
// written by a newer dnsvigil; the error names the path and the problem.
func Open(path string, opts Options) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := checkFile(abs); err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	// Importing modernc.org/sqlite (schema.go) registers the "sqlite" driver.
	sdb, err := sql.Open("sqlite", dsn(abs))
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	sdb.SetMaxOpenConns(1)
	sdb.SetMaxIdleConns(1)
	sdb.SetConnMaxLifetime(0)
	sdb.SetConnMaxIdleTime(0)
	if err := setup(context.Background(), sdb); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	db := &DB{path: path, abs: abs, opts: opts.withDefaults(), sql: sdb}
	db.pend.init()
	return db, nil
}

// dsn builds an SQLite URI for an absolute path. Only pragmas that do not
// write to the file are set here, because they run on connect, before the
// file has been checked; journal_mode=WAL is set by setup.
func dsn(abs string) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "cache_size(-65536)")
	q.Add("_pragma", "temp_store(MEMORY)")
	q.Set("_txlock", "immediate")
	return u.String() + "?" + q.Encode()
}

// Path returns the path the store was opened with.
func (db *DB) Path() string { return db.path }

// Close flushes pending facts, applies retention and closes the file. The DB
// is unusable afterwards, even when Close returns an error.
func (db *DB) Close() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return ErrClosed
	}
	db.closed = true
	err := db.flushLocked()
	if err == nil && db.opts.Retention > 0 && !db.maxSeen.IsZero() {
		_, err = db.pruneLocked(db.maxSeen.Add(-db.opts.Retention))
	}
	if cerr := db.sql.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close store %s: %w", db.path, cerr)
	}
	return err
}
