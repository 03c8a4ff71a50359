package api

import (
	"fmt"
	"strconv"
	"time"

	"github.com/geometryos/daemon1/server"
	"github.com/geometryos/daemon1/store"
	"github.com/valyala/fasthttp"
)

// Read-your-writes in a fleet. Every answer carries SeqHeader: the
// position in the fleet's write log that the node had applied (for a
// write: at least the write's own). A read that sends the header back, to
// any node, is answered from a store that has applied at least that far:
// it waits for it, within its budget, on a worker, or is answered 503
// (/problems/not-caught-up) with Retry-After. Without the header a read
// gets what the node has (the fleet's other writes may be a few
// milliseconds away); on a single node every read sees every write
// acknowledged before it.

// SeqHeader carries the read-your-writes token.
const SeqHeader = "Daemon1-Seq"

// token is the request's SeqHeader: 0 without one; ok is false (and a 400
// answered) when it is not a number.
func token(ctx *fasthttp.RequestCtx) (seq uint64, ok bool) {
	v := ctx.Request.Header.Peek(SeqHeader)
	if len(v) == 0 {
		return 0, true
	}
	seq, ok = parseSeq(v)
	if !ok {
		badParam(ctx, "%s: %q is not a position of the write log: send back the value of a %s response header", SeqHeader, v, SeqHeader)
		return 0, false
	}
	return seq, true
}

// behind reports whether the request's token is ahead of what the node
// has applied: the route's Offload, so that the wait is on a worker.
func (a *Features) behind(ctx *fasthttp.RequestCtx) bool {
	if !a.tokens || len(ctx.Request.Header.Peek(SeqHeader)) == 0 {
		return false
	}
	s := a.store.Load()
	seq, ok := parseSeq(ctx.Request.Header.Peek(SeqHeader)) // a bad one is answered by the handler
	return ok && s != nil && seq > s.Applied()
}

// parseSeq reads a position: 1 to 19 decimal digits.
func parseSeq(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	return v, true
}

// read wraps a read's handler: with tokens on, it waits for the request's
// token and tells the position the answer reflects.
func (a *Features) read(h fasthttp.RequestHandler) fasthttp.RequestHandler {
	if !a.tokens {
		return h
	}
	return func(ctx *fasthttp.RequestCtx) {
		if s := a.store.Load(); s != nil && !a.caughtUp(ctx, s) {
			return
		}
		h(ctx)
	}
}

// caughtUp waits, within the request's budget, until s has applied the
// request's token; it answers and reports false if it does not.
func (a *Features) caughtUp(ctx *fasthttp.RequestCtx, s *store.Store) bool {
	seq, ok := token(ctx)
	if !ok {
		return false
	}
	// Wait two thirds of what is left of the budget, as a search stops: the
	// rest is for the answer, before the engine would stand in for it.
	until := time.Now().Add(time.Until(server.Deadline(ctx)) * 2 / 3)
	if seq > s.Applied() && !s.WaitApplied(seq, until) {
		ctx.Response.Header.Set("Retry-After", "1")
		server.WriteProblem(ctx, fasthttp.StatusServiceUnavailable, ProblemNotCaughtUp,
			fmt.Sprintf("this node has applied the fleet's write log up to %d, not yet to %d (your %s): retry, here or on another node",
				s.Applied(), seq, SeqHeader))
		return false
	}
	setSeq(ctx, s.Applied())
	return true
}

// setSeq sets the response's SeqHeader.
func setSeq(ctx *fasthttp.RequestCtx, seq uint64) {
	var b [20]byte
	ctx.Response.Header.SetBytesV(SeqHeader, strconv.AppendUint(b[:0], seq, 10))
}

// refusedOnItsCopy reports whether a write's status is a refusal judged
// on the node's copy of the store: no such collection or feature, an id
// taken, a precondition failed, an Idempotency-Key used for another
// request.
func refusedOnItsCopy(status int) bool {
	switch status {
	case fasthttp.StatusNotFound, fasthttp.StatusConflict, fasthttp.StatusPreconditionFailed, fasthttp.StatusUnprocessableEntity:
		return true
	}
	return false
}

// rejudge makes a write's refusal linearizable in a fleet. The node
// judged it on its copy, which may not have had a write the fleet
// acknowledged before this one came (another node made the ETag the
// client sends, say). So the node asks the log for its last position: if
// the copy has moved past what it had when the write came (before), the
// write runs again (it changed nothing) on a copy that has every earlier
// write. A refusal the log cannot confirm in time is a 503: nothing was
// written.
func (a *Features) rejudge(ctx *fasthttp.RequestCtx, s *store.Store, before uint64, h fasthttp.RequestHandler) {
	moved, err := s.CatchUp(before)
	switch {
	case err != nil:
		ctx.Response.Reset()
		ctx.Response.Header.Set("Retry-After", "1")
		server.WriteProblem(ctx, fasthttp.StatusServiceUnavailable, ProblemUnavailable,
			"the write was refused on this node's copy of the store, and the fleet's log could not confirm that copy in time ("+
				err.Error()+"): nothing was written; retry")
	case moved:
		ctx.Response.Reset()
		h(ctx)
	}
}
