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
// goroutine that writes them on a duplicate of the socket as they finish
// (standing in 503 for a read past its budget, waiting for a write, as the
// loop does), then closes it.

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
		c.parse(c.e.mono())
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
	go c.answerRest(nc, out)
	return true
}

// answerRest writes out, then each queued answer in order as it is ready,
// then closes nc. The connection is this goroutine's alone now.
func (c *conn) answerRest(nc net.Conn, out []byte) {
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
		x := c.queue[c.qhead]
		for x.state.Load() != xDone {
			now := e.mono()
			if x.pend == pendDeferred { // its turn has come: start it, or refuse it if too late
				if now < x.meta.deadlineMono {
					c.startDeferred(now)
				} else {
					c.expireDeferred(x)
				}
				continue
			}
			if now >= x.meta.deadlineMono {
				k := x.pend
				if in := c.standIn(x); in != nil {
					c.pend[k]--
					x = in
					break
				}
			}
			time.Sleep(time.Millisecond) // bounded: the budget, or a write's own time
		}
		c.unmark(x)
		c.queue[c.qhead] = nil
		c.qhead++
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
