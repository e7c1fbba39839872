package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// SchemaVersion is the schema version this package writes and reads; a store
// with a higher PRAGMA user_version is refused.
const SchemaVersion = 1

// migration returns the statements that bring a store from schema version
// v-1 to v. Each migration runs in one transaction together with its
// user_version bump. Append only: a migration that has shipped never changes.
func migration(v int) []string {
	switch v {
	case 1:
		return []string{
			`CREATE TABLE rrset (
				name TEXT NOT NULL,
				type INTEGER NOT NULL,
				data TEXT NOT NULL,
				sections INTEGER NOT NULL,
				first_seen INTEGER NOT NULL,
				last_seen INTEGER NOT NULL,
				count INTEGER NOT NULL,
				PRIMARY KEY (name, type, data)
			) WITHOUT ROWID`,
			`CREATE INDEX rrset_by_data ON rrset(data, type)`,
			`CREATE TABLE client_domain (
				client TEXT NOT NULL,
				domain TEXT NOT NULL,
				first_seen INTEGER NOT NULL,
				last_seen INTEGER NOT NULL,
				count INTEGER NOT NULL,
				PRIMARY KEY (client, domain)
			) WITHOUT ROWID`,
			`CREATE INDEX client_domain_by_domain ON client_domain(domain, last_seen)`,
			fmt.Sprintf(`PRAGMA application_id = %d`, applicationID),
		}
	}
	return nil
}

// setup checks what SQLite sees in the file, switches it to WAL and applies
// the missing migrations. Nothing is written before the file is known to be a
// dnsvigil store or an empty database.
func setup(ctx context.Context, sdb *sql.DB) error {
	conn, err := sdb.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	app, ver, objects, err := identify(ctx, conn)
	if err != nil {
		return err
	}
	if err := checkIdentity(app, ver, objects); err != nil {
		return err
	}
	if app == applicationID {
		if err := checkTables(ctx, conn, ver); err != nil {
			return err
		}
	}
	var mode string
	if err := conn.QueryRowContext(ctx, `PRAGMA journal_mode = WAL`).Scan(&mode); err != nil {
		return fmt.Errorf("set WAL mode: %w", sqliteErr(err))
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("set WAL mode: journal mode is %q", mode)
	}
	for v := ver + 1; v <= SchemaVersion; v++ {
		if err := migrate(ctx, conn, v); err != nil {
			return err
		}
	}
	return nil
}

// identify reads the marker, the schema version and the number of schema
// objects. Reading sqlite_schema parses every table definition, so a damaged
// schema page fails here.
func identify(ctx context.Context, conn *sql.Conn) (app uint32, ver int, objects int, err error) {
	if err = conn.QueryRowContext(ctx, `PRAGMA application_id`).Scan(&app); err != nil {
		return 0, 0, 0, sqliteErr(err)
	}
	if err = conn.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&ver); err != nil {
		return 0, 0, 0, sqliteErr(err)
	}
	if err = conn.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema`).Scan(&objects); err != nil {
		return 0, 0, 0, sqliteErr(err)
	}
	return app, ver, objects, nil
}

func checkIdentity(app uint32, ver, objects int) error {
	switch {
	case app != applicationID && (app != 0 || objects != 0 || ver != 0):
		return fmt.Errorf("%w: an SQLite database without the dnsvigil marker (application_id %#x, %d schema objects)",
			ErrNotStore, app, objects)
	case ver > SchemaVersion:
		return fmt.Errorf("%w: schema version %d, this dnsvigil reads up to version %d; upgrade dnsvigil",
			ErrNewerSchema, ver, SchemaVersion)
	case app == applicationID && ver < 1:
		return fmt.Errorf("%w: dnsvigil marker without a schema version", ErrCorrupt)
	}
	return nil
}

// checkTables verifies that a marked store has the tables of its version.
func checkTables(ctx context.Context, conn *sql.Conn, ver int) error {
	if ver < 1 {
		return nil
	}
	var n int
	err := conn.QueryRowContext(ctx,
		`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('rrset', 'client_domain')`).Scan(&n)
	if err != nil {
		return sqliteErr(err)
	}
	if n != 2 {
		return fmt.Errorf("%w: schema version %d but tables rrset and client_domain are not both present", ErrCorrupt, ver)
	}
	return nil
}

// migrate applies migration v in one immediate transaction, re-reading the
// version under the write lock so that two processes opening the same old
// store do not both apply it.
func migrate(ctx context.Context, conn *sql.Conn, v int) (err error) {
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		return fmt.Errorf("migrate to schema version %d: %w", v, sqliteErr(err))
	}
	defer func() {
		if err != nil {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`)
		}
	}()
	app, cur, objects, err := identify(ctx, conn)
	if err != nil {
		return fmt.Errorf("migrate to schema version %d: %w", v, err)
	}
	if err := checkIdentity(app, cur, objects); err != nil {
		return err
	}
	if cur >= v {
		_, err = conn.ExecContext(ctx, `COMMIT`)
		return err
	}
	for _, stmt := range migration(v) {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("migrate to schema version %d: %w", v, sqliteErr(err))
		}
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, v)); err != nil {
		return fmt.Errorf("migrate to schema version %d: %w", v, sqliteErr(err))
	}
	if _, err := conn.ExecContext(ctx, `COMMIT`); err != nil {
		return fmt.Errorf("migrate to schema version %d: %w", v, sqliteErr(err))
	}
	return nil
}

// sqliteErr classifies SQLite's SQLITE_NOTADB and SQLITE_CORRUPT results as
// ErrNotStore and ErrCorrupt so that callers can test them with errors.Is.
func sqliteErr(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_NOTADB:
		return fmt.Errorf("%w: %w", ErrNotStore, err)
	case sqlite3.SQLITE_CORRUPT:
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return err
}
