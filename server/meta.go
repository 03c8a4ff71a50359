package server

import (
	"bytes"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
)

// metaKey is the user-value key under which each request carries its *meta.
// A constant string and a pointer box into interfaces without allocating.
const metaKey = "daemon1.request"

// meta is what daemon1 knows about a request beyond what fasthttp parsed.
type meta struct {
	params   Params
	id       uint64    // the request id, in problem bodies and the error log
	start    time.Time // when the request started: its budget counts from here (restart)
	deadline time.Time
	route    *Route
	x        *exchange // the gnet engine's exchange of the request (nil on fasthttp.Server)
	held     bool      // Hold was called: another goroutine answers
	behind   bool      // an Ordered read started behind held writes

	// The gnet engine's own clock (Engine.mono) for the same instants.
	startMono, deadlineMono int64

	rejected bool   // refused before routing (framing, parse, timeout)
	http10   bool   // answer an HTTP/1.0 client as one
	head     bool   // a HEAD request: no body in the answer
	cut      bool   // a read's answer was cut short by its budget (Cut)
	kind     string // the error kind of a problem answer, if any
	detail   string
	err      error
	stack    []byte
	line     []byte // a rejected request's line as received (clipped), for the log
	why      string // the detail of a refusal before routing, when the protocol has its own

	// A frame of the binary protocol: its request id, and its connection's session.
	frameID uint32
	session *Session
}

func (m *meta) reset() {
	params, line := m.params, m.line[:0]
	params.reset()
	*m = meta{params: params, line: line}
}

// maxLoggedLine bounds the request line a rejected request logs.
const maxLoggedLine = 256

// keepLine keeps the request line at the start of raw (up to its end of
// line, at most maxLoggedLine bytes) for the error log: the request itself
// is reset before it is answered.
func (m *meta) keepLine(raw []byte) {
	if i := bytes.IndexAny(raw, "\r\n"); i >= 0 {
		raw = raw[:i]
	}
	m.line = append(m.line[:0], raw[:min(len(raw), maxLoggedLine)]...)
}

// lineParts splits the kept request line into its method (a constant
// string) and its target.
func (m *meta) lineParts() (method, target string) {
	if len(m.line) == 0 {
		return "", ""
	}
	first, rest, _ := bytes.Cut(m.line, []byte(" "))
	target, _, _ = strings.Cut(string(rest), " ")
	return methodString(first), target
}

// restart moves the request's start to now, keeping its budget: a request
// held back behind its connection's earlier requests starts when they let
// it go (order.go).
func (m *meta) restart(now int64, e *Engine) {
	budget := time.Duration(m.deadlineMono - m.startMono)
	m.startMono, m.start = now, e.wall(now)
	m.setBudget(budget)
}

// setBudget moves the deadline to budget after the start.
func (m *meta) setBudget(budget time.Duration) {
	m.deadline = m.start.Add(budget)
	m.deadlineMono = m.startMono + int64(budget)
}

func metaOf(ctx *fasthttp.RequestCtx) *meta {
	m, _ := ctx.UserValue(metaKey).(*meta)
	return m
}

// Param returns the percent-decoded value of the path parameter name of the
// request's route pattern, or nil. The slice is valid until the request is
// answered: until the handler returns, or, after Hold, until Done.
func Param(ctx *fasthttp.RequestCtx, name string) []byte {
	if m := metaOf(ctx); m != nil {
		return m.params.Get(name)
	}
	return nil
}

// Deadline returns when the request's budget runs out: work that cannot
// finish by then should stop early. It is the zero time for a request that
// did not come through this package's engines.
func Deadline(ctx *fasthttp.RequestCtx) time.Time {
	if m := metaOf(ctx); m != nil {
		return m.deadline
	}
	return time.Time{}
}

// Start returns when the request started, the moment its budget counts
// from: when it was read in full (its last byte), or, for one pipelined
// behind earlier requests of its connection that held it back, when they
// let it go. Handlers should use it rather than ctx.Time(), which the
// gnet engine stamps once per connection context.
func Start(ctx *fasthttp.RequestCtx) time.Time {
	if m := metaOf(ctx); m != nil {
		return m.start
	}
	return ctx.Time()
}

// BehindHeldWrites reports whether ctx is a read of an Ordered route
// started behind writes of its connection that are still held for the
// committer: it must not answer from what those writes may change, but
// Hold itself and be answered as of its place among them (Route.Ordered).
func BehindHeldWrites(ctx *fasthttp.RequestCtx) bool {
	m := metaOf(ctx)
	return m != nil && m.behind
}

// Cut notes that a read's answer was cut short by its budget (a page
// with a next link where more was asked): counted, per route, apart from
// refusals and late answers.
func Cut(ctx *fasthttp.RequestCtx) {
	if m := metaOf(ctx); m != nil {
		m.cut = true
	}
}

// RequestID returns the request's id: unique within the process, in problem
// bodies and the error log as 16 hex digits.
func RequestID(ctx *fasthttp.RequestCtx) uint64 {
	if m := metaOf(ctx); m != nil {
		return m.id
	}
	return ctx.ID()
}

// RoutePattern returns the pattern of the route serving ctx, or "".
func RoutePattern(ctx *fasthttp.RequestCtx) string {
	if m := metaOf(ctx); m != nil && m.route != nil {
		return m.route.Pattern
	}
	return ""
}
