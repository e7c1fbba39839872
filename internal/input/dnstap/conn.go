package dnstap

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	framestream "github.com/farsightsec/golang-framestream"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

// publishEvery is how many frames a busy connection decodes between two
// publications of its counters.
const publishEvery = 4096

// longAgo is a deadline in the past: setting it ends a blocked read at once.
var longAgo = time.Unix(1, 0)

// errViolation marks a connection closed because its peer broke the Frame
// Streams protocol.
var errViolation = errors.New("protocol violation")

// conn serves one accepted connection: the handshake, then one event per
// data frame until STOP, the end of the connection or the end of Run.
type conn struct {
	l    *Listener
	nc   net.Conn
	name string // "unix:/run/dnstap.sock#3", "tcp:192.0.2.7:41234#4"
	fr   frameReader
	m    mapper
	sent counters // what m.c held when last published
	bidi bool     // the peer opened with READY and expects FINISH
}

func (l *Listener) newConn(nc net.Conn, prefix string) *conn {
	id := l.nextID.Add(1)
	name := fmt.Sprintf("%s#%d", prefix, id)
	if prefix == "tcp" {
		name = fmt.Sprintf("tcp:%s#%d", nc.RemoteAddr(), id)
	}
	c := &conn{l: l, nc: nc, name: name}
	c.fr.init(nc)
	c.m.parser.HeaderOnly = l.headerOnly
	return c
}

// serve runs the connection to its end, then closes it and out. When ctx
// ends, a blocked read is interrupted through the read deadline.
func (c *conn) serve(ctx context.Context, out input.Out) {
	defer out.Close()
	defer c.nc.Close()
	stop := context.AfterFunc(ctx, func() { _ = c.nc.SetReadDeadline(longAgo) })
	defer stop()
	err := c.handshake(ctx)
	if err == nil {
		err = c.stream(out)
	}
	c.publish()
	switch {
	case ctx.Err() != nil:
		c.finish() // shutting down: tell a bidirectional sender to stop
	case errors.Is(err, errViolation):
		c.l.violations.Add(1)
		out.Error(&input.RecordError{File: c.name, Offset: -1, Reason: "protocol violation", Err: err})
	}
}

// handshake reads READY, answers ACCEPT and reads START (bidirectional), or
// reads START alone (unidirectional: a sender that does not wait for
// ACCEPT, such as a file piped into the socket). Both must carry the dnstap
// content type, or none.
func (c *conn) handshake(ctx context.Context) error {
	c.setReadDeadline(ctx, time.Now().Add(c.l.cfg.HandshakeTimeout))
	cf, err := c.fr.readControl()
	if err != nil {
		return fmt.Errorf("%w: no READY or START frame: %w", errViolation, err)
	}
	if cf.ControlType == framestream.CONTROL_READY {
		if _, ok := cf.ChooseContentType([][]byte{[]byte(ContentType)}); !ok {
			return fmt.Errorf("%w: READY does not offer %s", errViolation, ContentType)
		}
		c.bidi = true
		accept := framestream.ControlAccept
		accept.SetContentType([]byte(ContentType))
		if err := c.writeControl(accept); err != nil {
			return fmt.Errorf("send ACCEPT: %w", err)
		}
		if cf, err = c.fr.readControl(); err != nil {
			return fmt.Errorf("%w: no START frame: %w", errViolation, err)
		}
	}
	switch {
	case cf.ControlType != framestream.CONTROL_START:
		return fmt.Errorf("%w: control frame of type %d where START was expected", errViolation, cf.ControlType)
	case !cf.MatchContentType([]byte(ContentType)):
		return fmt.Errorf("%w: START does not carry %s", errViolation, ContentType)
	}
	c.setReadDeadline(ctx, time.Time{}) // a resolver may stay idle for hours
	return nil
}

// setReadDeadline sets the read deadline unless ctx has ended, in which
// case it keeps the deadline in the past that serve's AfterFunc set.
func (c *conn) setReadDeadline(ctx context.Context, t time.Time) {
	_ = c.nc.SetReadDeadline(t)
	if ctx.Err() != nil {
		_ = c.nc.SetReadDeadline(longAgo)
	}
}

// stream decodes data frames until STOP or the end of the connection,
// passing each event to out and flushing out whenever the next frame is not
// yet complete in the read buffer (before a read that may block). A bad
// frame is reported and skipped; a broken framing ends the connection.
func (c *conn) stream(out input.Out) error {
	var ev event.Event
	for {
		if !c.fr.buffered() {
			c.publish()
			out.Flush()
		}
		frame, ctl, off, err := c.fr.next()
		switch {
		case err != nil:
			return c.readError(out, off, err)
		case frame == nil && ctl == framestream.CONTROL_STOP:
			c.finish()
			return nil
		case frame == nil:
			return fmt.Errorf("%w: control frame of type %d inside the stream", errViolation, ctl)
		}
		ok, err := c.m.decode(frame, &ev)
		switch {
		case err != nil:
			out.Error(c.recordError(off, c.m.c[cFrames], reasonOf(err), err))
		case ok:
			ev.Source = event.Source{Name: c.name, Offset: off}
			out.Event(&ev)
		}
		if c.m.c[cFrames]%publishEvery == 0 {
			c.publish()
		}
	}
}

// readError ends the stream on an error of the frame reader: a frame cut by
// the end of the connection is reported as a bad frame; damaged framing is a
// protocol violation; a connection closed between frames, or a read ended
// by Run's context, is a normal end.
func (c *conn) readError(out input.Out, off int64, err error) error {
	switch {
	case errors.Is(err, errTruncated):
		c.m.c[cBad]++
		out.Error(c.recordError(off, c.m.c[cFrames]+1, "truncated frame", err))
		return nil
	case errors.Is(err, errTooLarge):
		c.m.c[cBad]++
		return fmt.Errorf("%w: frame %d at offset %d: %w", errViolation, c.m.c[cFrames]+1, off, err)
	case errors.Is(err, errControl):
		return fmt.Errorf("%w: offset %d: %w", errViolation, off, err)
	}
	return nil // io.EOF, a reset connection, or the deadline set by serve
}

// recordError reports the frame at off, the n-th data frame of the
// connection, as bad.
func (c *conn) recordError(off, n int64, reason string, err error) error {
	return &input.RecordError{File: c.name, Offset: off, Reason: reason, Err: fmt.Errorf("frame %d: %w", n, err)}
}

// finish sends FINISH to a bidirectional peer, once: the answer to STOP, or
// the notice that the receiver is going away.
func (c *conn) finish() {
	if !c.bidi {
		return
	}
	c.bidi = false
	_ = c.writeControl(framestream.ControlFinish)
}

// writeControl writes one control frame in one write.
func (c *conn) writeControl(cf framestream.ControlFrame) error {
	var b bytes.Buffer
	if err := cf.Encode(&b); err != nil {
		return err
	}
	if err := c.nc.SetWriteDeadline(time.Now().Add(c.l.cfg.HandshakeTimeout)); err != nil {
		return err
	}
	_, err := c.nc.Write(b.Bytes())
	return err
}

// publish adds the connection's counts since the last call to the
// Listener's.
func (c *conn) publish() {
	c.m.c[cSkippedRecords] = c.m.parser.Skipped
	c.m.c[cBytes] = c.fr.cr.n
	c.l.publish(&c.m.c, &c.sent)
}
