package api

import (
	"errors"
	"fmt"

	"github.com/valyala/fasthttp"

	"github.com/geometryos/daemon1/server"
	"github.com/geometryos/daemon1/store"
)

// Failure is how the error of an operation is answered, whatever carried
// the request: a status (HTTP's; another protocol maps it to its own), a
// problem type, a detail a client can act on, and for a refusal worth
// retrying, in how many seconds (Retry-After).
type Failure struct {
	Status     int
	Problem    *server.Problem
	Detail     string
	RetryAfter string
}

// problem is a failure without Retry-After.
func problem(status int, p *server.Problem, detail string) Failure {
	return Failure{Status: status, Problem: p, Detail: detail}
}

// after is f, retried after seconds.
func (f Failure) after(seconds string) Failure {
	f.RetryAfter = seconds
	return f
}

// Subject is what an operation was about, for the detail of its failure.
type Subject struct {
	Collection string
	ID         []byte // the feature's id, if the operation had one
	// Bulk: the operation was a bulk insert, and Item the index of the
	// feature an error is about.
	Bulk bool
	Item int
}

// errStarting: the store is not open yet (its file is being replayed).
var errStarting = errors.New("daemon1 is starting")

// Classify is the one table from an operation's error to its answer. ok is
// false for an error it does not know: a bug, answered 500 (server.Fail).
func Classify(err error, on Subject) (f Failure, ok bool) {
	var (
		ge      *store.GeometryError
		ie      *store.InputError
		tooMany *store.TooManyError
	)
	switch {
	case errors.Is(err, errStarting):
		return problem(fasthttp.StatusServiceUnavailable, ProblemUnavailable,
			"daemon1 is starting: it is replaying its append-only file; GET /readyz says when it is done").after("1"), true
	case errors.Is(err, store.ErrNoCollection):
		return problem(fasthttp.StatusNotFound, ProblemNoCollection,
			fmt.Sprintf("there is no collection %q; GET /collections lists them, PUT /collections/{name} makes one", on.Collection)), true
	case errors.Is(err, store.ErrNoFeature):
		return problem(fasthttp.StatusNotFound, ProblemNoFeature,
			fmt.Sprintf("collection %q has no feature %q", on.Collection, on.ID)), true
	case errors.Is(err, store.ErrPrecondition):
		return problem(fasthttp.StatusPreconditionFailed, ProblemPrecondition,
			"the feature's current ETag does not match If-Match (or it does not exist): GET it, and send its ETag"), true
	case errors.Is(err, store.ErrKeyReused):
		return problem(fasthttp.StatusUnprocessableEntity, ProblemKeyReused,
			"this Idempotency-Key was sent before with another request (another collection, Content-Type or body): nothing was written; use a new key for a new request"), true
	case errors.Is(err, store.ErrExists) && on.Bulk:
		return problem(fasthttp.StatusConflict, ProblemConflict,
			"features["+itoa(on.Item)+"]: collection "+quote(on.Collection)+" already has a feature "+quote(string(on.ID))+"; nothing was inserted"), true
	case errors.Is(err, store.ErrExists):
		return problem(fasthttp.StatusConflict, ProblemConflict,
			fmt.Sprintf("collection %q already has a feature %q: PUT /collections/%s/items/{id} replaces one", on.Collection, on.ID, on.Collection)), true
	case errors.Is(err, store.ErrDuplicateID):
		return problem(fasthttp.StatusBadRequest, ProblemInvalidBody,
			fmt.Sprintf("features[%d]: id %q appears earlier in the same request; nothing was inserted", on.Item, on.ID)), true
	case errors.As(err, &tooMany):
		return problem(fasthttp.StatusRequestEntityTooLarge, ProblemTooLarge, tooMany.Error()), true
	case errors.As(err, &ge):
		return problem(fasthttp.StatusUnprocessableEntity, ProblemInvalidGeometry, "invalid geometry at "+ge.Error()), true
	case errors.As(err, &ie):
		where := ie.Path
		if where == "" {
			where = "the body"
		}
		return problem(fasthttp.StatusBadRequest, ProblemInvalidBody, where+": "+ie.Reason), true
	}
	return classifyStore(err)
}

// classifyStore answers a write the store could not make durable: 507 for
// a full disk, 503 with Retry-After for a read-only or closing store or a
// write the file kept refusing, 504 when the fleet's log did not say.
func classifyStore(err error) (Failure, bool) {
	switch {
	case errors.Is(err, store.ErrNoSpace):
		return problem(fasthttp.StatusInsufficientStorage, ProblemNoSpace,
			"the disk holding the append-only file is full: the write was not made; free space and retry"), true
	case errors.Is(err, store.ErrReadOnly):
		return problem(fasthttp.StatusServiceUnavailable, ProblemReadOnly,
			"the store is read-only until daemon1 is restarted ("+err.Error()+"); reads still work").after("60"), true
	case errors.Is(err, store.ErrBusy):
		return problem(fasthttp.StatusServiceUnavailable, ProblemUnavailable,
			"too many writes are waiting to be made durable: this one was not made; retry").after("1"), true
	case errors.Is(err, store.ErrClosed):
		return problem(fasthttp.StatusServiceUnavailable, ProblemUnavailable, "daemon1 is shutting down; retry elsewhere or later").after("1"), true
	case errors.Is(err, store.ErrOutcomeUnknown):
		return problem(fasthttp.StatusGatewayTimeout, ProblemOutcomeUnknown,
			"the fleet's write log did not confirm the write in time: it may or may not have been made ("+err.Error()+
				"). GET what you wrote to see; a POST sent again with the same Idempotency-Key is made at most once"), true
	case errors.Is(err, store.ErrWriteFailed):
		return problem(fasthttp.StatusServiceUnavailable, ProblemUnavailable,
			"the write could not be made durable in time ("+err.Error()+"); it was not made: retry").after("1"), true
	}
	return Failure{}, false
}

// fail answers err of an operation on `on`, in place of nothing the
// response holds yet: its failure, or 500 for an error Classify does not
// know.
func fail(ctx *fasthttp.RequestCtx, err error, on Subject) {
	f, ok := Classify(err, on)
	if !ok {
		server.Fail(ctx, err)
		return
	}
	if f.RetryAfter != "" {
		ctx.Response.Header.Set("Retry-After", f.RetryAfter)
	}
	server.WriteProblem(ctx, f.Status, f.Problem, f.Detail)
}
