package server

import "github.com/valyala/fasthttp"

// Hold lets a handler answer later, from another goroutine, without a
// worker waiting for it: a write hands its work to something that answers
// many at once (the store's committer) and returns. It reports false on
// an engine that cannot hold a request (fasthttp.Server), or when called
// twice; the handler then answers as usual, before it returns.
//
// After Hold the handler must not touch ctx again. The goroutine that
// answers fills ctx.Response and calls Done(ctx), exactly once; until
// then the request keeps its place in its connection's order, and the
// answers pipelined behind it wait. A held request is never answered in
// its place, however late: a write's own answer is the truth about what
// changed, and a held read must bound its own wait by its Deadline.
func Hold(ctx *fasthttp.RequestCtx) bool {
	m := metaOf(ctx)
	if m == nil || m.x == nil || m.held {
		return false
	}
	m.held = true
	m.x.refs.Add(1)
	m.x.state.CompareAndSwap(xQueued, xStarted) // inline; a worker's is started already
	return true
}

// Done sends the answer of a request held with Hold. It may be called from
// any goroutine, also before the handler that held it has returned.
func Done(ctx *fasthttp.RequestCtx) {
	m := metaOf(ctx)
	if m == nil || !m.held {
		panic("BUG: server.Done for a request that was not held")
	}
	x := m.x
	e := x.c.e
	x.encode()
	if x.refs.Add(-1) == 0 {
		e.finish(x) // the handler has returned: hand it on
	}
}
