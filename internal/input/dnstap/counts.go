package dnstap

import (
	dt "github.com/dnstap/golang-dnstap"

	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/input/dnswire"
)

type counters struct {
	frames, bad, notMessage, noPayload, qrMismatch int64
	// types counts the events per message type, indexed by its number.
	types  [dt.Message_UPDATE_RESPONSE + 1]int64
	status [3]int64 // indexed by dnswire.Status
}

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

// Counts reports the events per dnstap message type and the frames that gave
// none.
func (d *Decoder) Counts() []input.Count {
	out := make([]input.Count, 0, len(typeNames)+8)
	out = append(out, input.Count{Name: "data frames", Value: d.c.frames})
	for t := dt.Message_AUTH_QUERY; t <= dt.Message_UPDATE_RESPONSE; t++ {
		out = append(out, input.Count{Name: typeNames[t], Value: d.c.types[t]})
	}
	return append(out,
		input.Count{Name: "bad frames", Value: d.c.bad},
		input.Count{Name: "non-message frames skipped", Value: d.c.notMessage},
		input.Count{Name: "messages without dns payload", Value: d.c.noPayload},
		input.Count{Name: "qr bit disagreeing with type", Value: d.c.qrMismatch},
		input.Count{Name: "dnsmessage fallbacks", Value: d.c.status[dnswire.StatusFallback]},
		input.Count{Name: "partially decoded dns", Value: d.c.status[dnswire.StatusPartial]},
		input.Count{Name: "dns records skipped", Value: d.parser.Skipped},
	)
}
