package server

// Responses leave a connection strictly in request order. Inline responses
// go straight into the connection's output while nothing is queued ahead of
// them; a worker route takes a slot in the queue, and a response finished
// while others wait ahead of it queues behind them. The loop moves finished
// responses from the head of the queue into the output on every pass.

// push appends x to the response queue.
func (c *conn) push(x *exchange) {
	if c.qhead > 64 && c.qhead > len(c.queue)/2 {
		n := copy(c.queue, c.queue[c.qhead:])
		clear(c.queue[n:])
		c.queue, c.qhead = c.queue[:n], 0
	}
	c.queue = append(c.queue, x)
}

// flushReady moves finished responses at the head of the queue into out.
func (c *conn) flushReady() {
	for c.qhead < len(c.queue) {
		x := c.queue[c.qhead]
		if x.state.Load() != xDone {
			break
		}
		c.queue[c.qhead] = nil
		c.qhead++
		c.out = append(c.out, x.out...)
		closing := x.close
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
	}
}

// emit queues a finished response behind any unfinished ones, or writes it
// straight into out when nothing waits.
func (c *conn) emit(x *exchange) {
	if c.pending() == 0 {
		c.out = append(c.out, x.out...)
		if x.close {
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
		if !x.state.CompareAndSwap(xRunning, xOrphaned) {
			c.e.release(x)
		}
	}
	clear(c.queue)
	c.queue, c.qhead = nil, 0
	if c.spare != nil {
		c.e.release(c.spare)
		c.spare = nil
	}
}
