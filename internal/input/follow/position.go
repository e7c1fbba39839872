package follow

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dnsvigil/dnsvigil/internal/input"
)

// fpBytes is how many leading bytes of a content its fingerprint covers.
const fpBytes = 4096

// positionVersion is the version of the position's JSON.
const positionVersion = 1

// Segment is one physical file content read in the logical stream, as it is
// stored in a resume position.
type Segment struct {
	// Fingerprint is the hex SHA-256 of the content's first FirstBytes
	// bytes (at most 4096: fewer while the file was shorter).
	Fingerprint string `json:"fingerprint"`
	FirstBytes  int    `json:"first_bytes"`
	// Start and End are the byte offsets in the content of the first byte
	// read and of the byte after the last one read.
	Start int64 `json:"start"`
	End   int64 `json:"end"`
	// Path, Dev, Ino and MTime (Unix nanoseconds) describe the file the
	// content was last seen in.
	Path  string `json:"path"`
	Dev   uint64 `json:"dev"`
	Ino   uint64 `json:"ino"`
	MTime int64  `json:"mtime"`
	// Logical is the logical offset of Start, and Line the number of lines
	// before it in the logical stream.
	Logical int64 `json:"logical"`
	Line    int64 `json:"line"`
}

// position is what Mark records.
type position struct {
	Version  int       `json:"v"`
	Path     string    `json:"path"`
	Segments []Segment `json:"segments"`
	// Offset is the logical offset below which every event (by its
	// Source.Offset) had been passed to Out.Event.
	Offset int64 `json:"offset"`
	// Since, while no segment has been read, is when waiting for the file
	// began (Unix nanoseconds): files rotated away since then, before
	// they were seen, are read first.
	Since int64 `json:"since,omitempty"`
}

// decodePosition parses and checks a marked position.
func decodePosition(p input.Position) (position, error) {
	var pos position
	if err := json.Unmarshal(p, &pos); err != nil {
		return pos, fmt.Errorf("decode: %w", err)
	}
	if pos.Version != positionVersion {
		return pos, fmt.Errorf("version %d, want %d", pos.Version, positionVersion)
	}
	if len(pos.Segments) > 1<<16 {
		return pos, errors.New("too many segments")
	}
	for i, g := range pos.Segments {
		if g.Start < 0 || g.End < g.Start || g.FirstBytes < 0 || g.FirstBytes > fpBytes || g.Logical < 0 || g.Line < 0 {
			return pos, fmt.Errorf("segment %d: bad offsets", i)
		}
	}
	return pos, nil
}

// Covered returns the logical offset below which every event had been
// passed when pos was marked. After a restart the Follower replays the
// stream from the position's base: events whose Source.Offset is below
// Covered are the ones an earlier run already passed, so a caller that
// replays only to rebuild detector state can tell them apart.
func Covered(pos input.Position) (int64, error) {
	p, err := decodePosition(pos)
	if err != nil {
		return 0, fmt.Errorf("follow: %w", err)
	}
	return p.Offset, nil
}

// fingerprint returns the hex SHA-256 of b.
func fingerprint(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// segment is a Segment while it is in the stream's list, with the
// content's first bytes while they may still grow.
type segment struct {
	Segment
	head []byte
}

// stamp brings Fingerprint and FirstBytes up to date with head.
func (g *segment) stamp() {
	if g.head != nil && (g.FirstBytes != len(g.head) || g.Fingerprint == "") {
		g.FirstBytes = len(g.head)
		g.Fingerprint = fingerprint(g.head)
	}
}

// fpKey identifies a content by its fingerprint.
type fpKey struct {
	fp string
	n  int
}

func (g *segment) key() fpKey { return fpKey{g.Fingerprint, g.FirstBytes} }
