package dnstap

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	dt "github.com/dnstap/golang-dnstap"
	framestream "github.com/farsightsec/golang-framestream"
	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

// running is a Listener whose Run goroutine the test controls.
type running struct {
	l    *Listener
	sink *sink
	stop func() error // cancels Run and returns its result
}

// start listens with cfg and runs the Listener until the test ends.
func start(t *testing.T, cfg Config) *running {
	t.Helper()
	l, err := Listen(cfg, testOpts(""))
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := newSink()
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx, s.out()) }()
	var once sync.Once
	var runErr error
	r := &running{l: l, sink: s, stop: func() error {
		once.Do(func() {
			cancel()
			runErr = <-done
		})
		return runErr
	}}
	t.Cleanup(func() {
		if err := r.stop(); err != nil {
			t.Errorf("Run = %v", err)
		}
	})
	return r
}

// unixConfig returns a configuration listening on a socket in a new
// temporary folder.
func unixConfig(t *testing.T) Config {
	cfg := DefaultConfig()
	cfg.Socket = filepath.Join(t.TempDir(), "dnstap.sock")
	return cfg
}

// dial connects to the Listener's first address.
func (r *running) dial(t *testing.T) net.Conn {
	t.Helper()
	a := r.l.Addrs()[0]
	c, err := net.Dial(a.Network(), a.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// writer opens a bidirectional Frame Streams writer, as BIND and unbound
// connect.
func writer(t *testing.T, c net.Conn) *framestream.Writer {
	t.Helper()
	w, err := framestream.NewWriter(c, &framestream.WriterOptions{
		ContentTypes: [][]byte{[]byte(ContentType)}, Bidirectional: true, Timeout: 30 * time.Second,
	})
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	return w
}

func send(t *testing.T, w *framestream.Writer, frames [][]byte) {
	t.Helper()
	for _, f := range frames {
		if _, err := w.WriteFrame(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
}

// fileEvents decodes a Frame Streams file and prints its events.
func fileEvents(t *testing.T, raw []byte) []string {
	t.Helper()
	d, err := New(bytes.NewReader(raw), testOpts("file"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	var ev event.Event
	for {
		err := d.Next(&ev)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, dump(&ev))
	}
}

// count returns the value of the named counter.
func count(s input.Counter, name string) int64 {
	for _, c := range s.Counts() {
		if c.Name == name {
			return c.Value
		}
	}
	return -1
}

// only returns the events of the one connection that sent any.
func only(t *testing.T, s *sink) (string, []string) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.events) != 1 {
		t.Fatalf("events from %d connections, want 1", len(s.events))
	}
	for name, evs := range s.events {
		return name, evs
	}
	return "", nil
}

// TestListenerBidirectional sends the corp lab's frames over a unix socket
// and over TCP with golang-framestream's bidirectional Writer: every frame
// arrives as the event the file decoder gives, in order, and Close (STOP)
// is answered with FINISH.
func TestListenerBidirectional(t *testing.T) {
	raw := labFile(t, "corp")
	want := fileEvents(t, raw)
	frames := dataFrames(t, raw)
	tests := []struct {
		name   string
		cfg    func(t *testing.T) Config
		prefix string
	}{
		{"unix", unixConfig, "unix:"},
		{"tcp", func(*testing.T) Config {
			cfg := DefaultConfig()
			cfg.TCP = "127.0.0.1:0"
			return cfg
		}, "tcp:127.0.0.1:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := start(t, tc.cfg(t))
			w := writer(t, r.dial(t))
			send(t, w, frames)
			if err := w.Close(); err != nil {
				t.Fatalf("Close (STOP, then FINISH expected): %v", err)
			}
			r.sink.waitFor(t, "the connection to close", func(s *sink) bool { return s.closed == 1 })
			name, got := only(t, r.sink)
			if !strings.HasPrefix(name, tc.prefix) || !strings.HasSuffix(name, "#1") {
				t.Errorf("connection name = %q, want %s...#1", name, tc.prefix)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("events (-file +socket):\n%s", diff)
			}
			for counter, v := range map[string]int64{"connections accepted": 1, "connections active": 0, "data frames": 2016,
				"client queries": 879, "resolver responses": 117, "bad frames": 0, "protocol violations": 0} {
				if got := count(r.l, counter); got != v {
					t.Errorf("%s = %d, want %d", counter, got, v)
				}
			}
			if got := count(r.l, "bytes received"); got < int64(len(raw)) {
				t.Errorf("bytes received = %d, want at least %d", got, len(raw))
			}
		})
	}
}

// TestListenerUnidirectional writes a dnstap file as is into the socket, as
// `socat` or fstrm_capture's senders do without READY: it is accepted.
func TestListenerUnidirectional(t *testing.T) {
	raw := labFile(t, "bypass")
	r := start(t, unixConfig(t))
	c := r.dial(t)
	if _, err := c.Write(raw); err != nil {
		t.Fatal(err)
	}
	r.sink.waitFor(t, "the connection to close", func(s *sink) bool { return s.closed == 1 })
	_, got := only(t, r.sink)
	if diff := cmp.Diff(fileEvents(t, raw), got); diff != "" {
		t.Errorf("events (-file +socket):\n%s", diff)
	}
	// No FINISH for a unidirectional sender: the server just closes.
	if b, _ := io.ReadAll(c); len(b) != 0 {
		t.Errorf("server wrote %d bytes to a unidirectional sender", len(b))
	}
}

// TestListenerSockOutput sends through golang-dnstap's
// FrameStreamSockOutput, the Go dnstap library's own socket sender.
func TestListenerSockOutput(t *testing.T) {
	raw := labFile(t, "corp")
	r := start(t, unixConfig(t))
	o, err := dt.NewFrameStreamSockOutput(r.l.Addrs()[0])
	if err != nil {
		t.Fatal(err)
	}
	o.SetTimeout(30 * time.Second)
	go o.RunOutputLoop()
	for _, f := range dataFrames(t, raw) {
		o.GetOutputChannel() <- f
	}
	o.Close()
	r.sink.waitFor(t, "the connection to close", func(s *sink) bool { return s.closed == 1 })
	_, got := only(t, r.sink)
	if diff := cmp.Diff(fileEvents(t, raw), got); diff != "" {
		t.Errorf("events (-file +socket):\n%s", diff)
	}
}

// TestListenerConcurrent runs two clients at once, each on its own Fork.
func TestListenerConcurrent(t *testing.T) {
	labs := []string{"corp", "bypass"}
	r := start(t, unixConfig(t))
	var wg sync.WaitGroup
	want := map[string][]string{}
	for _, lab := range labs {
		raw := labFile(t, lab)
		want[lab] = fileEvents(t, raw)
		frames := dataFrames(t, raw)
		w := writer(t, r.dial(t))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, f := range frames {
				if _, err := w.WriteFrame(f); err != nil {
					t.Error(err)
					return
				}
			}
			if err := w.Close(); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	r.sink.waitFor(t, "both connections to close", func(s *sink) bool { return s.closed == 2 })
	r.sink.mu.Lock()
	defer r.sink.mu.Unlock()
	if r.sink.forks != 2 || len(r.sink.events) != 2 {
		t.Fatalf("%d forks, events from %d connections; want 2 and 2", r.sink.forks, len(r.sink.events))
	}
	for name, got := range r.sink.events {
		lab := "bypass"
		if len(got) == len(want["corp"]) {
			lab = "corp"
		}
		if diff := cmp.Diff(want[lab], got); diff != "" {
			t.Errorf("%s (%s) events (-file +socket):\n%s", name, lab, diff)
		}
	}
}

// TestListenerFlushWhenIdle checks that events reach the pipeline while the
// sender stays connected and silent: the Out is flushed before a read that
// may block.
func TestListenerFlushWhenIdle(t *testing.T) {
	frames := labFrames(t, dt.Message_CLIENT_QUERY)[:3]
	r := start(t, unixConfig(t))
	w := writer(t, r.dial(t))
	send(t, w, frames)
	r.sink.waitFor(t, "3 flushed events from an idle connection", func(s *sink) bool { return s.total() == 3 })
	r.sink.mu.Lock()
	defer r.sink.mu.Unlock()
	if r.sink.closed != 0 {
		t.Errorf("connection closed early")
	}
}

// TestListenerBadFrames sends damaged data frames, one longer than the read
// buffer: each is a RecordError naming the connection and the frame number,
// and the connection goes on.
func TestListenerBadFrames(t *testing.T) {
	good := labFrames(t, dt.Message_CLIENT_QUERY)[:2]
	badDNS := msgSpec{typ: dt.Message_CLIENT_QUERY, qtime: t0, rawPayload: []byte{1, 2, 3}}.build(t)
	r := start(t, unixConfig(t))
	w := writer(t, r.dial(t))
	longDNS := msgSpec{typ: dt.Message_CLIENT_QUERY, qtime: t0, rawPayload: make([]byte, 100_000)}.build(t) // read past the 64 KiB buffer
	send(t, w, [][]byte{good[0], {0xff, 0xff, 0xff}, badDNS, longDNS, good[1]})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r.sink.waitFor(t, "the connection to close", func(s *sink) bool { return s.closed == 1 })
	name, evs := only(t, r.sink)
	if len(evs) != 2 {
		t.Errorf("got %d events, want 2", len(evs))
	}
	var got []string
	for _, e := range r.sink.errs {
		if e.File != name {
			t.Errorf("error names %q, want the connection %q", e.File, name)
		}
		got = append(got, e.Reason+" / "+strings.SplitN(e.Err.Error(), ":", 2)[0])
	}
	want := []string{"bad protobuf / frame 2", "malformed dns message / frame 3", "malformed dns message / frame 4"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if n := count(r.l, "bad frames"); n != 3 {
		t.Errorf("bad frames = %d, want 3", n)
	}
}

// TestListenerCut checks a client that disconnects in the middle of a frame:
// the complete frames give events, the cut one a "truncated frame" error,
// and the listener serves the next client.
func TestListenerCut(t *testing.T) {
	raw := labFile(t, "corp")
	frames := dataFrames(t, raw)[:10]
	r := start(t, unixConfig(t))
	c := r.dial(t)
	in := stream(ContentType, false, frames...)
	if _, err := c.Write(in[:len(in)-7]); err != nil {
		t.Fatal(err)
	}
	c.Close()
	r.sink.waitFor(t, "the cut connection to close", func(s *sink) bool { return s.closed == 1 })
	_, evs := only(t, r.sink)
	if len(evs) != 9 || len(r.sink.errs) != 1 || r.sink.errs[0].Reason != "truncated frame" ||
		!strings.HasPrefix(r.sink.errs[0].Err.Error(), "frame 10: ") {
		t.Fatalf("got %d events and errors %v; want 9 events and frame 10 truncated", len(evs), r.sink.errs)
	}
	w := writer(t, r.dial(t))
	send(t, w, frames)
	if err := w.Close(); err != nil {
		t.Fatalf("next client: %v", err)
	}
	r.sink.waitFor(t, "the next connection to close", func(s *sink) bool { return s.closed == 2 && s.total() == 19 })
}

// TestListenerViolations sends what is not Frame Streams dnstap: each
// connection is closed by the server, counted and reported, and the
// listener goes on.
func TestListenerViolations(t *testing.T) {
	ready := func(ct string) []byte {
		b := stream(ct, false)
		binary.BigEndian.PutUint32(b[8:], framestream.CONTROL_READY)
		return b
	}
	good := labFrames(t, dt.Message_CLIENT_QUERY)[0]
	tests := []struct {
		name   string
		in     []byte
		events int
	}{
		{"http request", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 0},
		{"other content type in START", stream("protobuf:other.Type", false), 0},
		{"other content type in READY", ready("protobuf:other.Type"), 0},
		{"data frame first", []byte{0, 0, 0, 3, 1, 2, 3}, 0},
		{"control frame too long", []byte{0, 0, 0, 0, 0, 0, 2, 1, 0, 0, 0, 2}, 0},
		{"READY inside the stream", append(stream(ContentType, false, good), ready(ContentType)...), 1},
		{"data frame over 256 KiB", append(stream(ContentType, false, good), 0, 0x10, 0, 0, 1, 2, 3), 1},
	}
	r := start(t, unixConfig(t))
	events := 0
	for i, tc := range tests {
		events += tc.events
		t.Run(tc.name, func(t *testing.T) {
			c := r.dial(t)
			if _, err := c.Write(tc.in); err != nil {
				t.Fatal(err)
			}
			// The server closes the connection; a READY may get nothing
			// else first.
			_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
			if _, err := io.ReadAll(c); err != nil {
				t.Fatalf("read until the server closes: %v", err)
			}
			r.sink.waitFor(t, "the connection to close", func(s *sink) bool { return s.closed == i+1 })
			if n := count(r.l, "protocol violations"); n != int64(i+1) {
				t.Errorf("protocol violations = %d, want %d", n, i+1)
			}
			r.sink.mu.Lock()
			defer r.sink.mu.Unlock()
			last := r.sink.errs[len(r.sink.errs)-1]
			if last.Reason != "protocol violation" || !strings.HasPrefix(last.File, "unix:") {
				t.Errorf("last error = %v, want a protocol violation naming the connection", last)
			}
			if got := r.sink.total(); got != events {
				t.Errorf("%d events in all, want %d", got, events)
			}
		})
	}
}

// TestListenerHandshakeTimeout checks that a client that connects and says
// nothing is closed after handshake_timeout.
func TestListenerHandshakeTimeout(t *testing.T) {
	cfg := unixConfig(t)
	cfg.HandshakeTimeout = 50 * time.Millisecond
	r := start(t, cfg)
	c := r.dial(t)
	if b, err := io.ReadAll(c); err != nil || len(b) != 0 {
		t.Fatalf("read = %q, %v; want the server to close", b, err)
	}
	r.sink.waitFor(t, "the connection to close", func(s *sink) bool { return s.closed == 1 })
	if n := count(r.l, "protocol violations"); n != 1 {
		t.Errorf("protocol violations = %d, want 1", n)
	}
}

// TestListenerCap checks max_connections: a connection beyond it is closed at
// once and counted as refused; once a slot frees, the next one is served.
func TestListenerCap(t *testing.T) {
	cfg := unixConfig(t)
	cfg.MaxConnections = 1
	r := start(t, cfg)
	w := writer(t, r.dial(t)) // holds the only slot
	extra := r.dial(t)
	if b, err := io.ReadAll(extra); err != nil || len(b) != 0 {
		t.Fatalf("refused connection read = %q, %v; want it closed", b, err)
	}
	if n := count(r.l, "connections refused"); n != 1 {
		t.Errorf("connections refused = %d, want 1", n)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r.sink.waitFor(t, "the first connection to close", func(s *sink) bool { return s.closed == 1 })
	w = writer(t, r.dial(t))
	send(t, w, labFrames(t, dt.Message_CLIENT_QUERY)[:1])
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r.sink.waitFor(t, "the event of the next connection", func(s *sink) bool { return s.total() == 1 })
	if n := count(r.l, "connections accepted"); n != 2 {
		t.Errorf("connections accepted = %d, want 2", n)
	}
}

// TestListenerShutdown cancels Run while a bidirectional sender is
// connected: Run returns nil, the sender receives FINISH, and the socket
// file is gone.
func TestListenerShutdown(t *testing.T) {
	cfg := unixConfig(t)
	r := start(t, cfg)
	c := r.dial(t)
	w := writer(t, c)
	send(t, w, labFrames(t, dt.Message_CLIENT_QUERY)[:5])
	r.sink.waitFor(t, "the events", func(s *sink) bool { return s.total() == 5 })
	if err := r.stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	var cf framestream.ControlFrame
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	if err := cf.DecodeEscape(c); err != nil || cf.ControlType != framestream.CONTROL_FINISH {
		t.Errorf("after shutdown the sender read %+v, %v; want FINISH", cf, err)
	}
	if _, err := os.Lstat(cfg.Socket); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("socket file after Run: %v", err)
	}
	if r.sink.forks != r.sink.closed {
		t.Errorf("%d forks, %d closed", r.sink.forks, r.sink.closed)
	}
}

// TestListenSocketFile checks the socket file: its mode, a stale one
// removed, and a live socket or a regular file left alone.
func TestListenSocketFile(t *testing.T) {
	t.Run("mode", func(t *testing.T) {
		for _, mode := range []fs.FileMode{0o660, 0o600} {
			cfg := unixConfig(t)
			cfg.SocketMode = mode
			l, err := Listen(cfg, testOpts(""))
			if err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(cfg.Socket)
			if err != nil || fi.Mode()&fs.ModeSocket == 0 || fi.Mode().Perm() != mode {
				t.Errorf("socket file = %v, %v; want a socket with mode %v", fi.Mode(), err, mode)
			}
			l.Close()
		}
	})
	t.Run("stale socket removed", func(t *testing.T) {
		cfg := unixConfig(t)
		old, err := net.ListenUnix("unix", &net.UnixAddr{Name: cfg.Socket, Net: "unix"})
		if err != nil {
			t.Fatal(err)
		}
		old.SetUnlinkOnClose(false)
		old.Close()
		l, err := Listen(cfg, testOpts(""))
		if err != nil {
			t.Fatalf("Listen over a stale socket: %v", err)
		}
		l.Close()
	})
	t.Run("live socket kept", func(t *testing.T) {
		cfg := unixConfig(t)
		live, err := net.Listen("unix", cfg.Socket)
		if err != nil {
			t.Fatal(err)
		}
		defer live.Close()
		if _, err := Listen(cfg, testOpts("")); err == nil || !strings.Contains(err.Error(), "another process") {
			t.Errorf("Listen over a live socket = %v", err)
		}
	})
	t.Run("regular file kept", func(t *testing.T) {
		cfg := unixConfig(t)
		if err := os.WriteFile(cfg.Socket, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Listen(cfg, testOpts("")); err == nil {
			t.Error("Listen over a regular file succeeded")
		}
		if _, err := os.Stat(cfg.Socket); err != nil {
			t.Errorf("regular file removed: %v", err)
		}
	})
}

// TestListenerName checks the source's name.
func TestListenerName(t *testing.T) {
	cfg := unixConfig(t)
	l, err := Listen(cfg, testOpts(""))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if want := "dnstap unix:" + cfg.Socket; l.Name() != want {
		t.Errorf("Name = %q, want %q", l.Name(), want)
	}
}
