package syslog

import (
	"bytes"
	"errors"
	"flag"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/config"
	"github.com/dnsvigil/dnsvigil/internal/sink"
	"github.com/dnsvigil/dnsvigil/internal/sink/escape"
	"github.com/dnsvigil/dnsvigil/internal/sink/sinktest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// received is one message as a collector got it.
type received struct {
	conn int    // connection number on a stream, 0 for datagrams
	raw  []byte // the frame or datagram
}

// collector is a syslog server on loopback or a unix socket.
type collector struct {
	addr string
	got  chan received
	raw  bytes.Buffer // every byte read on streams, for the newline check
	mu   sync.Mutex
	ln   net.Listener
	pc   net.PacketConn
	wg   sync.WaitGroup

	connMu sync.Mutex
	conns  []net.Conn
}

func newCollector(t *testing.T, network string) *collector {
	t.Helper()
	c := &collector{got: make(chan received, 1000)}
	address := "127.0.0.1:0"
	if strings.HasPrefix(network, "unix") {
		address = filepath.Join(t.TempDir(), "s.sock")
	}
	switch network {
	case "udp", "unixgram":
		pc, err := net.ListenPacket(network, address)
		if err != nil {
			t.Fatal(err)
		}
		c.pc, c.addr = pc, pc.LocalAddr().String()
		c.wg.Go(c.readPackets)
	default:
		ln, err := net.Listen(network, address)
		if err != nil {
			t.Fatal(err)
		}
		c.ln, c.addr = ln, ln.Addr().String()
		c.wg.Go(c.accept)
	}
	t.Cleanup(c.close)
	return c
}

func (c *collector) readPackets() {
	buf := make([]byte, 70000)
	for {
		n, _, err := c.pc.ReadFrom(buf)
		if err != nil {
			return
		}
		c.got <- received{raw: bytes.Clone(buf[:n])}
	}
}

func (c *collector) accept() {
	for i := 1; ; i++ {
		conn, err := c.ln.Accept()
		if err != nil {
			return
		}
		c.connMu.Lock()
		c.conns = append(c.conns, conn)
		c.connMu.Unlock()
		c.wg.Go(func() { c.readStream(i, conn) })
	}
}

func (c *collector) readStream(i int, conn net.Conn) {
	frames := make(chan string, 1000)
	pr, pw := net.Pipe()
	go func() {
		_ = readFrames(pr, frames)
		close(frames)
	}()
	go func() {
		for f := range frames {
			c.got <- received{conn: i, raw: []byte(f)}
		}
	}()
	buf := make([]byte, 4096)
	for {
		n, err := conn.Read(buf)
		if n > 0 {
			c.mu.Lock()
			c.raw.Write(buf[:n])
			c.mu.Unlock()
			_, _ = pw.Write(buf[:n])
		}
		if err != nil {
			pw.Close()
			return
		}
	}
}

// dropConns closes every accepted connection from the server side.
func (c *collector) dropConns() {
	c.connMu.Lock()
	defer c.connMu.Unlock()
	for _, conn := range c.conns {
		conn.Close()
	}
	c.conns = nil
}

func (c *collector) close() {
	if c.ln != nil {
		c.ln.Close()
	}
	if c.pc != nil {
		c.pc.Close()
	}
	c.dropConns()
	c.wg.Wait()
}

func (c *collector) next(t *testing.T) (received, message) {
	t.Helper()
	r := <-c.got
	m, err := parse5424(string(r.raw))
	if err != nil {
		t.Fatalf("collector got an invalid message: %v\n%q", err, r.raw)
	}
	return r, m
}

func newSink(t *testing.T, cfg Config) *Sink {
	t.Helper()
	if cfg.Hostname == "" {
		cfg.Hostname = "sensor-1"
	}
	if cfg.BackoffMin == 0 {
		cfg.BackoffMin, cfg.BackoffMax = time.Millisecond, 4*time.Millisecond
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// forged is a qname an attacker sends to end the message and start a
// second one of their own on a collector that splits on newlines.
const forged = "x.evil.example\n<13>1 2026-01-01T00:00:00Z dc01 sshd - - - Accepted password for root\n"

func hostileAlert() *alert.Alert {
	return &alert.Alert{
		Key:      alert.MakeKey("DNSV-TUN-001", "10.1.2.3", forged),
		RuleID:   "DNSV-TUN-001",
		Severity: alert.SeverityHigh,
		Time:     sinktest.T0,
		Summary:  "tunnel to " + forged + " ]\"\\ \x00\u202e",
		Host:     "wks\r\n<13>1 - forged",
		Client:   netip.MustParseAddr("10.1.2.3"),
		QName:    forged,
	}
}

// TestNoInjection sends a benign, a hostile and a benign alert over each
// transport and checks that the collector gets exactly three valid
// messages, that nothing on the wire holds a newline or other control
// byte, and that the hostile strings arrive escaped.
func TestNoInjection(t *testing.T) {
	for _, network := range []string{"udp", "tcp", "unix", "unixgram"} {
		t.Run(network, func(t *testing.T) {
			c := newCollector(t, network)
			s := newSink(t, Config{Network: network, Address: c.addr})
			benign := sinktest.Alerts()[0]
			for _, a := range []*alert.Alert{benign, hostileAlert(), benign} {
				if err := s.Write(a); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			var msgs []message
			for range 3 {
				r, m := c.next(t)
				for _, b := range r.raw {
					if b < 0x20 || b == 0x7f {
						t.Fatalf("control byte %#x on the wire: %q", b, r.raw)
					}
				}
				msgs = append(msgs, m)
			}
			c.close()
			if extra := len(c.got); extra != 0 {
				t.Fatalf("collector got %d more messages", extra)
			}
			if bytes.ContainsAny(c.raw.Bytes(), "\n\r\x00") {
				t.Errorf("stream holds a raw newline, carriage return or NUL")
			}
			h := hostileAlert()
			m := msgs[1]
			want := map[string]string{
				"rule": "DNSV-TUN-001", "severity": "high", "key": string(appendText(nil, h.Key)),
				"host": `wks\r\n<13>1 - forged`, "client": "10.1.2.3", "qname": escape.Name(forged),
			}
			if diff := cmp.Diff(want, m.Params); diff != "" {
				t.Errorf("structured data (-want +got):\n%s", diff)
			}
			if wantMsg := `tunnel to x.evil.example\n<13>1 2026-01-01T00:00:00Z dc01 sshd - - - Accepted password for root\n ]"\ \x00\u202e`; m.Msg != wantMsg {
				t.Errorf("MSG = %q, want %q", m.Msg, wantMsg)
			}
			if !strings.Contains(m.Params["qname"], `\010<13>1`) {
				t.Errorf("qname %q does not show the newline as \\010", m.Params["qname"])
			}
			if m.PRI != 16*8+3 || m.MsgID != "DNSV-TUN-001" || m.Hostname != "sensor-1" || m.AppName != "dnsvigil" {
				t.Errorf("header %+v", m)
			}
			// A collector that splits on newlines sees one message per frame too.
			for _, m := range msgs {
				if n := strings.Count(m.Msg, "\n"); n != 0 {
					t.Errorf("MSG holds %d newlines", n)
				}
			}
		})
	}
}

// TestGolden checks the fixture alerts, hostile ones included, as summary
// and JSON messages.
func TestGolden(t *testing.T) {
	for _, form := range []string{MessageSummary, MessageJSON} {
		t.Run(form, func(t *testing.T) {
			e := encoder{facility: 16, hostname: "sensor-1", appName: "dnsvigil", procID: "4242",
				sdID: DefaultSDID, json: form == MessageJSON, max: DefaultMaxMessageBytes}
			var got bytes.Buffer
			for _, a := range append(sinktest.Alerts(), hostileAlert()) {
				msg, _, err := e.encode(a)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := parse5424(string(msg)); err != nil {
					t.Fatalf("%v in %q", err, msg)
				}
				got.Write(msg)
				got.WriteByte('\n')
			}
			path := filepath.Join("testdata", "messages."+form+".golden")
			if *update {
				if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got.String()); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTruncation(t *testing.T) {
	c := newCollector(t, "udp")
	s := newSink(t, Config{Address: c.addr, MaxMessageBytes: MinMessageBytes})
	a := sinktest.Alerts()[0]
	a.Summary = strings.Repeat("é", 400)
	if err := s.Write(a); err != nil {
		t.Fatal(err)
	}
	r, m := c.next(t)
	if len(r.raw) > MinMessageBytes || len(r.raw) < MinMessageBytes-1 {
		t.Errorf("message of %d bytes, want %d (or one less to end on a character)", len(r.raw), MinMessageBytes)
	}
	if !strings.HasPrefix(a.Summary, m.Msg) || m.Params["rule"] != a.RuleID {
		t.Errorf("cut message %+v", m)
	}
	if s.Truncated() != 1 || s.Sent() != 1 {
		t.Errorf("truncated %d, sent %d, want 1 and 1", s.Truncated(), s.Sent())
	}
}

// TestReconnect drops the collector's side of the TCP connection and checks
// that later messages arrive on a new connection.
func TestReconnect(t *testing.T) {
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			c := newCollector(t, network)
			s := newSink(t, Config{Network: network, Address: c.addr})
			a := sinktest.Alerts()[0]
			if err := s.Write(a); err != nil {
				t.Fatal(err)
			}
			if r, _ := c.next(t); r.conn != 1 {
				t.Fatalf("first message on connection %d", r.conn)
			}
			c.dropConns()
			// The close is seen before the next write on systems that can
			// peek; elsewhere one message may go to the closed connection,
			// so write until one arrives on a new one.
			for i := 0; ; i++ {
				if i == 20 {
					t.Fatal("no message on a new connection after 20 writes")
				}
				if err := s.Write(a); err != nil {
					t.Fatal(err)
				}
				if r, _ := c.next(t); r.conn == 2 {
					break
				}
			}
			if s.Reconnects() != 1 {
				t.Errorf("Reconnects = %d, want 1", s.Reconnects())
			}
		})
	}
}

func TestCollectorDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: every dial is refused
	s := newSink(t, Config{Network: "tcp", Address: addr, Retries: 2})
	if s.cfg.Retries != 2 {
		t.Fatalf("retries %d", s.cfg.Retries)
	}
	err = s.Write(sinktest.Alerts()[0])
	if err == nil || !strings.Contains(err.Error(), "3 attempts failed") || !strings.Contains(err.Error(), addr) {
		t.Fatalf("Write = %v, want 3 failed attempts naming the address", err)
	}

	s = newSink(t, Config{Network: "tcp", Address: addr, BackoffMin: time.Hour, BackoffMax: time.Hour})
	done := make(chan error, 1)
	go func() { done <- s.Write(sinktest.Alerts()[0]) }()
	s.Abort() // before, during or after the first refused dial; the hour's wait never ends it
	if err := <-done; !errors.Is(err, ErrAborted) {
		t.Errorf("Write during Abort = %v, want ErrAborted", err)
	}
	if err := s.Write(sinktest.Alerts()[0]); !errors.Is(err, ErrAborted) {
		t.Errorf("Write after Abort = %v, want ErrAborted", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(sinktest.Alerts()[0]); !errors.Is(err, sink.ErrClosed) {
		t.Errorf("Write after Close = %v, want ErrClosed", err)
	}
}

func TestSeverity(t *testing.T) {
	got := map[alert.Severity]int{}
	for s := alert.SeverityInfo; s <= alert.SeverityCritical+1; s++ {
		got[s] = Severity(s)
	}
	want := map[alert.Severity]int{0: 6, 1: 5, 2: 4, 3: 3, 4: 2, 5: 6}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("severity map (-want +got):\n%s", diff)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"address only", Config{Address: "127.0.0.1:514"}, nil},
		{"all set", Config{Network: "unix", Address: "/dev/log", AppName: "dv", Hostname: "h", Facility: "auth",
			Message: "json", SDID: "x@1", MaxMessageBytes: 1 << 20, Retries: 0}, nil},
		{"no address", Config{}, []string{"address: must name the collector (host:port, or a socket path for unix)"}},
		{"bad names", Config{Address: "a:1", Network: "sctp", AppName: "my app", Hostname: "a\nb", Facility: "local9", Message: "xml", SDID: "dnsvigil"}, []string{
			`network: must be udp, tcp, unix or unixgram, got "sctp"`,
			`app_name: must be 1 to 48 printable ASCII characters, got "my app"`,
			`hostname: must be 1 to 255 printable ASCII characters, got "a\nb"`,
			`facility: must be a facility name such as local0 or daemon, got "local9"`,
			`message: must be summary or json, got "xml"`,
			`sd_id: must be name@number (1 to 32 printable ASCII characters, no space, =, ] or "), got "dnsvigil"`,
		}},
		{"udp message too big", Config{Address: "a:1", MaxMessageBytes: 70000}, []string{"max_message_bytes: must be between 480 and 65507 for udp, got 70000"}},
		{"numbers", Config{Address: "a:1", Retries: -1, DialTimeout: -1, BackoffMin: time.Minute, BackoffMax: time.Second}, []string{
			"dial_timeout: must not be negative, got -1ns",
			"backoff_min: must not be above backoff_max (1s), got 1m0s",
			"retries: must be between 0 and 100, got -1",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, err := range tc.cfg.Validate() {
				var p config.Problem
				if !errors.As(err, &p) {
					t.Errorf("%v is not a config.Problem", err)
				}
				got = append(got, err.Error())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := New(Config{}); err == nil {
		t.Error("New accepted a config without address")
	}
}
