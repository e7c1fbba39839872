package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// applicationID marks a dnsvigil store in the SQLite header ("dnsv").
const applicationID = 0x646E7376

// sqliteMagic opens every SQLite database file.
const sqliteMagic = "SQLite format 3\x00"

// header holds the SQLite header fields Open checks. Offsets are those of
// https://www.sqlite.org/fileformat.html#the_database_header.
type header struct {
	pageSize      int64
	pageCount     int64
	countValid    bool
	userVersion   uint32
	applicationID uint32
}

func parseHeader(b []byte) header {
	h := header{
		pageSize:      int64(binary.BigEndian.Uint16(b[16:])),
		pageCount:     int64(binary.BigEndian.Uint32(b[28:])),
		userVersion:   binary.BigEndian.Uint32(b[60:]),
		applicationID: binary.BigEndian.Uint32(b[68:]),
	}
	if h.pageSize == 1 {
		h.pageSize = 65536
	}
	h.countValid = h.pageCount > 0 && binary.BigEndian.Uint32(b[24:]) == binary.BigEndian.Uint32(b[92:])
	return h
}

// checkFile reads the header of an existing file in Go, before SQLite opens
// it, so that a file Open refuses is never written to. A missing or empty file
// passes: Open creates the store in it.
func checkFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.IsDir() {
		return fmt.Errorf("%w: is a directory", ErrNotStore)
	}
	size := st.Size()
	if size == 0 {
		return nil
	}
	b := make([]byte, 100)
	n, err := io.ReadFull(f, b)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return err
	}
	if n < len(b) {
		if n >= len(sqliteMagic) && string(b[:len(sqliteMagic)]) == sqliteMagic {
			return fmt.Errorf("%w: truncated: %d bytes, shorter than the 100-byte SQLite header", ErrCorrupt, n)
		}
		return fmt.Errorf("%w: not an SQLite database (%d bytes, no SQLite header)", ErrNotStore, n)
	}
	if string(b[:len(sqliteMagic)]) != sqliteMagic {
		return fmt.Errorf("%w: not an SQLite database (no %q header)", ErrNotStore, sqliteMagic[:15])
	}
	return checkHeader(parseHeader(b), size, walSize(path))
}

func walSize(path string) int64 {
	st, err := os.Stat(path + "-wal")
	if err != nil {
		return 0
	}
	return st.Size()
}

func checkHeader(h header, size, wal int64) error {
	if h.applicationID != applicationID {
		if h.applicationID == 0 && h.userVersion == 0 {
			// Possibly an empty SQLite database; setup counts its schema
			// objects before writing anything.
			return nil
		}
		return fmt.Errorf("%w: an SQLite database without the dnsvigil marker (application_id %#x, want %#x)",
			ErrNotStore, h.applicationID, applicationID)
	}
	if h.pageSize < 512 || h.pageSize&(h.pageSize-1) != 0 {
		return fmt.Errorf("%w: invalid page size %d in header", ErrCorrupt, h.pageSize)
	}
	if wal == 0 && (size%h.pageSize != 0 || (h.countValid && size < h.pageCount*h.pageSize)) {
		return fmt.Errorf("%w: truncated: header records %d pages of %d bytes, the file has %d bytes",
			ErrCorrupt, h.pageCount, h.pageSize, size)
	}
	if h.userVersion > SchemaVersion {
		return fmt.Errorf("%w: schema version %d, this dnsvigil reads up to version %d; upgrade dnsvigil",
			ErrNewerSchema, h.userVersion, SchemaVersion)
	}
	return nil
}
