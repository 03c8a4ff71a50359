package server

import (
	"fmt"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// exchange is one request and its response: a pooled fasthttp.RequestCtx with
// daemon1's per-request state. On the worker path it also carries the
// serialized response back to the loop.
type exchange struct {
	ctx        fasthttp.RequestCtx
	meta       meta
	c          *conn
	out        []byte       // the serialized response
	state      atomic.Int32 // xQueued, xStarted, xDone or xOrphaned
	close      bool         // decided at parse: the connection closes after this response
	closeAfter bool         // decided when serialized: close, or the handler or a drain asked
	counted    bool         // counted in Engine.inFlight
	pend       pending      // what it waits on in its connection's queue (order.go); the loop's
	// refs counts who still holds x off the loop: its handler while it
	// runs, and, once held (Hold), the goroutine that answers; the last to
	// let go hands x on (serve, runWorker, Done).
	refs      atomic.Int32
	submitted int64 // Engine.mono when handed to the worker pool
	worker    bool  // its handler runs on the worker pool (decided once, at dispatch)
}

const (
	xQueued   int32 = iota // waiting for a worker (or running inline)
	xStarted               // a worker runs its handler
	xDone                  // answered: the loop may write it
	xOrphaned              // given up by the loop (closed, or stood in for): the worker releases
)

// maxPooledOut is the largest buffer a pooled exchange, or an idle
// connection, keeps: bigger ones go back to the garbage collector after use.
const maxPooledOut = 64 << 10

// acquire returns an exchange bound to c: the connection's spare one when it
// has it, so that a connection serving inline requests one after another
// reuses one context and binds it (fasthttp's Init2) once.
func (c *conn) acquire(now int64) *exchange {
	x := c.spare
	if x != nil {
		c.spare = nil
	} else {
		x = c.e.exchanges.Get()
		x.c = c
		x.ctx.Init2(&c.nc, c.e.logger, false)
	}
	c.seq++
	m := &x.meta
	m.x = x
	m.id = c.id<<32 | uint64(c.seq)
	m.startMono, m.deadlineMono = now, now+int64(c.e.opts.Budget)
	m.start = c.e.wall(now)
	m.deadline = m.start.Add(c.e.opts.Budget)
	x.ctx.SetUserValue(metaKey, m)
	return x
}

// recycle resets x; the connection keeps it as its spare if it has none,
// else it goes back to the pool. Called on the loop only. x must not be used
// after recycle.
func (c *conn) recycle(x *exchange) {
	c.e.reset(x)
	if c.spare == nil && x.c == c {
		c.spare = x
		return
	}
	c.e.release(x)
}

// release resets x and returns it to the pool. x must not be used after.
func (e *Engine) release(x *exchange) {
	e.reset(x)
	x.c = nil
	e.exchanges.Put(x)
}

func (e *Engine) reset(x *exchange) {
	if x.counted {
		e.inFlight.Add(-1)
	}
	// fasthttp keeps body buffers across Reset: give big ones back, or an
	// idle connection holds its largest response for life.
	x.ctx.Request.ReleaseBody(maxPooledOut)
	x.ctx.Response.ReleaseBody(maxPooledOut)
	x.ctx.Request.Reset()
	x.ctx.Response.Reset()
	x.ctx.ResetUserValues()
	x.meta.reset()
	x.close, x.closeAfter, x.counted = false, false, false
	x.pend, x.worker = pendNone, false
	if cap(x.out) > maxPooledOut {
		x.out = nil
	}
	x.out = x.out[:0]
	x.refs.Store(0)
	x.state.Store(xQueued)
}

// dispatch runs x's route rt, or defers it while requests ahead of it
// hold it back (order.go); its answer keeps its place in the
// connection's order either way.
func (c *conn) dispatch(x *exchange, rt *Route) {
	if rt.Budget > 0 {
		x.meta.setBudget(rt.Budget)
	}
	x.worker = rt.Mode == Worker || rt.Offload != nil && rt.Offload(&x.ctx)
	if c.pend[pendDeferred] > 0 || c.heldBack(x) {
		c.push(x)
		c.mark(x, pendDeferred)
		return
	}
	if c.start(x, rt) {
		c.emit(x)
		return
	}
	c.push(x)
}

// start runs x's route rt: on a worker, or inline on the loop (where a
// handler may Hold it). It reports whether x is answered (x.out holds
// the answer); if not, x is pending, counted as what it waits on.
func (c *conn) start(x *exchange, rt *Route) (answered bool) {
	e := c.e
	x.meta.behind = rt.Ordered && !x.worker && c.pend[pendHeldWrite] > 0
	if x.worker {
		k := pendWorkerRead
		if rt.Writes {
			k = pendWorkerWrite
		}
		c.mark(x, k) // before Submit: from then on the worker owns x
		x.submitted = e.mono()
		if err := e.workers.Submit(x); err != nil {
			c.unmark(x)
			if e.obs != nil {
				e.obs.poolFull.Inc() // (and counted as refused, by its 503's kind)
			}
			writeEngineProblem(&x.ctx, fasthttp.StatusServiceUnavailable)
			x.encode()
			return true
		}
		return false
	}
	x.refs.Store(1)
	e.call(x)
	if x.refs.Add(-1) > 0 { // held, and not answered yet: it keeps its place in the order
		x.submitted = e.mono()
		if rt.Writes || x.meta.behind {
			c.mark(x, pendHeldWrite)
		} else {
			c.mark(x, pendWorkerRead)
		}
		return false
	}
	if !x.meta.held {
		x.encode() // (a held request answered early was serialized by Done)
	}
	return true
}

// finish serializes an inline response and emits it in order.
func (c *conn) finish(x *exchange) {
	x.encode()
	c.emit(x)
}

// finishWithStatus answers x with one of the engine's statuses and closes the
// connection after it: used for requests that could not be parsed or timed
// out, after which the byte stream cannot be trusted.
// raw is what was received of the request, whose line the error log keeps.
func (c *conn) finishWithStatus(x *exchange, status int, raw []byte) {
	c.proto.keepRejected(c, &x.meta, raw)
	x.ctx.Request.Reset() // which drops the user values: set the meta again
	x.ctx.Response.Reset()
	x.ctx.SetUserValue(metaKey, &x.meta)
	x.meta.rejected = true
	why := x.meta.why
	if why == "" {
		why = c.e.limitDetails[status]
	}
	if why != "" {
		WriteProblem(&x.ctx, status, engineProblems[status].p, why)
	} else {
		writeEngineProblem(&x.ctx, status)
	}
	x.close = true
	c.closing = true
	c.finish(x)
}

// reject answers a request the framer refused and stops parsing.
// raw is the unparsed input from the rejected request's first byte.
func (c *conn) reject(status int, raw []byte) {
	c.finishWithStatus(c.acquire(c.e.mono()), status, raw)
}

// runWorker is the worker pool's function. A request the loop has given up
// on (its connection closed) never runs. The pool hands a request to an
// idle worker or refuses it at once (start): once it is handed over it has
// started, however long the scheduler takes to run it, and its own answer
// is sent, late or not: a write's is the truth about what changed, and a
// read cuts its own work to its deadline (the lateness, if any, is counted
// when it is written).
func (e *Engine) runWorker(x *exchange) {
	if e.obs != nil {
		e.obs.queueWait.Update(time.Duration(e.mono() - x.submitted).Seconds())
	}
	if !x.state.CompareAndSwap(xQueued, xStarted) {
		e.release(x) // its connection is gone
		return
	}
	x.refs.Store(1)
	e.call(x)
	if x.refs.Add(-1) > 0 {
		return // held, and not answered yet: Done finishes it
	}
	if !x.meta.held {
		x.encode() // (a held request answered early was serialized by Done)
	}
	e.finish(x)
}

// finish hands a serialized answer to its connection's loop, or releases
// x if the loop gave it up (the connection is gone).
func (e *Engine) finish(x *exchange) {
	c := x.c
	if !x.state.CompareAndSwap(xStarted, xDone) {
		e.release(x)
		return
	}
	c.wake()
}

func (e *Engine) call(x *exchange) { callHandler(x.meta.route.Handler, &x.ctx) }

// callHandler runs h; a panic answers 500 (with the request id, never the
// stack), is logged with its stack, and leaves the connection and the
// process serving.
func callHandler(h fasthttp.RequestHandler, ctx *fasthttp.RequestCtx) {
	defer func() {
		if r := recover(); r != nil {
			ctx.Response.Reset()
			writeEngineProblem(ctx, fasthttp.StatusInternalServerError)
			if m := metaOf(ctx); m != nil {
				m.kind, m.detail = KindPanic, "the handler panicked"
				m.err, m.stack = fmt.Errorf("panic: %v", r), debug.Stack()
			}
		}
	}()
	h(ctx)
}
