// Package windns decodes the logs a Windows DNS Server writes into
// normalized DNS events: the debug log (dns.log, written with "Log packets
// for debugging", one line per packet, optionally with a packet details
// block) and the analytical event log (channel
// Microsoft-Windows-DNSServer/Analytical) exported as event XML or JSON.
//
// On a Windows network the domain controllers usually are the resolvers,
// and their logs are the one place that shows which client asked for which
// name: a tunnel or a beacon seen there carries the real client address.
// Each client query becomes one event; the response the server sent back is
// paired into it (rcode, flags and, where the log holds them, the answers)
// in a bounded table of waiting queries, so detectors count one event per
// query. The server's own queries to forwarders and authoritative servers
// (recursion) are events too, with the server as client. The debug log's
// text path allocates nothing per line once warm.
package windns

import (
	"errors"
	"net/netip"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/input"
)

// Formats returns the three Windows DNS Server formats: the debug log and
// the analytical log as XML and as JSON. They must be tried before the
// Sysmon formats, whose sniffs accept any Windows event XML and JSON.
func Formats() []input.Format {
	return []input.Format{DebugFormat(), AnalyticXMLFormat(), AnalyticJSONFormat()}
}

// Config holds the settings specific to this package's decoders.
type Config struct {
	// DateOrder is how the debug log's dates are read: month first (the
	// default, en-US), day first or year first. Dates with four leading
	// digits are always year first and dotted dates day first.
	DateOrder DateOrder
	// Location is the time zone of the debug log's timestamps, which are
	// the server's local time without a zone. Nil means UTC. The analytical
	// log's times carry their zone and ignore it.
	Location *time.Location
	// Server is the DNS server's own address, which the debug log never
	// writes: when set it becomes the Server of client queries and the
	// Client of the server's own recursive queries. The analytical log
	// names the interface itself (InterfaceIP) and uses Server only when
	// that is unspecified.
	Server netip.Addr
}

// DefaultConfig returns the documented defaults: month-first dates, UTC,
// server address unknown.
func DefaultConfig() Config { return Config{DateOrder: DateMDY} }

// Validate reports settings that cannot be used.
func (c Config) Validate() error {
	if c.DateOrder > DateYMD {
		return errors.New("windns: date order must be mdy, dmy or ymd")
	}
	return nil
}

// Limits that keep one hostile record from holding much memory.
const (
	// maxRecords caps the resource records kept from one packet details
	// block (all sections together); the rest are counted and dropped.
	maxRecords = 256
	// maxRecordBytes caps the names and data of one record's resource
	// records.
	maxRecordBytes = 64 << 10
)

// settings are the input options every decoder reads, with defaults applied.
type settings struct {
	name       string
	lineLimit  int
	timeout    time.Duration
	maxPending int
	headerOnly bool
}

func newSettings(opts input.Options) settings {
	def := input.DefaultOptions()
	s := settings{name: opts.Name, lineLimit: opts.MaxLineBytes, timeout: opts.PairTimeout,
		maxPending: opts.MaxPending, headerOnly: opts.HeaderOnly}
	if s.lineLimit <= 0 {
		s.lineLimit = def.MaxLineBytes
	}
	if s.timeout <= 0 {
		s.timeout = def.PairTimeout
	}
	if s.maxPending <= 0 {
		s.maxPending = def.MaxPending
	}
	return s
}

// counts converts counter entries to input.Counts.
func counts(groups ...[]countEntry) []input.Count {
	var out []input.Count
	for _, g := range groups {
		for _, c := range g {
			out = append(out, input.Count{Name: c.name, Value: c.value})
		}
	}
	return out
}

// utc is the default location of debug log timestamps.
var utc = time.UTC
