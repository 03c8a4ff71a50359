package server

import (
	"net"
	"os"
	"syscall"
	"time"
)

// gnet closes a connection as soon as a read returns EOF. But a client may
// send its requests and then shut its write side down (nc -N, some proxies):
// HTTP/1.1 allows it, and the answers are still owed. So when a connection
// ends in EOF, the engine serves every complete request still buffered,
// then hands the answers, in order, to the connection's afterlife: a
// goroutine that writes them on a duplicate of the socket as they become
// ready (conn.ready decides, as it does for the loop), then closes it.

// afterlife starts the afterlife of a connection that ended in EOF, and
// reports whether it did. It does not when there is nothing to answer, or
// when the order of answers cannot be kept: gnet still holds unsent output,
// which it flushes (as far as the socket takes it) as it closes.
func (c *conn) afterlife() bool {
	if c.gc.OutboundBuffered() > 0 || c.lingerAt != 0 {
		return false
	}
	c.eof = true
	if !c.closing {
		c.now = c.e.mono()
		c.parse(c.now)
	}
	if len(c.out) == 0 && c.pending() == 0 {
		return false
	}
	fd, err := syscall.Dup(c.gc.Fd())
	if err != nil {
		return false
	}
	f := os.NewFile(uintptr(fd), "afterlife")
	nc, err := net.FileConn(f)
	f.Close()
	if err != nil {
		return false
	}
	out := c.out
	c.out = nil
	woken := make(chan struct{}, 1)
	c.woken.Store(&woken) // from now on workers and Done wake the afterlife, not the loop
	go c.answerRest(nc, out, woken)
	return true
}

// answerRest writes out, then each queued answer in order as it is ready,
// then closes nc. The connection is this goroutine's alone now: it waits
// for a wake-up (a worker done, a held request answered) between answers.
func (c *conn) answerRest(nc net.Conn, out []byte, woken chan struct{}) {
	e := c.e
	defer func() {
		c.orphanAll()
		e.caps.release(c.nc.remote)
		nc.Close()
	}()
	write := func(b []byte) bool {
		nc.SetWriteDeadline(time.Now().Add(e.lim.WriteTimeout))
		_, err := nc.Write(b)
		c.recordDone(e.mono())
		return err == nil
	}
	if !write(out) {
		return
	}
	for c.pending() > 0 {
		c.now = e.mono()
		x := c.ready(c.now)
		if x == nil {
			<-woken
			continue
		}
		c.account(x)
		closing := x.closeAfter
		ok := write(x.out)
		e.release(x)
		if !ok || closing {
			return
		}
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
}
