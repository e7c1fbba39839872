package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// batchRows is the number of rows per multi-row upsert statement.
const batchRows = 64

const (
	rrColumns  = `INSERT INTO rrset (name, type, data, sections, first_seen, last_seen, count) VALUES `
	rrConflict = ` ON CONFLICT (name, type, data) DO UPDATE SET
		sections = sections | excluded.sections,
		first_seen = min(first_seen, excluded.first_seen),
		last_seen = max(last_seen, excluded.last_seen),
		count = count + excluded.count`
	cdColumns  = `INSERT INTO client_domain (client, domain, first_seen, last_seen, count) VALUES `
	cdConflict = ` ON CONFLICT (client, domain) DO UPDATE SET
		first_seen = min(first_seen, excluded.first_seen),
		last_seen = max(last_seen, excluded.last_seen),
		count = count + excluded.count`
)

// upsertSQL returns a statement that upserts rows rows of cols columns.
func upsertSQL(head, tail string, cols, rows int) string {
	var b strings.Builder
	b.WriteString(head)
	tuple := "(?" + strings.Repeat(", ?", cols-1) + ")"
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(tuple)
	}
	b.WriteString(tail)
	return b.String()
}

// flushLocked writes the pending aggregate in one transaction. On error the
// aggregate stays pending.
func (db *DB) flushLocked() error {
	if db.pend.len() == 0 {
		return nil
	}
	db.pend.sort()
	if err := db.commitPending(); err != nil {
		db.pend.reindex()
		return fmt.Errorf("flush store %s: %w", db.path, sqliteErr(err))
	}
	db.flushes++
	db.pend.reset()
	if db.opts.Retention > 0 && db.maxSeen.Sub(db.pruned) >= pruneInterval {
		if _, err := db.pruneLocked(db.maxSeen.Add(-db.opts.Retention)); err != nil {
			return err
		}
	}
	return nil
}

func (db *DB) commitPending() error {
	ctx := context.Background()
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := db.writePending(ctx, tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func (db *DB) writePending(ctx context.Context, tx *sql.Tx) error {
	args := make([]any, 0, batchRows*7)
	err := writeBatches(ctx, tx, len(db.pend.rr), 7, rrColumns, rrConflict, func(i int) {
		e := &db.pend.rr[i]
		args = append(args, e.key.name, int64(e.key.typ), e.key.data, int64(e.sections), e.first, e.last, e.count)
	}, &args)
	if err != nil {
		return err
	}
	return writeBatches(ctx, tx, len(db.pend.cd), 5, cdColumns, cdConflict, func(i int) {
		e := &db.pend.cd[i]
		args = append(args, e.key.client, e.key.domain, e.first, e.last, e.count)
	}, &args)
}

// writeBatches upserts n entries in statements of batchRows rows, the last one
// shorter. appendRow appends the arguments of entry i to *args.
func writeBatches(ctx context.Context, tx *sql.Tx, n, cols int, head, tail string, appendRow func(int), args *[]any) error {
	if n == 0 {
		return nil
	}
	var full *sql.Stmt
	if n >= batchRows {
		var err error
		if full, err = tx.PrepareContext(ctx, upsertSQL(head, tail, cols, batchRows)); err != nil {
			return err
		}
		defer full.Close()
	}
	for start := 0; start < n; start += batchRows {
		rows := min(batchRows, n-start)
		*args = (*args)[:0]
		for i := start; i < start+rows; i++ {
			appendRow(i)
		}
		var err error
		if rows == batchRows {
			_, err = full.ExecContext(ctx, *args...)
		} else {
			_, err = tx.ExecContext(ctx, upsertSQL(head, tail, cols, rows), *args...)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Prune deletes the facts last seen before the given time (after flushing
// what is pending) and returns how many rows it deleted.
func (db *DB) Prune(before time.Time) (int64, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return 0, ErrClosed
	}
	if err := db.flushLocked(); err != nil {
		return 0, err
	}
	return db.pruneLocked(before)
}

func (db *DB) pruneLocked(before time.Time) (int64, error) {
	db.pruned = db.maxSeen
	cut := before.Unix()
	var total int64
	for _, q := range []string{
		`DELETE FROM rrset WHERE last_seen < ?`,
		`DELETE FROM client_domain WHERE last_seen < ?`,
	} {
		res, err := db.sql.Exec(q, cut)
		if err != nil {
			return total, fmt.Errorf("prune store %s: %w", db.path, sqliteErr(err))
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("prune store %s: %w", db.path, err)
		}
		total += n
	}
	return total, nil
}
