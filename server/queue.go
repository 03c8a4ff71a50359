package server

import "github.com/valyala/fasthttp"

// Responses leave a connection strictly in request order. Inline responses
// go straight into the connection's output while nothing is queued ahead of
// them; a worker route takes a slot in the queue, and a response finished
// while others wait ahead of it queues behind them. The loop moves finished
// responses from the head of the queue into the output on every pass.

// push appends x to the response queue. A connection with a queue is
// watched by the tick, which wakes it when the head's deadline passes.
func (c *conn) push(x *exchange) {
	if c.pending() == 0 {
		c.e.watch.add(c)
	}
	if c.qhead > 64 && c.qhead > len(c.queue)/2 {
		n := copy(c.queue, c.queue[c.qhead:])
		clear(c.queue[n:])
		c.queue, c.qhead = c.queue[:n], 0
	}
	c.queue = append(c.queue, x)
}

// flushReady moves finished responses at the head of the queue into out. A
// request at the head still waiting for a worker past its deadline, or a
// read still running, is answered 503 in its place (its late result is
// dropped), so no read answers late and those behind it are not held up. A
// write whose handler has started is waited for: an error answer to a write
// means nothing changed, so only its own answer may be sent.
func (c *conn) flushReady(now int64) {
	for c.qhead < len(c.queue) {
		x := c.queue[c.qhead]
		if x.pend == pendDeferred && now < x.meta.deadlineMono {
			c.startDeferred(now) // nothing ahead of it now: it starts
		}
		if x.state.Load() != xDone {
			if now < x.meta.deadlineMono {
				break // still in budget: look again when woken
			}
			if x.pend == pendDeferred {
				c.expireDeferred(x)
			} else {
				k := x.pend // read before standIn hands x to its worker
				if x = c.standIn(x); x == nil {
					break // a write under way, or it finished just now: its worker wakes us
				}
				c.pend[k]--
				c.queue[c.qhead] = x
			}
		}
		c.unmark(x)
		c.queue[c.qhead] = nil
		c.qhead++
		c.out = append(c.out, x.out...)
		c.account(x)
		closing := x.closeAfter
		c.recycle(x)
		if closing {
			// Requests pipelined behind a closing response are never answered.
			c.closing = true
			c.orphanAll()
			return
		}
	}
	if c.qhead == len(c.queue) {
		c.queue, c.qhead = c.queue[:0], 0
		c.e.watch.remove(c)
	}
}

// emit queues a finished response behind any unfinished ones, or writes it
// straight into out when nothing waits.
func (c *conn) emit(x *exchange) {
	if c.pending() == 0 {
		c.out = append(c.out, x.out...)
		c.account(x)
		if x.closeAfter {
			c.closing = true
		}
		c.recycle(x)
		return
	}
	x.state.Store(xDone)
	c.push(x)
}

// orphanAll hands every unfinished exchange to its worker for release and
// releases the finished ones: the connection is gone.
func (c *conn) orphanAll() {
	for _, x := range c.queue[c.qhead:] {
		if x.pend == pendDeferred || !x.state.CompareAndSwap(xQueued, xOrphaned) && !x.state.CompareAndSwap(xStarted, xOrphaned) {
			c.e.release(x) // a deferred request no worker has, or a finished one
		}
	}
	c.pend = [pendKinds]int{}
	clear(c.queue)
	c.queue, c.qhead = nil, 0
	if c.spare != nil {
		c.e.release(c.spare)
		c.spare = nil
	}
}

// standIn takes late from its worker and returns the 503 that answers in
// its place; the worker then releases late. It returns nil when late
// cannot be taken: a write under way, or an answer finished just now. What
// the stand-in needs of late is copied before late is taken, since from
// then on the worker may release it at any moment.
func (c *conn) standIn(late *exchange) *exchange {
	x := c.acquire(c.e.mono())
	lm := &late.meta
	x.meta.id, x.meta.route, x.meta.startMono, x.meta.deadlineMono = lm.id, lm.route, lm.startMono, lm.deadlineMono
	x.meta.start, x.meta.deadline = lm.start, lm.deadline
	x.meta.http10, x.meta.head = lm.http10, lm.head
	x.close = late.close
	ok, queued := late.abandon()
	if !ok {
		c.recycle(x)
		return nil
	}
	x.meta.overrun, x.meta.expired = !queued, queued
	x.ctx.SetUserValue(metaKey, &x.meta)
	writeEngineProblem(&x.ctx, fasthttp.StatusServiceUnavailable)
	x.encode()
	return x
}
