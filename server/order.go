package server

import "github.com/valyala/fasthttp"

// Requests of one connection are made in the order they came, not only
// answered in it (RFC 9112 §9.3.2 lets a server process pipelined
// requests in parallel only when they are all safe): a write pipelined
// behind the creation of its collection finds it, and a read behind a
// write sees it. Yet a pipeline of writes must still fill the committer's
// batches. So, of the requests still pending in a connection's queue:
//
//   - a write held for the committer (Hold) holds back the reads behind
//     it, not the writes: the one committer makes writes in the order it
//     took them;
//   - a write on a worker holds back everything behind it: it has not
//     reached the committer yet;
//   - a read on a worker (or held) holds back the writes behind it, so
//     that it cannot see them.
//
// A request held back is parsed and queued in its place, deferred, and
// started when what holds it back has been answered; one that waits past
// its budget is answered 503 without ever running (nothing changed).

// pending is what a queued exchange waits on, for the counts in conn.pend.
type pending uint8

const (
	pendNone        pending = iota // answered, or not queued
	pendDeferred                   // held back: not started
	pendWorkerRead                 // a read on a worker, or held
	pendWorkerWrite                // a write on a worker
	pendHeldWrite                  // a write held for the committer
	pendKinds
)

// heldBack reports whether a request of rt must wait for what is pending
// ahead of it (deferred requests aside).
func (c *conn) heldBack(rt *Route) bool {
	p := &c.pend
	return p[pendWorkerWrite] > 0 || rt.Writes && p[pendWorkerRead] > 0 || !rt.Writes && p[pendHeldWrite] > 0
}

// mark counts x as pending kind k.
func (c *conn) mark(x *exchange, k pending) {
	c.unmark(x)
	c.pend[k]++
	x.pend = k
}

// unmark counts x as no longer pending.
func (c *conn) unmark(x *exchange) {
	if x.pend != pendNone {
		c.pend[x.pend]--
		x.pend = pendNone
	}
}

// startDeferred starts, in order, the deferred requests from the head of
// the queue on that nothing ahead of them holds back any longer. It runs
// when the head of the queue is deferred.
func (c *conn) startDeferred(now int64) {
	for _, x := range c.queue[c.qhead:] {
		if x.pend != pendDeferred {
			continue // started already, still pending
		}
		rt := x.meta.route
		if c.heldBack(rt) || now >= x.meta.deadlineMono {
			return // the ones behind wait too; flushReady answers one past its budget
		}
		c.unmark(x)
		if c.start(x, rt) {
			x.state.Store(xDone)
		}
	}
}

// expireDeferred answers a deferred request past its budget with a 503,
// itself: no worker has it, and it never ran.
func (c *conn) expireDeferred(x *exchange) {
	c.unmark(x)
	x.meta.expired = true
	writeEngineProblem(&x.ctx, fasthttp.StatusServiceUnavailable)
	x.encode()
	x.state.Store(xDone)
}
