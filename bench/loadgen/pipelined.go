package loadgen

import (
	"bufio"
	"context"
	"math/rand/v2"
	"net"
	"time"
)

// A pipelined open loop (Rate and Depth > 1) sends each request of a
// connection when it is due, without waiting for the answers to the
// earlier ones, as long as fewer than Depth are unanswered. With one
// request in flight per connection, an open loop measures the
// connections' queues as much as the server: a connection whose answer
// is late falls behind its schedule and catches up only as fast as its
// round trips allow, so near the rate the connections can carry, the tail
// is the generator's. Pipelining lets the server see the arrivals as they
// were due (wrk2 has the same limit and the same remedy: more requests in
// flight).

// openPipelined drives connection i of a pipelined open loop until the run
// ends.
func (r *run) openPipelined(ctx context.Context, i int, c net.Conn) {
	rng := rand.New(rand.NewPCG(r.cfg.Seed, uint64(i)))
	sh := r.shards[i%len(r.shards)]
	interval := time.Duration(float64(time.Second) * float64(r.cfg.Conns) / r.cfg.Rate)
	due := r.start.Add(time.Duration(rng.Int64N(int64(interval) + 1))) // spread the connections' phases
	var wbuf []byte
	for c != nil {
		dues := make(chan time.Time, r.cfg.Depth) // the requests unanswered, in order
		readerDone := make(chan struct{})
		go func() {
			defer close(readerDone)
			r.readDue(ctx, c, dues, sh)
		}()
		broken := false
		for !broken {
			if wait := time.Until(due); wait > 0 {
				time.Sleep(wait)
			}
			now := time.Now()
			if !r.more(ctx, now, 1) {
				break
			}
			select {
			case dues <- due: // fewer than Depth unanswered
			case <-readerDone:
				broken = true
				continue
			}
			wbuf = r.cfg.Scenario.Append(wbuf[:0], rng)
			due = due.Add(interval)
			// Requests already due leave in the same write while there is
			// room: a generator behind its schedule catches up in fewer
			// syscalls (one per request could not reach 300k/s on a core).
			for !due.After(now) && len(dues) < cap(dues) && r.more(ctx, now, 1) {
				dues <- due // cannot block: the reader only takes
				wbuf = r.cfg.Scenario.Append(wbuf, rng)
				due = due.Add(interval)
			}
			c.SetWriteDeadline(now.Add(r.cfg.Timeout))
			if _, err := c.Write(wbuf); err != nil {
				r.fail(ctx)
				broken = true
			}
		}
		close(dues)
		if broken {
			c.Close() // the reader stops, if it has not
		}
		<-readerDone
		c.Close()
		c = nil
		if broken {
			c = r.redial()
		}
	}
}

// readDue reads an answer for every due time sent on dues, recording its
// latency from then, until dues is closed and drained or the connection
// fails or is closed by the server.
func (r *run) readDue(ctx context.Context, c net.Conn, dues <-chan time.Time, sh *shard) {
	br := bufio.NewReaderSize(c, 64<<10)
	for due := range dues {
		c.SetReadDeadline(time.Now().Add(r.cfg.Timeout))
		status, closing, err := r.readAnswer(br)
		if err != nil {
			r.fail(ctx)
			c.Close()
			return
		}
		sh.record(time.Since(due))
		r.done.Add(1)
		r.status(status)
		if closing {
			c.Close()
			return
		}
	}
}
