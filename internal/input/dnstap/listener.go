package dnstap

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/input"
)

var (
	_ input.Source  = (*Listener)(nil)
	_ input.Counter = (*Listener)(nil)
)

// Listener receives dnstap from resolvers that connect to it (BIND, Unbound,
// Knot Resolver, CoreDNS, PowerDNS, dnsdist): a unix socket, a TCP address or
// both, each connection one Frame Streams stream. It implements
// input.Source: Run serves each connection on its own goroutine, with its own
// Fork of the Out, until the context ends.
type Listener struct {
	cfg        Config
	name       string
	headerOnly bool
	lns        []listener
	closeOnce  sync.Once
	forkMu     sync.Mutex // Out.Fork is called from several accept loops
	nextID     atomic.Uint64

	accepted, refused, violations, active atomic.Int64
	frames                                [nCounters]atomic.Int64
}

// listener is one bound socket and the prefix of its connections' names.
type listener struct {
	ln     net.Listener
	prefix string // "unix:/run/dnstap.sock" or "tcp"
}

// Listen validates cfg and binds its socket and address, so that a resolver
// may connect as soon as it returns; connections wait in the kernel's
// backlog until Run accepts them. opts.Name names the source ("" gives
// "dnstap" and the addresses); opts.HeaderOnly skips DNS records. Call Run,
// or Close to release the sockets without running.
func Listen(cfg Config, opts input.Options) (*Listener, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("dnstap listener: %w", errors.Join(errs...))
	}
	l := &Listener{cfg: cfg, headerOnly: opts.HeaderOnly}
	if cfg.Socket != "" {
		ln, err := listenUnix(cfg.Socket, cfg.SocketMode)
		if err != nil {
			return nil, err
		}
		l.lns = append(l.lns, listener{ln: ln, prefix: "unix:" + cfg.Socket})
	}
	if cfg.TCP != "" {
		ln, err := net.Listen("tcp", cfg.TCP)
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("dnstap listener: %w", err)
		}
		l.lns = append(l.lns, listener{ln: ln, prefix: "tcp"})
	}
	l.name = opts.Name
	if l.name == "" {
		l.name = "dnstap " + strings.Join(l.addrNames(), " ")
	}
	return l, nil
}

// listenUnix removes a stale socket file at path, listens there and sets the
// file's mode.
func listenUnix(path string, mode fs.FileMode) (net.Listener, error) {
	if err := removeStale(path); err != nil {
		return nil, fmt.Errorf("dnstap listener: %w", err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("dnstap listener: %w", err)
	}
	if err := os.Chmod(path, mode); err != nil {
		ln.Close()
		return nil, fmt.Errorf("dnstap listener: %w", err)
	}
	return ln, nil
}

// removeStale removes the socket file at path left by a process that no
// longer listens on it. Anything else at the path is left alone and is an
// error.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case fi.Mode()&fs.ModeSocket == 0:
		return fmt.Errorf("%s exists and is not a socket", path)
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return fmt.Errorf("%s: another process is listening on it", path)
	}
	return os.Remove(path)
}

// Name returns the source's name: the name given to Listen, or "dnstap"
// and the addresses it listens on.
func (l *Listener) Name() string { return l.name }

// Addrs returns the addresses the Listener is bound to, the unix socket
// first; a TCP address shows the port chosen for port 0.
func (l *Listener) Addrs() []net.Addr {
	out := make([]net.Addr, len(l.lns))
	for i, x := range l.lns {
		out[i] = x.ln.Addr()
	}
	return out
}

func (l *Listener) addrNames() []string {
	var out []string
	for _, a := range l.Addrs() {
		out = append(out, a.Network()+":"+a.String())
	}
	return out
}

// Close releases the sockets (removing the unix socket file). Run calls it
// when it returns; it is needed only when Run is never called. Connections
// already accepted are ended by Run's context.
func (l *Listener) Close() error {
	var errs []error
	l.closeOnce.Do(func() {
		for _, x := range l.lns {
			if err := x.ln.Close(); err != nil {
				errs = append(errs, err)
			}
		}
	})
	return errors.Join(errs...)
}

// Run accepts connections until ctx ends and serves each on its own
// goroutine with its own out.Fork(). It returns nil once ctx ends and every
// connection has closed (a bidirectional sender is sent FINISH first), or an
// error when a socket fails for good; then the other connections are closed
// too. Run may be called once.
func (l *Listener) Run(ctx context.Context, out input.Out) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { l.Close() })
	defer stop()
	var conns sync.WaitGroup
	errc := make(chan error, len(l.lns))
	for _, x := range l.lns {
		go func() { errc <- l.accept(ctx, x, out, &conns) }()
	}
	var err error
	for range l.lns {
		if e := <-errc; e != nil && err == nil {
			err = e
			cancel()
		}
	}
	l.Close()
	conns.Wait()
	return err
}

// accept accepts connections on x until ctx ends. Errors that pass (too
// many open files, an aborted connection) are retried after a pause.
func (l *Listener) accept(ctx context.Context, x listener, out input.Out, conns *sync.WaitGroup) error {
	pause := 5 * time.Millisecond
	for {
		nc, err := x.ln.Accept()
		switch {
		case ctx.Err() != nil:
			if nc != nil {
				nc.Close()
			}
			return nil
		case err != nil && transientAccept(err):
			select {
			case <-time.After(pause):
			case <-ctx.Done():
			}
			pause = min(2*pause, time.Second)
			continue
		case err != nil:
			return fmt.Errorf("dnstap listener %s: accept: %w", x.prefix, err)
		}
		pause = 5 * time.Millisecond
		if !l.admit() {
			l.refused.Add(1)
			nc.Close()
			continue
		}
		l.accepted.Add(1)
		c := l.newConn(nc, x.prefix)
		o := l.fork(out)
		conns.Add(1)
		go func() {
			defer conns.Done()
			defer l.active.Add(-1)
			c.serve(ctx, o)
		}()
	}
}

// transientAccept reports whether an Accept error passes with time.
func transientAccept(err error) bool {
	for _, e := range []error{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED, syscall.EINTR} {
		if errors.Is(err, e) {
			return true
		}
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// admit takes a connection slot, or reports that all MaxConnections are in
// use.
func (l *Listener) admit() bool {
	if l.active.Add(1) > int64(l.cfg.MaxConnections) {
		l.active.Add(-1)
		return false
	}
	return true
}

func (l *Listener) fork(out input.Out) input.Out {
	l.forkMu.Lock()
	defer l.forkMu.Unlock()
	return out.Fork()
}

// publish adds what c counted since it last published (sent) to the
// Listener's counters.
func (l *Listener) publish(c, sent *counters) {
	for i := range c {
		if d := c[i] - sent[i]; d != 0 {
			l.frames[i].Add(d)
			sent[i] = c[i]
		}
	}
}

// Counts reports the connections and the frames of all connections. It is
// safe to call while Run is going; a busy connection's frame counts are
// published at least every 4096 frames and whenever it waits for input.
func (l *Listener) Counts() []input.Count {
	var c counters
	for i := range c {
		c[i] = l.frames[i].Load()
	}
	out := make([]input.Count, 0, len(typeNames)+14)
	out = append(out,
		input.Count{Name: "connections accepted", Value: l.accepted.Load()},
		input.Count{Name: "connections active", Value: l.active.Load()},
		input.Count{Name: "connections refused", Value: l.refused.Load()},
		input.Count{Name: "protocol violations", Value: l.violations.Load()},
		input.Count{Name: "bytes received", Value: c[cBytes]},
	)
	return appendCounts(out, &c)
}
