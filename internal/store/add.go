package store

import (
	"fmt"
	"time"
)

// Kind says which table a Fact belongs to.
type Kind uint8

// Kinds of facts.
const (
	// KindRR is a resource record: Name, Type, Data, Section.
	KindRR Kind = iota + 1
	// KindClient is a client asking under a registrable domain: Client, Domain.
	KindClient
)

// Section is a bit set of the message sections a record was seen in.
type Section uint8

// Sections of a DNS message. Zero means unknown (a log that carries answers
// without saying where they came from).
const (
	SectionAnswer Section = 1 << iota
	SectionAuthority
	SectionAdditional
)

// Limits on the strings of a Fact; longer ones are refused with
// ErrInvalidFact. They are far above anything DNS produces (a presentation
// name with every byte escaped is under 1,100 bytes, a TXT record under 64 KiB)
// and keep one hostile record from bloating the store.
const (
	MaxNameLen = 4096
	MaxDataLen = 65536
)

// Fact is one observation. Strings are borrowed: they need to stay valid only
// during the call to Add, which copies what it keeps.
type Fact struct {
	Kind Kind
	// KindRR fields.
	Name    string
	Type    uint16
	Data    string
	Section Section
	// KindClient fields.
	Client string
	Domain string
	// Time is the event time of the observation; it must not be zero.
	Time time.Time
}

// Add records one fact. It folds the fact into the pending aggregate. It
// flushes before adding when the fact's time is FlushEvery or more after the
// first fact of the pending window, and after adding when MaxPending distinct
// keys are pending.
// Adding a fact whose key is already pending does not allocate. A flush error
// is returned; the facts of the failed flush stay pending and are retried.
func (db *DB) Add(f Fact) error {
	if err := validate(&f); err != nil {
		return err
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return ErrClosed
	}
	if db.pend.len() > 0 && !f.Time.Before(db.pend.windowEnd) {
		if err := db.flushLocked(); err != nil {
			return err
		}
	}
	if db.pend.len() == 0 {
		db.pend.windowEnd = f.Time.Add(db.opts.FlushEvery)
	}
	if f.Time.After(db.maxSeen) {
		db.maxSeen = f.Time
	}
	sec := f.Time.Unix()
	if f.Kind == KindRR {
		db.pend.addRR(rrKey{name: f.Name, data: f.Data, typ: f.Type}, f.Section, sec)
	} else {
		db.pend.addClient(cdKey{client: f.Client, domain: f.Domain}, sec)
	}
	if db.pend.len() >= db.opts.MaxPending {
		return db.flushLocked()
	}
	return nil
}

func validate(f *Fact) error {
	if f.Time.IsZero() {
		return fmt.Errorf("%w: zero time", ErrInvalidFact)
	}
	switch f.Kind {
	case KindRR:
		if f.Name == "" {
			return fmt.Errorf("%w: empty name", ErrInvalidFact)
		}
		if len(f.Name) > MaxNameLen || len(f.Data) > MaxDataLen {
			return fmt.Errorf("%w: name of %d bytes or data of %d bytes over the limit", ErrInvalidFact, len(f.Name), len(f.Data))
		}
	case KindClient:
		if f.Client == "" || f.Domain == "" {
			return fmt.Errorf("%w: empty client or domain", ErrInvalidFact)
		}
		if len(f.Client) > MaxNameLen || len(f.Domain) > MaxNameLen {
			return fmt.Errorf("%w: client or domain over %d bytes", ErrInvalidFact, MaxNameLen)
		}
	default:
		return fmt.Errorf("%w: unknown kind %d", ErrInvalidFact, f.Kind)
	}
	return nil
}

// Flush writes the pending facts in one transaction.
func (db *DB) Flush() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return ErrClosed
	}
	return db.flushLocked()
}

// Pending returns the number of distinct keys waiting for the next flush.
func (db *DB) Pending() int {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.pend.len()
}
