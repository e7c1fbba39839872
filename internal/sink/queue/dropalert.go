package queue

import (
	"fmt"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
)

// The rule of the alerts a queue raises about itself.
const (
	// RuleID is the rule of drop alerts: a sink could not keep up and
	// alerts meant for it were dropped.
	RuleID = "DNSV-OPS-001"
	// RuleName is its name.
	RuleName = "Alert delivery dropped alerts"
)

// DropAlert returns an alert of rule DNSV-OPS-001 when alerts were dropped
// since the last call, and nil otherwise. Its key is the same for every
// report of one queue (alert.MakeKey(RuleID, name)), so a store or a latest
// sink keeps the newest; Time, FirstSeen and LastSeen are wall-clock times of
// the last and first drop of the report. Evidence: sink (the queue's name),
// dropped (since the last report), dropped_total, first_drop, last_drop,
// queue_size, and failed_total (inner Write errors so far).
//
// The alert is meant for the other sinks, and for this one once it has room
// again (Offer, as Fanout.ReportDrops does); nothing else holds it.
func (q *Queue) DropAlert() *alert.Alert {
	q.mu.Lock()
	n, first, last := q.unrep, q.firstDrop, q.lastDrop
	q.unrep, q.firstDrop, q.lastDrop = 0, time.Time{}, time.Time{}
	total := q.dropped.Load()
	q.mu.Unlock()
	if n == 0 {
		return nil
	}
	return &alert.Alert{
		Key:       alert.MakeKey(RuleID, q.name),
		RuleID:    RuleID,
		RuleName:  RuleName,
		Severity:  alert.SeverityMedium,
		Time:      last,
		FirstSeen: first,
		LastSeen:  last,
		Summary: fmt.Sprintf("alert delivery to %s dropped %d alerts (%d in all): its queue of %d was full or was closed with alerts in it",
			q.name, n, total, cap(q.ch)),
		Evidence: []alert.Field{
			{Name: "sink", Value: q.name},
			{Name: "dropped", Value: n},
			{Name: "dropped_total", Value: total},
			{Name: "first_drop", Value: first},
			{Name: "last_drop", Value: last},
			{Name: "queue_size", Value: cap(q.ch)},
			{Name: "failed_total", Value: q.failed.Load()},
		},
	}
}
