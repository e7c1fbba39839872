package dnstap

import (
	"io/fs"
	"net"
	"strings"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/config"
)

// Config is the configuration of a Listener. Problems reported by Validate
// carry key paths relative to the section the caller loads it from.
type Config struct {
	// Socket is the path of a unix socket to listen on, "" for none. A
	// stale socket file left at the path by an earlier run is removed; a
	// path where another process still listens, or that is not a socket,
	// is an error.
	Socket string `yaml:"socket"`
	// SocketMode is the permission of the socket file, in octal. The
	// resolver needs write permission to connect: run it in dnsvigil's
	// group or widen the mode. Default 0660.
	SocketMode fs.FileMode `yaml:"socket_mode"`
	// TCP is a host:port to listen on, "" for none.
	TCP string `yaml:"tcp"`
	// MaxConnections caps the connections served at once; a connection
	// beyond it is closed at once and counted as refused. Default 64.
	MaxConnections int `yaml:"max_connections"`
	// HandshakeTimeout bounds the wait for a new connection's READY or
	// START frame, and each write of ACCEPT and FINISH. Default 10s.
	HandshakeTimeout time.Duration `yaml:"handshake_timeout"`
}

// Limits enforced by Validate.
const (
	maxSocketPath     = 107 // sun_path holds 108 bytes with the final NUL
	maxConnectionsCap = 65536
	maxHandshake      = 5 * time.Minute
)

// DefaultConfig returns the documented defaults. It names no socket and no
// address: the caller sets at least one.
func DefaultConfig() Config {
	return Config{SocketMode: 0o660, MaxConnections: 64, HandshakeTimeout: 10 * time.Second}
}

// Validate reports every problem in c as a config.Problem.
func (c Config) Validate() []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, config.Problemf(key, format, args...))
	}
	if c.Socket == "" && c.TCP == "" {
		bad("", "must set socket, tcp or both")
	}
	if len(c.Socket) > maxSocketPath || strings.ContainsRune(c.Socket, 0) {
		bad("socket", "must be a path of at most %d bytes", maxSocketPath)
	}
	if c.SocketMode&^fs.ModePerm != 0 {
		bad("socket_mode", "must be a permission between 0 and 0777, got %#o", uint32(c.SocketMode))
	}
	if c.TCP != "" {
		if _, port, err := net.SplitHostPort(c.TCP); err != nil || !validPort(port) {
			bad("tcp", "must be host:port such as 127.0.0.1:6000, got %q", c.TCP)
		}
	}
	if c.MaxConnections < 1 || c.MaxConnections > maxConnectionsCap {
		bad("max_connections", "must be between 1 and %d, got %d", maxConnectionsCap, c.MaxConnections)
	}
	if c.HandshakeTimeout <= 0 || c.HandshakeTimeout > maxHandshake {
		bad("handshake_timeout", "must be positive and at most %v, got %v", maxHandshake, c.HandshakeTimeout)
	}
	return errs
}

func validPort(p string) bool {
	if p == "" || len(p) > 5 {
		return false
	}
	n := 0
	for _, r := range p {
		if r < '0' || r > '9' {
			return false
		}
		n = n*10 + int(r-'0')
	}
	return n <= 65535
}
