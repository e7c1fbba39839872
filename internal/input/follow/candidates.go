package follow

import (
	"os"
	"path/filepath"
	"strings"
)

// maxCandidates caps the files beside Path that are looked at when a
// content is searched for by fingerprint.
const maxCandidates = 256

// candidate is a file beside Path (Path itself, path.1, path-20240101.gz,
// ...) that may hold a content of the stream.
type candidate struct {
	path  string
	key   fileKey
	size  int64
	mtime int64
	gz    bool
	// head holds the first bytes of the decompressed content.
	head []byte
	sums []fpKey
}

// matches reports whether the candidate's first n bytes have fingerprint
// fp. An empty fingerprint (n == 0) matches nothing.
func (c *candidate) matches(k fpKey) bool {
	if k.n <= 0 || k.n > len(c.head) {
		return false
	}
	for _, s := range c.sums {
		if s.n == k.n {
			return s.fp == k.fp
		}
	}
	fp := fingerprint(c.head[:k.n])
	c.sums = append(c.sums, fpKey{fp, k.n})
	return fp == k.fp
}

// related reports whether name is base or a rotated form of it
// (base.SUFFIX, base-SUFFIX, base_SUFFIX).
func related(name, base string) bool {
	if name == base {
		return true
	}
	return len(name) > len(base) && strings.HasPrefix(name, base) && strings.ContainsRune(".-_", rune(name[len(base)]))
}

// scan lists the regular files related to path in its directory, with
// their heads, up to maxCandidates. Unreadable files are left out.
func scan(path string) []candidate {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	d, err := os.Open(dir)
	if err != nil {
		return nil
	}
	defer d.Close()
	var out []candidate
	for len(out) < maxCandidates {
		ents, err := d.ReadDir(128)
		for _, e := range ents {
			if len(out) >= maxCandidates || !related(e.Name(), base) {
				continue
			}
			if c, ok := inspect(filepath.Join(dir, e.Name())); ok {
				out = append(out, c)
			}
		}
		if err != nil {
			break
		}
	}
	return out
}

// inspect reads one candidate's identity and head.
func inspect(path string) (candidate, bool) {
	f, err := os.Open(path)
	if err != nil {
		return candidate{}, false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return candidate{}, false
	}
	c := candidate{path: path, key: keyOf(fi), size: fi.Size(), mtime: fi.ModTime().UnixNano(), gz: isGzip(f)}
	head, err := readHead(f, c.gz, make([]byte, fpBytes))
	if err != nil {
		return candidate{}, false
	}
	c.head = head
	return c, true
}

// locate finds the file holding the recorded content g: the file it was
// last seen in when that still has the same identity and fingerprint, else
// the best file beside Path with its fingerprint (the same file, then an
// uncompressed one, then the newest).
func locate(path string, g Segment) (string, bool) {
	k := fpKey{g.Fingerprint, g.FirstBytes}
	if c, ok := inspect(g.Path); ok && c.key == (fileKey{g.Dev, g.Ino}) {
		if k.n == 0 || c.matches(k) {
			return c.path, true
		}
	}
	if k.n == 0 {
		return "", false
	}
	var best *candidate
	cands := scan(path)
	for i := range cands {
		c := &cands[i]
		if c.matches(k) && (best == nil || better(c, best, fileKey{g.Dev, g.Ino})) {
			best = c
		}
	}
	if best == nil {
		return "", false
	}
	return best.path, true
}

// better orders candidates holding the same content: the recorded file
// first, then uncompressed, then the newest.
func better(a, b *candidate, want fileKey) bool {
	if (a.key == want) != (b.key == want) {
		return a.key == want
	}
	if a.gz != b.gz {
		return !a.gz
	}
	return a.mtime > b.mtime
}

// earlier orders successors: by modification time, uncompressed before
// compressed (the same content is read once), then by inode.
func earlier(a, b *candidate) bool {
	if a.mtime != b.mtime {
		return a.mtime < b.mtime
	}
	if a.gz != b.gz {
		return !a.gz
	}
	return a.key.ino < b.key.ino
}
