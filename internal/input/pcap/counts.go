package pcap

import (
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/input/dnswire"
)

// counters are the Decoder's running totals, reported by Counts.
type counters struct {
	packets          int64
	otherLinkType    int64
	notIP            int64
	notDNS           int64
	fragments        int64
	reassembled      int64
	fragsDropped     int64
	truncated        int64
	malformedPackets int64

	status       [3]int64 // indexed by dnswire.Status
	malformedDNS int64
	queries      int64
	responses    int64

	paired           int64
	unanswered       int64
	unsolicited      int64
	duplicateQueries int64
	pendingEvicted   int64

	tcpStreamsEvicted  int64
	tcpStreamsExpired  int64
	tcpRetransmissions int64
	tcpGaps            int64
	tcpOverflows       int64

	dotConnections  int64
	dotFlowsEvicted int64
	dotFlowsExpired int64
}

// Counts returns the decoder's counters (input.Counter). Names are stable
// short phrases; docs/inputs/pcap.md explains each.
func (d *Decoder) Counts() []input.Count {
	c := &d.cnt
	return []input.Count{
		{Name: "packets", Value: c.packets},
		{Name: "packets on another link type", Value: c.otherLinkType},
		{Name: "non-ip packets", Value: c.notIP},
		{Name: "non-dns packets", Value: c.notDNS},
		{Name: "ip fragments", Value: c.fragments},
		{Name: "ip datagrams reassembled", Value: c.reassembled},
		{Name: "ip fragments dropped", Value: c.fragsDropped},
		{Name: "truncated packets", Value: c.truncated},
		{Name: "malformed packets", Value: c.malformedPackets},
		{Name: "dns queries", Value: c.queries},
		{Name: "dns responses", Value: c.responses},
		{Name: "malformed dns", Value: c.malformedDNS},
		{Name: "dnsmessage fallbacks", Value: c.status[dnswire.StatusFallback]},
		{Name: "partially decoded dns", Value: c.status[dnswire.StatusPartial]},
		{Name: "dns records skipped", Value: d.parser.Skipped},
		{Name: "paired exchanges", Value: c.paired},
		{Name: "unanswered queries", Value: c.unanswered},
		{Name: "responses without query", Value: c.unsolicited},
		{Name: "repeated queries", Value: c.duplicateQueries},
		{Name: "pending queries evicted", Value: c.pendingEvicted},
		{Name: "tcp streams evicted", Value: c.tcpStreamsEvicted},
		{Name: "tcp streams expired", Value: c.tcpStreamsExpired},
		{Name: "tcp retransmitted segments", Value: c.tcpRetransmissions},
		{Name: "tcp gaps", Value: c.tcpGaps},
		{Name: "tcp stream overflows", Value: c.tcpOverflows},
		{Name: "dot connections", Value: c.dotConnections},
		{Name: "dot flows evicted", Value: c.dotFlowsEvicted},
		{Name: "dot flows expired", Value: c.dotFlowsExpired},
	}
}
