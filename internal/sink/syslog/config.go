package syslog

import (
	"strings"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/config"
)

// Message forms.
const (
	// MessageSummary sends the alert's one-line summary as MSG.
	MessageSummary = "summary"
	// MessageJSON sends the alert as the JSON object package jsonl writes.
	MessageJSON = "json"
)

// Defaults.
const (
	DefaultNetwork         = "udp"
	DefaultAppName         = "dnsvigil"
	DefaultFacility        = "local0"
	DefaultMessage         = MessageSummary
	DefaultSDID            = "dnsvigil@32473"
	DefaultMaxMessageBytes = 8192
	DefaultDialTimeout     = 5 * time.Second
	DefaultWriteTimeout    = 5 * time.Second
	DefaultRetries         = 3
	DefaultBackoffMin      = 100 * time.Millisecond
	DefaultBackoffMax      = 30 * time.Second
)

// Limits.
const (
	// MinMessageBytes is the smallest max_message_bytes: RFC 5424 receivers
	// must accept 480 octets.
	MinMessageBytes = 480
	// MaxUDPMessageBytes is the largest message one UDP datagram carries.
	MaxUDPMessageBytes = 65507
	// MaxStreamMessageBytes bounds max_message_bytes on streams.
	MaxStreamMessageBytes = 1 << 20
	maxRetries            = 100
	maxHostname           = 255
	maxAppName            = 48
	maxSDName             = 32
)

// Config sets a syslog output. Zero values mean the defaults, except for
// Retries, where zero means none (DefaultConfig sets DefaultRetries).
type Config struct {
	// Network is udp (the default), tcp, unix (a stream socket) or
	// unixgram (a datagram socket such as /dev/log); udp4, udp6, tcp4 and
	// tcp6 pin the address family. Streams use octet-counting framing (RFC
	// 6587); datagrams carry one message each (RFC 5426).
	Network string `yaml:"network"`
	// Address is host:port for udp and tcp, a socket path for unix and
	// unixgram.
	Address string `yaml:"address"`
	// AppName is the APP-NAME field, 1 to 48 printable ASCII characters.
	AppName string `yaml:"app_name"`
	// Hostname is the HOSTNAME field; empty means os.Hostname, with
	// anything that is not printable ASCII replaced by '_'.
	Hostname string `yaml:"hostname"`
	// Facility is a facility name: kern, user, mail, daemon, auth, syslog,
	// lpr, news, uucp, cron, authpriv, ftp, ntp, audit, alert, clock or
	// local0 to local7 (the default is local0).
	Facility string `yaml:"facility"`
	// Message chooses MSG: "summary" (the alert's one-line summary, the
	// default) or "json" (the whole alert as JSON, as the jsonl output
	// writes it).
	Message string `yaml:"message"`
	// SDID is the SD-ID of the structured-data element, name@enterprise-
	// number; the default uses 32473, the number RFC 5612 sets aside for
	// documentation, as software without its own number does.
	SDID string `yaml:"sd_id"`
	// MaxMessageBytes caps one message (without the stream's length
	// prefix). A longer one is cut at the end of MSG, on a character
	// boundary, and counted; a JSON MSG is then no longer valid JSON.
	MaxMessageBytes int `yaml:"max_message_bytes"`
	// DialTimeout bounds a connection attempt, WriteTimeout one write.
	DialTimeout  time.Duration `yaml:"dial_timeout"`
	WriteTimeout time.Duration `yaml:"write_timeout"`
	// Retries is how many more times a message is sent after a failed
	// attempt, reconnecting first; BackoffMin and BackoffMax bound the
	// exponential wait (with jitter) before a reconnect.
	Retries    int           `yaml:"retries"`
	BackoffMin time.Duration `yaml:"backoff_min"`
	BackoffMax time.Duration `yaml:"backoff_max"`
}

// DefaultConfig returns the defaults. It has no address: the operator names
// the collector.
func DefaultConfig() Config {
	return Config{
		Network: DefaultNetwork, AppName: DefaultAppName, Facility: DefaultFacility,
		Message: DefaultMessage, SDID: DefaultSDID, MaxMessageBytes: DefaultMaxMessageBytes,
		DialTimeout: DefaultDialTimeout, WriteTimeout: DefaultWriteTimeout,
		Retries: DefaultRetries, BackoffMin: DefaultBackoffMin, BackoffMax: DefaultBackoffMax,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	for _, s := range []struct{ v, def *string }{
		{&c.Network, &d.Network}, {&c.AppName, &d.AppName}, {&c.Facility, &d.Facility},
		{&c.Message, &d.Message}, {&c.SDID, &d.SDID},
	} {
		if *s.v == "" {
			*s.v = *s.def
		}
	}
	for _, t := range []struct{ v, def *time.Duration }{
		{&c.DialTimeout, &d.DialTimeout}, {&c.WriteTimeout, &d.WriteTimeout},
		{&c.BackoffMin, &d.BackoffMin}, {&c.BackoffMax, &d.BackoffMax},
	} {
		if *t.v == 0 {
			*t.v = *t.def
		}
	}
	if c.MaxMessageBytes == 0 {
		c.MaxMessageBytes = d.MaxMessageBytes
	}
	return c
}

// Validate reports every problem in c as a config.Problem whose path is
// relative to the syslog section ("address").
func (c Config) Validate() []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, config.Problemf(key, format, args...))
	}
	if c.Address == "" {
		bad("address", "must name the collector (host:port, or a socket path for unix)")
	}
	d := c.withDefaults()
	datagram := false
	switch d.Network {
	case "udp", "udp4", "udp6", "unixgram":
		datagram = true
	case "tcp", "tcp4", "tcp6", "unix":
	default:
		bad("network", "must be udp, tcp, unix or unixgram, got %q", c.Network)
	}
	if !printASCII(d.AppName, maxAppName) {
		bad("app_name", "must be 1 to %d printable ASCII characters, got %q", maxAppName, c.AppName)
	}
	if c.Hostname != "" && !printASCII(c.Hostname, maxHostname) {
		bad("hostname", "must be 1 to %d printable ASCII characters, got %q", maxHostname, c.Hostname)
	}
	if _, ok := facilities[d.Facility]; !ok {
		bad("facility", "must be a facility name such as local0 or daemon, got %q", c.Facility)
	}
	if d.Message != MessageSummary && d.Message != MessageJSON {
		bad("message", "must be summary or json, got %q", c.Message)
	}
	if !validSDID(d.SDID) {
		bad("sd_id", "must be name@number (1 to 32 printable ASCII characters, no space, =, ] or \"), got %q", c.SDID)
	}
	limit := MaxStreamMessageBytes
	if datagram {
		limit = MaxUDPMessageBytes
	}
	if d.MaxMessageBytes < MinMessageBytes || d.MaxMessageBytes > limit {
		bad("max_message_bytes", "must be between %d and %d for %s, got %d", MinMessageBytes, limit, d.Network, c.MaxMessageBytes)
	}
	for _, t := range []struct {
		key string
		v   time.Duration
	}{{"dial_timeout", c.DialTimeout}, {"write_timeout", c.WriteTimeout}, {"backoff_min", c.BackoffMin}, {"backoff_max", c.BackoffMax}} {
		if t.v < 0 {
			bad(t.key, "must not be negative, got %v", t.v)
		}
	}
	if d.BackoffMin > d.BackoffMax {
		bad("backoff_min", "must not be above backoff_max (%v), got %v", d.BackoffMax, d.BackoffMin)
	}
	if c.Retries < 0 || c.Retries > maxRetries {
		bad("retries", "must be between 0 and %d, got %d", maxRetries, c.Retries)
	}
	return errs
}

// printASCII reports whether s is 1 to max characters of PRINTUSASCII
// (33 to 126), as RFC 5424 header fields must be.
func printASCII(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 33 || s[i] > 126 {
			return false
		}
	}
	return true
}

// validSDID reports whether id is an SD-NAME "@" digits.
func validSDID(id string) bool {
	name, pen, ok := strings.Cut(id, "@")
	if !ok || !printASCII(id, maxSDName) || name == "" || pen == "" || strings.ContainsAny(name, `= ]"`) {
		return false
	}
	for i := 0; i < len(pen); i++ {
		if pen[i] < '0' || pen[i] > '9' {
			return false
		}
	}
	return true
}

// facilities maps facility names to their RFC 5424 codes.
var facilities = map[string]int{
	"kern": 0, "user": 1, "mail": 2, "daemon": 3, "auth": 4, "syslog": 5, "lpr": 6, "news": 7,
	"uucp": 8, "cron": 9, "authpriv": 10, "ftp": 11, "ntp": 12, "audit": 13, "alert": 14, "clock": 15,
	"local0": 16, "local1": 17, "local2": 18, "local3": 19, "local4": 20, "local5": 21, "local6": 22, "local7": 23,
}
