package server

import (
	"errors"
	"net"
	"sync"
	"syscall"
	"time"
)

// The fasthttp engine serves the binary protocol with the gnet engine's
// own framing, queue and dispatch, so that the two engines cannot differ
// in it: a switch in front of fasthttp.Server looks at the first byte of
// each connection without taking it (MSG_PEEK, on a goroutine of its own,
// never in Accept), hands HTTP connections to fasthttp.Server and binary
// ones to an Engine that runs event loops without a listener of its own.
// (Binary figures on the fasthttp engine are therefore gnet's: the
// baseline it is measured against is for HTTP.)

// switchListener is the listener fasthttp.Server accepts from.
type switchListener struct {
	inner  net.Listener
	f      *FastHTTP
	conns  chan net.Conn
	errs   chan error
	closed chan struct{}
	once   sync.Once
}

func newSwitchListener(inner net.Listener, f *FastHTTP) *switchListener {
	l := &switchListener{inner: inner, f: f, conns: make(chan net.Conn), errs: make(chan error, 1), closed: make(chan struct{})}
	go l.run()
	return l
}

func (l *switchListener) run() {
	for {
		nc, err := l.inner.Accept()
		if err != nil {
			select {
			case l.errs <- err:
			case <-l.closed:
			}
			return
		}
		go l.sniff(nc)
	}
}

// sniff peeks at the first byte of nc and passes nc on.
func (l *switchListener) sniff(nc net.Conn) {
	nc.SetReadDeadline(time.Now().Add(l.f.opts.Limits.IdleTimeout))
	first, err := peekByte(nc)
	if err != nil {
		nc.Close()
		return
	}
	nc.SetReadDeadline(time.Time{})
	if first == BinaryMagic {
		// gnet takes a *net.TCPConn: the caps count the connection again
		// as its engine opens it (it shares the listener's caps).
		if cc, ok := nc.(*cappedConn); ok {
			cc.once.Do(func() { cc.caps.release(cc.RemoteAddr()) })
			nc = cc.TCPConn
		}
		l.f.bin.Load().adopt(nc) // (set before the listener serves)
		return
	}
	select {
	case l.conns <- nc:
	case <-l.closed:
		nc.Close()
	}
}

// errEOF is a connection closed before its first byte.
var errEOF = errors.New("closed before its first byte")

// peekByte waits for the first byte of nc, under its read deadline, and
// returns it without taking it from the socket.
func peekByte(nc net.Conn) (byte, error) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return 0, errors.New("BUG: a connection without a descriptor")
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0, err
	}
	var b [1]byte
	var n int
	var rerr error
	if err := rc.Read(func(fd uintptr) bool {
		n, _, rerr = syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK)
		return rerr != syscall.EAGAIN // false: wait until it is readable
	}); err != nil {
		return 0, err
	}
	switch {
	case rerr != nil:
		return 0, rerr
	case n == 0:
		return 0, errEOF
	}
	return b[0], nil
}

func (l *switchListener) Accept() (net.Conn, error) {
	select {
	case nc := <-l.conns:
		return nc, nil
	case err := <-l.errs:
		return nil, err
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *switchListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return l.inner.Close()
}

func (l *switchListener) Addr() net.Addr { return l.inner.Addr() }
