package server

import (
	"net"
	"time"

	"github.com/geometryos/daemon1/errlog"
	"github.com/valyala/fasthttp"
)

// doneRec is a response written in this pass, waiting for the pass's end to
// have its latency recorded: one clock read serves every response of a pass.
type doneRec struct {
	rm       *routeMetrics
	start    int64 // Engine.mono from which its time counts (turnOf)
	deadline int64 // Engine.mono when its budget ran out, so counted
	status   int
	id       uint64
	method   string
}

// metricsOf returns the series x counts under.
func (o *Observer) metricsOf(m *meta) *routeMetrics {
	switch {
	case m.route != nil && m.route.metrics != nil:
		return m.route.metrics
	case m.rejected:
		return o.rejected
	}
	return o.unmatched
}

// account notes x's response as written: it logs an error answer now and
// leaves the latency to recordDone.
func (c *conn) account(x *exchange) {
	o := c.e.obs
	m := &x.meta
	if o == nil {
		if m.stack != nil {
			c.e.opts.Logf("request %x: %v\n%s", m.id, m.err, m.stack)
		}
		return
	}
	rm := o.metricsOf(m)
	status := x.ctx.Response.StatusCode()
	method, target := rm.method, "" // a 503 stand-in has no parsed request of its own
	switch {
	case m.rejected:
		method, target = m.lineParts()
	case m.route == nil:
		method = methodString(x.ctx.Method())
	}
	rm.outcome(m, status)
	if status >= 400 {
		o.logError(errorEntry(m, rm, status, method, target, c.nc.remote))
	}
	start := c.turnOf(m)
	c.done = append(c.done, doneRec{rm: rm, start: start, deadline: start + (m.deadlineMono - m.startMono), status: status, id: m.id, method: method})
}

// turnOf is the moment from which the answer about to be written counts
// its time, for its latency and its budget: when its request started, or
// when the connection's previous answer was ready, if that came later.
// A pipelined request waits for its connection's earlier requests to be
// answered first (answers leave in order): that wait is the client's own
// queue, not the server's time. It moves the connection's turn on.
func (c *conn) turnOf(m *meta) int64 {
	start := max(m.startMono, c.turn)
	c.turn = c.now
	return start
}

// errorEntry describes an error answer for the log.
// target is the request target of a rejected request ("" otherwise: the
// route names it).
func errorEntry(m *meta, rm *routeMetrics, status int, method, target string, remote net.Addr) *errlog.Entry {
	kind := m.kind
	switch {
	case kind != "":
	case status >= 500:
		kind = KindServerError
	default:
		kind = KindClientError
	}
	return &errlog.Entry{Kind: kind, Status: status, Route: rm.route, Method: method, Target: target, RequestID: m.id,
		Remote: remote, Message: m.detail, Err: m.err, Stack: m.stack}
}

// recordDone records the latency of the pass's responses, now written, and
// counts as overruns those written after their budget (turnOf).
func (c *conn) recordDone(end int64) {
	if len(c.done) == 0 {
		return
	}
	for i := range c.done {
		d := &c.done[i]
		d.rm.done(d.status, time.Duration(end-d.start))
		if end > d.deadline {
			d.rm.overrun()
			c.e.obs.logError(&errlog.Entry{Kind: KindBudgetOverrun, Status: d.status, Route: d.rm.route,
				Method: d.method, RequestID: d.id, Remote: c.nc.remote,
				Message: "the response was written after the request budget"})
		}
	}
	clear(c.done)
	c.done = c.done[:0]
}

// standardMethods are the methods of RFC 9110 and RFC 5789 (PATCH).
var standardMethods = []string{fasthttp.MethodGet, fasthttp.MethodHead, fasthttp.MethodPost, fasthttp.MethodPut,
	fasthttp.MethodPatch, fasthttp.MethodDelete, fasthttp.MethodOptions, fasthttp.MethodTrace, fasthttp.MethodConnect}

// methodString returns a constant string for a standard method, or
// "other", so that logging one allocates nothing.
func methodString(m []byte) string {
	for _, s := range standardMethods {
		if string(m) == s {
			return s
		}
	}
	return "other"
}
