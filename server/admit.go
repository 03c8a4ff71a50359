package server

import (
	"sync"
	"time"

	"github.com/panjf2000/gnet/v2"
	"github.com/valyala/fasthttp"
)

// Admission: a request is refused (503 with Retry-After, nothing done)
// only before it starts, and only when the server is truly over capacity:
//
//   - every worker busy, for a request that needs one (start);
//   - the committer's queue full, for a write (the store says ErrBusy);
//   - its event loop saturated by other connections: it spent at least
//     saturatedShare of the last loadWindow serving them, so a request that
//     arrives now waits behind them (admit).
//
// A request pipelined behind its own connection's unanswered requests is
// never refused for load: that wait is the client's own queue, which the
// connection's caps bound (Limits.MaxPipeline, MaxPendingOutput: it is
// paused, not refused). Nor is a route marked Always (health checks,
// scrapes): they must answer most when the server is busiest.

const (
	// loadWindow is how long a loop measures its busy time over.
	loadWindow = 50 * time.Millisecond
	// saturatedShare is the share of a window spent serving other
	// connections past which a loop admits no new work.
	saturatedShare = 0.9
)

// loopLoad is one event loop's measure of how busy it is; only that loop
// touches it.
type loopLoad struct {
	start          int64 // Engine.mono when the window began
	busy           int64 // nanoseconds spent in passes this window
	prevBusy       int64 // the same, in the last complete window
	prevLen, epoch int64 // that window's length; windows so far
}

// roll begins a new window at now if the current one is over.
func (l *loopLoad) roll(now int64) {
	if now-l.start < int64(loadWindow) {
		return
	}
	l.prevBusy, l.prevLen = l.busy, now-l.start
	if l.prevLen >= 2*int64(loadWindow) {
		l.prevBusy, l.prevLen = 0, 0 // an idle stretch: the last window says nothing
	}
	l.busy, l.start = 0, now
	l.epoch++
}

// connLoad is one connection's share of its loop's windows.
type connLoad struct {
	epoch          int64
	busy, prevBusy int64
	loop           *loopLoad
}

// sync follows the loop into its current window.
func (c *connLoad) sync() {
	switch e := c.loop.epoch; {
	case c.epoch == e:
		return
	case c.epoch+1 == e:
		c.prevBusy = c.busy
	default:
		c.prevBusy = 0
	}
	c.busy, c.epoch = 0, c.loop.epoch
}

// pass notes a pass of the connection that took d nanoseconds.
func (c *connLoad) pass(d int64) {
	c.sync()
	c.busy += d
	c.loop.busy += d
}

// saturatedByOthers reports whether the loop spent saturatedShare of its
// last complete window serving other connections.
func (c *connLoad) saturatedByOthers() bool {
	c.sync()
	l := c.loop
	return l.prevLen > 0 && float64(l.prevBusy-c.prevBusy) >= saturatedShare*float64(l.prevLen)
}

// loops maps gnet's event loops to their loads.
type loops struct {
	mu sync.Mutex
	m  map[gnet.EventLoop]*loopLoad
}

// of returns the load of el, made on first use.
func (ls *loops) of(el gnet.EventLoop) *loopLoad {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.m == nil {
		ls.m = map[gnet.EventLoop]*loopLoad{}
	}
	l := ls.m[el]
	if l == nil {
		l = &loopLoad{}
		ls.m[el] = l
	}
	return l
}

// admit refuses x, answering it 503 in place, when its loop is saturated
// by other connections and x has nothing of its own connection ahead of
// it; it reports whether x may go on.
func (c *conn) admit(x *exchange, rt *Route) bool {
	if rt.Always || c.pending() > 0 || !c.load.saturatedByOthers() {
		return true
	}
	writeEngineProblem(&x.ctx, fasthttp.StatusServiceUnavailable)
	c.finish(x)
	return false
}
