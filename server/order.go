package server

// Requests of one connection are made in the order they came, not only
// answered in it (RFC 9112 §9.3.2 lets a server process pipelined
// requests in parallel only when they are all safe): a write pipelined
// behind the creation of its collection finds it, and a read behind a
// write sees it. Yet a pipeline of writes must still fill the committer's
// batches. So, of the requests still pending in a connection's queue:
//
//   - a write held for the committer (Hold) holds back the reads behind
//     it, not the writes: the one committer makes writes in the order it
//     took them; nor the reads that the committer answers in their place
//     among the writes (Route.Ordered), which then count as held writes;
//   - a write on a worker holds back everything behind it: it has not
//     reached the committer yet;
//   - a read on a worker (or held) holds back the writes behind it, so
//     that it cannot see them, and the reads behind it that need a worker
//     too: a connection has one read on the worker pool at a time, so
//     that a deep pipeline neither takes every worker nor lets its later
//     requests' budgets run out while its earlier ones run.
//
// A request held back is parsed and queued in its place, deferred, and
// started when what holds it back has been answered. Its budget starts
// then: the time it waited was spent behind its own connection's earlier
// requests, which the client chose to send first (and which the
// connection's pipeline cap, Limits.MaxPipeline, bounds), not in a server
// over capacity. So a deferred request is never refused for time.

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

// heldBack reports whether x must wait for what is pending ahead of it
// (deferred requests aside).
func (c *conn) heldBack(x *exchange) bool {
	p := &c.pend
	switch {
	case p[pendWorkerWrite] > 0:
		return true
	case x.meta.route.Writes:
		return p[pendWorkerRead] > 0
	}
	return p[pendHeldWrite] > 0 && (!x.meta.route.Ordered || x.worker) || x.worker && p[pendWorkerRead] > 0
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
// the queue on that nothing ahead of them holds back any longer, each
// with its budget counted from now. It runs when the head of the queue
// is deferred.
func (c *conn) startDeferred(now int64) {
	for _, x := range c.queue[c.qhead:] {
		if x.pend != pendDeferred {
			continue // started already, still pending
		}
		if c.heldBack(x) {
			return // the ones behind wait too
		}
		c.unmark(x)
		x.meta.restart(now, c.e)
		if c.start(x, x.meta.route) {
			x.state.Store(xDone)
		}
	}
}
