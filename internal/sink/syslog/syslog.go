// Package syslog sends alerts to a syslog collector as RFC 5424 messages,
// over UDP (RFC 5426, one message per datagram), TCP (RFC 6587 octet
// counting: "LEN SP MSG"), or a unix stream or datagram socket.
//
// A message looks like
//
//	<131>1 2026-03-14T09:36:53.589793Z sensor-1 dnsvigil 4242 DNSV-TUN-001 [dnsvigil@32473 rule="DNSV-TUN-001" severity="high" key="..." qname="..."] 412 distinct long names under one domain in 5m
//
// PRI is the configured facility and the alert severity (Severity), the
// timestamp is the alert's time, MSGID its rule, and the structured-data
// element carries rule, severity, key, technique, host, client, server and
// qname when set. MSG is the alert's summary or, with message: json, the
// alert as the JSON object of the jsonl output.
//
// Names in alerts are chosen by attackers, and a newline in one must not end
// the message and start a forged one on a receiver that splits on newlines.
// Every alert string is therefore written with its control and invisible
// characters as Go escapes (`\n`, `\x1b`, `\u202e`), and qname in DNS
// presentation form (escape.Name); SD-PARAM values are then escaped for '"',
// '\' and ']'. No byte below 0x20 reaches the wire.
//
// On a stream, a lost connection is noticed before the next write where the
// system allows (the collector's close is read first) and the message is
// sent on a new connection after an exponential backoff with jitter; a
// message is tried 1+Retries times before Write returns an error. Write
// blocks while it waits, so the sink belongs behind a queue (package queue),
// whose Shutdown can Abort it.
package syslog

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/sink"
)

// ErrAborted is returned by Write after Abort.
var ErrAborted = errors.New("syslog output aborted")

// Sink is the syslog sink.Sink. Write and Close come from one goroutine;
// Abort and the counters may be called from any.
type Sink struct {
	cfg    Config
	stream bool
	enc    encoder
	frame  []byte

	ctx    context.Context
	cancel context.CancelFunc

	connMu sync.Mutex // guards conn against Abort
	conn   net.Conn

	failures int // consecutive failed attempts
	nextDial time.Time
	dialed   bool
	closed   bool

	sent       atomic.Int64
	reconnects atomic.Int64
	truncated  atomic.Int64
}

var _ sink.Sink = (*Sink)(nil)

// New returns a Sink for cfg. It connects on the first Write, so a collector
// that is down at start delays alerts rather than the start.
func New(cfg Config) (*Sink, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("syslog output: %w", errors.Join(errs...))
	}
	cfg = cfg.withDefaults()
	host := cfg.Hostname
	if host == "" {
		h, _ := os.Hostname()
		host = sanitizeHostname(h)
	}
	s := &Sink{
		cfg:    cfg,
		stream: cfg.Network == "tcp" || cfg.Network == "tcp4" || cfg.Network == "tcp6" || cfg.Network == "unix",
		enc: encoder{
			facility: facilities[cfg.Facility],
			hostname: host,
			appName:  cfg.AppName,
			procID:   strconv.Itoa(os.Getpid()),
			sdID:     cfg.SDID,
			json:     cfg.Message == MessageJSON,
			max:      cfg.MaxMessageBytes,
		},
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// Write sends a as one message, reconnecting and retrying as configured.
// It does not keep a.
func (s *Sink) Write(a *alert.Alert) error {
	if s.closed {
		return sink.ErrClosed
	}
	msg, cut, err := s.enc.encode(a)
	if err != nil {
		return fmt.Errorf("syslog alert %s: %w", a.RuleID, err)
	}
	if cut {
		s.truncated.Add(1)
	}
	frame := msg
	if s.stream {
		s.frame = append(strconv.AppendInt(s.frame[:0], int64(len(msg)), 10), ' ')
		s.frame = append(s.frame, msg...)
		frame = s.frame
	}
	var last error
	for range s.cfg.Retries + 1 {
		if s.ctx.Err() != nil {
			return s.errorf(ErrAborted)
		}
		if last = s.send(frame); last == nil {
			s.failures = 0
			s.sent.Add(1)
			return nil
		}
		s.failed()
	}
	if s.ctx.Err() != nil {
		return s.errorf(ErrAborted)
	}
	return s.errorf(fmt.Errorf("%d attempts failed: %w", s.cfg.Retries+1, last))
}

func (s *Sink) errorf(err error) error {
	return fmt.Errorf("syslog %s %s: %w", s.cfg.Network, s.cfg.Address, err)
}

// send writes one frame on the connection, connecting first when there is
// none (after the backoff) or when the collector closed it.
func (s *Sink) send(frame []byte) error {
	conn := s.current()
	if conn != nil && s.stream && !alive(conn) {
		s.drop()
		conn = nil
	}
	if conn == nil {
		var err error
		if conn, err = s.dial(); err != nil {
			return err
		}
	}
	if err := conn.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout)); err != nil {
		s.drop()
		return err
	}
	if _, err := conn.Write(frame); err != nil {
		s.drop()
		return err
	}
	return nil
}

func (s *Sink) current() net.Conn {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	return s.conn
}

// dial waits out the backoff and connects.
func (s *Sink) dial() (net.Conn, error) {
	if wait := time.Until(s.nextDial); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-s.ctx.Done():
			t.Stop()
			return nil, ErrAborted
		}
	}
	d := net.Dialer{Timeout: s.cfg.DialTimeout}
	conn, err := d.DialContext(s.ctx, s.cfg.Network, s.cfg.Address)
	if err != nil {
		return nil, err
	}
	if s.dialed {
		s.reconnects.Add(1)
	}
	s.dialed = true
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if s.ctx.Err() != nil { // aborted while dialling
		conn.Close()
		return nil, ErrAborted
	}
	s.conn = conn
	return conn, nil
}

// failed counts a failed attempt and sets when the next dial may start:
// BackoffMin doubled per consecutive failure up to BackoffMax, of which a
// random half is waited (equal jitter).
func (s *Sink) failed() {
	s.failures++
	d := s.cfg.BackoffMin
	for i := 1; i < s.failures && d < s.cfg.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, s.cfg.BackoffMax)
	s.nextDial = time.Now().Add(d/2 + rand.N(d/2+1))
}

// drop closes and forgets the connection.
func (s *Sink) drop() {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if s.conn != nil {
		s.conn.Close()
		s.conn = nil
	}
}

// Abort makes a Write in progress (waiting, dialling or writing) and every
// later one return ErrAborted. It is safe to call from any goroutine.
func (s *Sink) Abort() {
	s.cancel()
	s.drop()
}

// Close closes the connection. Write after Close returns sink.ErrClosed; a
// second Close does nothing.
func (s *Sink) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	s.cancel()
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if s.conn == nil {
		return nil
	}
	err := s.conn.Close()
	s.conn = nil
	if err != nil {
		return s.errorf(err)
	}
	return nil
}

// Sent returns how many messages were written.
func (s *Sink) Sent() int64 { return s.sent.Load() }

// Reconnects returns how many connections were made after the first.
func (s *Sink) Reconnects() int64 { return s.reconnects.Load() }

// Truncated returns how many messages were cut to max_message_bytes.
func (s *Sink) Truncated() int64 { return s.truncated.Load() }
