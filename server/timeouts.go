package server

import (
	"syscall"
	"time"

	"github.com/panjf2000/gnet/v2"
	"github.com/valyala/fasthttp"
)

// gnet has no per-connection timers: after every pass the loop computes the
// one deadline a connection is waiting on (header, body, idle, write or
// linger) and stores it atomically; a tick goroutine (OnTick) wakes the
// connections whose deadline passed, and the loop acts on it.

// lingerTimeout is how long a closing connection's unread input is drained
// after its last response, so that closing does not reset the connection
// under a response the client has not read yet.
const lingerTimeout = 2 * time.Second

// settle decides, after a pass, whether the connection closes now, starts
// lingering, or when the tick should next look at it.
func (c *conn) settle(now int64) gnet.Action {
	e, lim := c.e, &c.e.lim
	unsent := c.gc.OutboundBuffered()
	if unsent == 0 {
		c.outSince = 0
	} else if c.outSince == 0 {
		c.outSince = now
	}
	if c.closing && c.pending() == 0 && unsent == 0 {
		return c.startLinger(now)
	}
	if c.gc.InboundBuffered() > lim.MaxHeaderBytes+int(lim.MaxBodyBytes)+64<<10 {
		return gnet.Close // a client that floods a paused connection
	}
	idle := c.pending() == 0 && unsent == 0 && c.reqStart == 0
	if idle && e.draining.Load() {
		return c.startLinger(now)
	}
	var deadline int64
	switch {
	case c.outSince != 0:
		deadline = c.outSince + int64(lim.WriteTimeout)
	case c.pending() > 0:
		// Whoever answers the head wakes us: a worker, or Done.
		deadline = 0
	case c.bodyStart != 0:
		deadline = c.bodyStart + int64(lim.BodyTimeout)
	case c.reqStart != 0 && !c.closing:
		deadline = c.reqStart + int64(lim.HeaderTimeout)
	default:
		deadline = c.lastActive + int64(lim.IdleTimeout)
	}
	if deadline != 0 && now >= deadline {
		return c.expire()
	}
	c.deadline.Store(deadline)
	c.poll.Store(unsent > 0 || c.queueFull())
	return gnet.None
}

// expire acts on a passed deadline.
func (c *conn) expire() gnet.Action {
	if c.outSince != 0 || c.reqStart == 0 || c.closing {
		return gnet.Close // the client reads nothing, or an idle keep-alive ends
	}
	n := c.gc.InboundBuffered()
	var raw []byte
	if n > 0 {
		raw, _ = c.gc.Peek(n)
	}
	c.reject(fasthttp.StatusRequestTimeout, raw) // logs the line it had begun
	if n > 0 {
		c.gc.Discard(n)
	}
	_, err := c.gc.Write(c.out)
	c.resetOut()
	c.reqStart, c.bodyStart = 0, 0
	if err != nil {
		return gnet.Close
	}
	return c.settle(c.e.mono())
}

// startLinger shuts the write side down once everything is sent, then reads
// and drops input until the client closes or lingerTimeout passes.
func (c *conn) startLinger(now int64) gnet.Action {
	if err := syscall.Shutdown(c.gc.Fd(), syscall.SHUT_WR); err != nil {
		return gnet.Close
	}
	c.lingerAt = now
	c.deadline.Store(now + int64(lingerTimeout))
	c.poll.Store(false)
	return c.linger(now)
}

func (c *conn) linger(now int64) gnet.Action {
	if n := c.gc.InboundBuffered(); n > 0 {
		c.gc.Discard(n)
	}
	if now-c.lingerAt >= int64(lingerTimeout) {
		return gnet.Close
	}
	return gnet.None
}

// OnTick wakes the connections that have a deadline due, are paused, or
// have output to watch. Connections with answers pending are checked on
// every tick (Options.Tick, 1 ms), so that one paused for backpressure
// resumes within a tick; the rest every fullScanTicks ticks, since their
// deadlines are seconds long.
func (e *Engine) OnTick() (time.Duration, gnet.Action) {
	e.bootOnce.Do(func() { close(e.booted) })
	now := e.mono()
	wake := func(c *conn) {
		if d := c.deadline.Load(); d != 0 && now >= d || c.poll.Load() {
			c.wake()
		}
	}
	e.watch.each(wake)
	if e.ticks++; e.ticks%fullScanTicks == 0 || e.draining.Load() {
		draining := e.draining.Load()
		e.conns.each(func(c *conn) {
			if draining {
				c.wake()
				return
			}
			wake(c)
		})
	}
	return e.opts.Tick, gnet.None
}

// fullScanTicks is how many ticks pass between scans of every connection.
const fullScanTicks = 10
