package store

import (
	"errors"
	"strings"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/detect"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

// Recorder fills a store from the event stream of a scan: every resource
// record of every DNS response (answers, NS and SOA of the authority
// section, and the additional section's glue), and for every query the
// client and the registrable domain it asked under. It runs beside the
// detectors (it implements detect.Detector and raises nothing) so that it
// sees the same events in the same event-time order.
//
// A write error stops recording; Err returns it after the run and the
// counts say how far it got.
type Recorder struct {
	db  *DB
	err error

	records, clients, skipped int64
}

// NewRecorder returns a recorder writing to db.
func NewRecorder(db *DB) *Recorder { return &Recorder{db: db} }

// Name implements detect.Detector.
func (r *Recorder) Name() string { return "store" }

// UsesRecords implements detect.RecordsUser: the store keeps records.
func (r *Recorder) UsesRecords() bool { return true }

// Observe implements detect.Detector.
func (r *Recorder) Observe(ev *event.Event, _ detect.Emit) {
	if r.err != nil || ev.Kind != event.KindDNS || ev.Time.IsZero() {
		return
	}
	if ev.DNS.HasQuery && ev.Enrich.Domain != "" {
		client := ev.Host.Name
		if client == "" {
			if a := ev.Client.Addr(); a.IsValid() {
				client = a.Unmap().String()
			}
		}
		if client != "" {
			r.add(Fact{Kind: KindClient, Client: client, Domain: ev.Enrich.Domain, Time: ev.Time}, &r.clients)
		}
	}
	if !ev.DNS.HasResponse {
		return
	}
	r.section(ev.DNS.Answers, SectionAnswer, ev.Time, false)
	r.section(ev.DNS.Authority, SectionAuthority, ev.Time, true)
	r.section(ev.DNS.Additional, SectionAdditional, ev.Time, false)
}

// section records the records of one section; in the authority section
// only NS and SOA records (the delegation), not DNSSEC proofs.
func (r *Recorder) section(rrs []event.RR, s Section, t time.Time, delegationOnly bool) {
	for i := range rrs {
		rr := &rrs[i]
		if rr.Data == "" || rr.Type == 41 { // OPT is not a record of the zone
			continue
		}
		if delegationOnly && rr.Type != event.TypeNS && rr.Type != event.TypeSOA {
			continue
		}
		data := rr.Data
		if rr.Type == event.TypeNS || rr.Type == event.TypeCNAME {
			data = strings.TrimSuffix(data, ".")
		}
		r.add(Fact{Kind: KindRR, Name: rr.Name, Type: rr.Type, Data: data, Section: s, Time: t}, &r.records)
	}
}

func (r *Recorder) add(f Fact, n *int64) {
	if r.err != nil {
		return
	}
	if err := r.db.Add(f); err != nil {
		if isInvalid(err) {
			r.skipped++ // an oversized or empty value: left out, counted
			return
		}
		r.err = err
		return
	}
	*n++
}

// Advance implements detect.Detector; flushing follows event time in Add.
func (r *Recorder) Advance(time.Time, detect.Emit) {}

// Flush implements detect.Detector: pending facts are written.
func (r *Recorder) Flush(detect.Emit) {
	if r.err == nil {
		r.err = r.db.Flush()
	}
}

// Err returns the write error that stopped recording, if any.
func (r *Recorder) Err() error { return r.err }

// Counts implements detect.Counter.
func (r *Recorder) Counts() []detect.Stat {
	return []detect.Stat{
		{Name: "records stored", Value: r.records},
		{Name: "client facts stored", Value: r.clients},
		{Name: "facts left out (invalid)", Value: r.skipped},
	}
}

var (
	_ detect.Detector    = (*Recorder)(nil)
	_ detect.Counter     = (*Recorder)(nil)
	_ detect.RecordsUser = (*Recorder)(nil)
)

func isInvalid(err error) bool { return errors.Is(err, ErrInvalidFact) }
