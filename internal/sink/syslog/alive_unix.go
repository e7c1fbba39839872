//go:build unix

package syslog

import (
	"errors"
	"net"
	"syscall"
)

// alive reports whether the collector has not closed a stream connection:
// a collector sends nothing, so a peek that finds end of stream or an error
// other than "would block" means the connection is gone. Writing into a
// connection the peer closed succeeds once and loses the message; looking
// first saves it.
func alive(conn net.Conn) bool {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	ok = true
	var b [1]byte
	err = rc.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EWOULDBLOCK), errors.Is(err, syscall.EINTR):
		case err != nil, n == 0:
			ok = false
		}
		return true // never wait for readability
	})
	return ok && err == nil
}
