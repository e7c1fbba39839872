package pipeline

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
)

// zipMagic starts a zip archive's first local file header.
var zipMagic = []byte("PK\x03\x04")

// expandZip returns p itself, or, when p is a zip archive, one Path per file
// member (directories and hidden members left out), in archive order. The
// members count as walked: a member of another format (a README) is
// skipped and counted. An archive that cannot be listed is returned as is,
// so opening it reports the problem.
func expandZip(p Path) []Path {
	if !isZip(p.Name) {
		return []Path{p}
	}
	zr, err := zip.OpenReader(p.Name)
	if err != nil {
		return []Path{p}
	}
	defer zr.Close()
	var out []Path
	for _, f := range zr.File {
		base := f.Name[strings.LastIndexByte(f.Name, '/')+1:]
		if f.FileInfo().IsDir() || base == "" || strings.HasPrefix(base, ".") || strings.HasPrefix(f.Name, "__MACOSX/") {
			continue
		}
		out = append(out, Path{Name: p.Name, Entry: f.Name, Walked: true})
	}
	return out
}

// isZip reports whether the file starts with the zip magic.
func isZip(name string) bool {
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, len(zipMagic))
	_, err = io.ReadFull(f, head)
	return err == nil && bytes.Equal(head, zipMagic)
}

// openEntry opens one member of a zip archive; closing the result closes
// the archive too.
func openEntry(archive, entry string) (io.ReadCloser, error) {
	zr, err := zip.OpenReader(archive)
	if err != nil {
		return nil, err
	}
	f, err := zr.Open(entry)
	if err != nil {
		zr.Close()
		return nil, fmt.Errorf("%s: %w", archive, err)
	}
	return &entryCloser{ReadCloser: f.(io.ReadCloser), zr: zr}, nil
}

type entryCloser struct {
	io.ReadCloser
	zr *zip.ReadCloser
}

func (e *entryCloser) Close() error {
	err := e.ReadCloser.Close()
	if zerr := e.zr.Close(); err == nil {
		err = zerr
	}
	return err
}
