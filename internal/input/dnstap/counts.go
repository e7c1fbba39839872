package dnstap

import (
	dt "github.com/dnstap/golang-dnstap"

	"github.com/dnsvigil/dnsvigil/internal/input"
)

// Slots of counters.
const (
	cFrames = iota
	cBytes
	cBad
	cNotMessage
	cNoPayload
	cQRMismatch
	cFallback
	cPartial
	cSkippedRecords
	// cTypes+t counts the events of message type t (1..14).
	cTypes
	nCounters = cTypes + int(dt.Message_UPDATE_RESPONSE) + 1
)

// counters are the counts of one decoding stream, kept in an array so that
// a connection can publish what changed since it last did in one loop.
type counters [nCounters]int64

// typeNames are the counter names of the message types, in enum order.
var typeNames = [...]string{
	dt.Message_AUTH_QUERY:         "auth queries",
	dt.Message_AUTH_RESPONSE:      "auth responses",
	dt.Message_RESOLVER_QUERY:     "resolver queries",
	dt.Message_RESOLVER_RESPONSE:  "resolver responses",
	dt.Message_CLIENT_QUERY:       "client queries",
	dt.Message_CLIENT_RESPONSE:    "client responses",
	dt.Message_FORWARDER_QUERY:    "forwarder queries",
	dt.Message_FORWARDER_RESPONSE: "forwarder responses",
	dt.Message_STUB_QUERY:         "stub queries",
	dt.Message_STUB_RESPONSE:      "stub responses",
	dt.Message_TOOL_QUERY:         "tool queries",
	dt.Message_TOOL_RESPONSE:      "tool responses",
	dt.Message_UPDATE_QUERY:       "update queries",
	dt.Message_UPDATE_RESPONSE:    "update responses",
}

// appendCounts appends the frame counters of c to out: the data frames, the
// events per message type and the frames that gave none.
func appendCounts(out []input.Count, c *counters) []input.Count {
	out = append(out, input.Count{Name: "data frames", Value: c[cFrames]})
	for t := dt.Message_AUTH_QUERY; t <= dt.Message_UPDATE_RESPONSE; t++ {
		out = append(out, input.Count{Name: typeNames[t], Value: c[cTypes+int(t)]})
	}
	return append(out,
		input.Count{Name: "bad frames", Value: c[cBad]},
		input.Count{Name: "non-message frames skipped", Value: c[cNotMessage]},
		input.Count{Name: "messages without dns payload", Value: c[cNoPayload]},
		input.Count{Name: "qr bit disagreeing with type", Value: c[cQRMismatch]},
		input.Count{Name: "dnsmessage fallbacks", Value: c[cFallback]},
		input.Count{Name: "partially decoded dns", Value: c[cPartial]},
		input.Count{Name: "dns records skipped", Value: c[cSkippedRecords]},
	)
}

// Counts reports the events per dnstap message type and the frames that gave
// none.
func (d *Decoder) Counts() []input.Count {
	d.m.c[cSkippedRecords] = d.m.parser.Skipped
	return appendCounts(make([]input.Count, 0, len(typeNames)+8), &d.m.c)
}
