package server

// Responses leave a connection strictly in request order. Inline responses
// go straight into the connection's output while nothing is queued ahead of
// them; a worker route takes a slot in the queue, and a response finished
// while others wait ahead of it queues behind them. The loop moves finished
// responses from the head of the queue into the output on every pass.

// push appends x to the response queue. A connection with a queue is
// watched by the tick, so that it resumes promptly when it paused for
// backpressure.
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

// flushReady moves finished responses at the head of the queue into out.
func (c *conn) flushReady(now int64) {
	for {
		x := c.ready(now)
		if x == nil {
			break
		}
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

// ready takes the answer at the head of the queue off it, if it is
// finished; nil if it must still be waited for. It is the one place that
// decides what leaves a connection (the loop's flushReady and the
// afterlife use it). A deferred head starts now, its budget with it
// (order.go). A request that has started is waited for, however long it
// takes: a write's own answer is the truth about what it did, and a read
// cuts its work to its deadline and answers what it found. Nothing is
// answered in a request's place.
func (c *conn) ready(now int64) *exchange {
	if c.qhead == len(c.queue) {
		return nil
	}
	x := c.queue[c.qhead]
	if x.pend == pendDeferred {
		c.startDeferred(now) // nothing ahead of it now: it starts
	}
	if x.state.Load() != xDone {
		return nil // its worker, or whoever holds it, wakes us
	}
	c.unmark(x)
	c.queue[c.qhead] = nil
	c.qhead++
	return x
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
