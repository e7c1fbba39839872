package store

import (
	"bytes"
	"database/sql"
	"errors"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// makeStore writes a closed store with enough rows to span many pages.
func makeStore(t *testing.T, path string) {
	t.Helper()
	db := openT(t, path, Options{})
	for i := range 3000 {
		addAll(t, db, rr("host"+strings.Repeat("x", i%50)+".example.com", typeA, "192.0.2."+string(rune('a'+i%26)), SectionAnswer, i))
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func rawExec(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func TestOpenRefuses(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, path string)
		want    error
		detail  string
	}{
		{"random bytes", func(t *testing.T, path string) {
			b := make([]byte, 8192)
			r := rand.New(rand.NewPCG(1, 2))
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			writeFile(t, path, b)
		}, ErrNotStore, "not an SQLite database"},
		{"short text file", func(t *testing.T, path string) { writeFile(t, path, []byte("hello\n")) }, ErrNotStore, "not an SQLite database"},
		{"another application's database", func(t *testing.T, path string) {
			rawExec(t, path, `CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)`, `INSERT INTO notes (body) VALUES ('keep me')`)
		}, ErrNotStore, "without the dnsvigil marker"},
		{"another application's id", func(t *testing.T, path string) {
			rawExec(t, path, `PRAGMA application_id = 1234`)
		}, ErrNotStore, "without the dnsvigil marker"},
		{"truncated store at a page boundary", func(t *testing.T, path string) {
			makeStore(t, path)
			truncateTo(t, path, func(size int64) int64 { return size / 2 / 4096 * 4096 })
		}, ErrCorrupt, "truncated"},
		{"truncated store mid-page", func(t *testing.T, path string) {
			makeStore(t, path)
			truncateTo(t, path, func(size int64) int64 { return size - 1000 })
		}, ErrCorrupt, "truncated"},
		{"truncated header", func(t *testing.T, path string) {
			makeStore(t, path)
			truncateTo(t, path, func(int64) int64 { return 60 })
		}, ErrCorrupt, "truncated"},
		{"newer schema", func(t *testing.T, path string) {
			makeStore(t, path)
			rawExec(t, path, `PRAGMA user_version = 99`)
		}, ErrNewerSchema, "schema version 99"},
		{"marker without tables", func(t *testing.T, path string) {
			rawExec(t, path, `PRAGMA application_id = 1684960118`, `PRAGMA user_version = 1`, `CREATE TABLE other (x)`)
		}, ErrCorrupt, "tables rrset and client_domain"},
		{"directory", func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o755); err != nil {
				t.Fatal(err)
			}
		}, ErrNotStore, "directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := t.TempDir() + "/store.db"
			tc.prepare(t, path)
			before := snapshot(t, path)
			db, err := Open(path, Options{})
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.detail) {
				t.Errorf("Open error = %q; want %v naming %s and %q", err, tc.want, path, tc.detail)
			}
			if after := snapshot(t, path); !bytes.Equal(before, after) {
				t.Errorf("file changed: %d bytes before, %d after", len(before), len(after))
			}
		})
	}
}

func truncateTo(t *testing.T, path string, size func(int64) int64) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, size(st.Size())); err != nil {
		t.Fatal(err)
	}
}

func snapshot(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrInvalid) && !strings.Contains(err.Error(), "is a directory") {
		t.Fatal(err)
	}
	return b
}

func TestOpenAccepts(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		prepare func(t *testing.T, path string)
	}{
		{"missing file", "store.db", func(*testing.T, string) {}},
		{"missing file with URI characters in its name", "a b?c=1#d%20.db", func(*testing.T, string) {}},
		{"empty file", "store.db", func(t *testing.T, path string) { writeFile(t, path, nil) }},
		{"empty SQLite database", "store.db", func(t *testing.T, path string) { rawExec(t, path, `PRAGMA user_version = 0`, `VACUUM`) }},
		{"existing store", "store.db", makeStore},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := dir + "/" + tc.file
			tc.prepare(t, path)
			db := openT(t, path, Options{})
			addAll(t, db, rr("a.test", typeA, "192.0.2.1", SectionAnswer, 1))
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			db = openT(t, path, Options{})
			defer db.Close()
			got, err := db.Addresses(t.Context(), "a.test")
			if err != nil || len(got) != 1 {
				t.Errorf("Addresses(a.test) = %v, %v; want one record", got, err)
			}
			if _, err := os.Stat(path); err != nil {
				t.Errorf("store not at %s: %v", path, err)
			}
		})
	}
}
