package checkpoint

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/sink/jsonl"
)

// Fingerprint identifies one alert report: a hash of its JSON encoding, so
// two reports of the same finding with different numbers differ.
type Fingerprint [16]byte

// MarshalText implements encoding.TextMarshaler.
func (f Fingerprint) MarshalText() ([]byte, error) {
	return []byte(hex.EncodeToString(f[:])), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (f *Fingerprint) UnmarshalText(b []byte) error {
	if hex.DecodedLen(len(b)) != len(f) {
		return fmt.Errorf("fingerprint %q: want %d hex digits", b, 2*len(f))
	}
	_, err := hex.Decode(f[:], b)
	return err
}

// Ledger remembers the fingerprints of the last Cap alerts delivered. It is
// used by one goroutine (the engine's).
type Ledger struct {
	cap   int
	set   map[Fingerprint]struct{}
	order []Fingerprint // ring, oldest at head
	head  int
	buf   hashWriter
	enc   *jsonl.Writer
	// Suppressed counts the alerts found already delivered.
	Suppressed int64
}

// NewLedger returns a ledger of at most capacity fingerprints holding
// delivered, oldest first (a checkpoint's Delivered).
func NewLedger(capacity int, delivered []Fingerprint) *Ledger {
	l := &Ledger{cap: max(capacity, 1), set: map[Fingerprint]struct{}{}}
	l.enc = jsonl.New(&l.buf)
	for _, f := range delivered {
		l.add(f)
	}
	return l
}

// Fingerprint returns a's fingerprint.
func (l *Ledger) Fingerprint(a *alert.Alert) Fingerprint {
	l.buf.Reset()
	_ = l.enc.Write(a)
	_ = l.enc.Flush()
	return l.buf.Sum()
}

// Deliver reports whether a is new: false when the same report was
// delivered before (counted in Suppressed), true after recording it.
func (l *Ledger) Deliver(a *alert.Alert) bool {
	f := l.Fingerprint(a)
	if _, ok := l.set[f]; ok {
		l.Suppressed++
		return false
	}
	l.add(f)
	return true
}

func (l *Ledger) add(f Fingerprint) {
	if _, ok := l.set[f]; ok {
		return
	}
	if len(l.order) < l.cap {
		l.order = append(l.order, f)
	} else {
		delete(l.set, l.order[l.head])
		l.order[l.head] = f
		l.head = (l.head + 1) % l.cap
	}
	l.set[f] = struct{}{}
}

// Snapshot returns the fingerprints held, oldest first.
func (l *Ledger) Snapshot() []Fingerprint {
	out := make([]Fingerprint, 0, len(l.order))
	out = append(out, l.order[l.head:]...)
	return append(out, l.order[:l.head]...)
}

// Len returns the number of fingerprints held.
func (l *Ledger) Len() int { return len(l.order) }

// hashWriter hashes what is written to it.
type hashWriter struct {
	h [32]byte
	b []byte
}

func (w *hashWriter) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }
func (w *hashWriter) Reset()                      { w.b = w.b[:0] }
func (w *hashWriter) Sum() Fingerprint {
	w.h = sha256.Sum256(w.b)
	var f Fingerprint
	copy(f[:], w.h[:])
	return f
}
