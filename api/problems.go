package api

import (
	"errors"
	"fmt"

	"github.com/geometryos/daemon1/server"
	"github.com/geometryos/daemon1/store"
	"github.com/valyala/fasthttp"
)

// The problem types the API answers with, beyond the engine's own (see
// server.Problem*). Each is documented in the OpenAPI document under the
// same type URI.
var (
	ProblemInvalidParameter = server.ProblemBadParameter
	ProblemInvalidBody      = &server.Problem{Type: "/problems/invalid-body", Title: "Invalid Body", Kind: "invalid_body"}
	ProblemInvalidGeometry  = &server.Problem{Type: "/problems/invalid-geometry", Title: "Invalid Geometry", Kind: "invalid_geometry"}
	ProblemNoCollection     = &server.Problem{Type: "/problems/no-such-collection", Title: "No Such Collection", Kind: server.KindNotFound}
	ProblemNoFeature        = &server.Problem{Type: "/problems/no-such-feature", Title: "No Such Feature", Kind: server.KindNotFound}
	ProblemConflict         = &server.Problem{Type: "/problems/conflict", Title: "Conflict", Kind: "conflict"}
	ProblemPrecondition     = &server.Problem{Type: "/problems/precondition-failed", Title: "Precondition Failed", Kind: "precondition_failed"}
	ProblemNotAcceptable    = &server.Problem{Type: "/problems/not-acceptable", Title: "Not Acceptable", Kind: "not_acceptable"}
	ProblemMediaType        = &server.Problem{Type: "/problems/unsupported-media-type", Title: "Unsupported Media Type", Kind: "unsupported_media_type"}
	ProblemUnauthorized     = &server.Problem{Type: "/problems/unauthorized", Title: "Unauthorized", Kind: "unauthorized"}
	ProblemTooLarge         = server.ProblemTooLarge
	ProblemNoSpace          = &server.Problem{Type: "/problems/insufficient-storage", Title: "Insufficient Storage", Kind: "insufficient_storage"}
	ProblemReadOnly         = &server.Problem{Type: "/problems/read-only", Title: "Service Unavailable", Kind: "read_only"}
	ProblemUnavailable      = server.ProblemOverloaded
	ProblemKeyReused        = &server.Problem{Type: "/problems/idempotency-key-reused", Title: "Idempotency Key Reused", Kind: "idempotency_key_reused"}
	ProblemNotCaughtUp      = &server.Problem{Type: "/problems/not-caught-up", Title: "Service Unavailable", Kind: "not_caught_up"}
	ProblemOutcomeUnknown   = &server.Problem{Type: "/problems/outcome-unknown", Title: "Outcome Unknown", Kind: "outcome_unknown"}
)

// apiKinds are the error kinds above that the engine does not know.
var apiKinds = []string{"invalid_body", "invalid_geometry", "conflict",
	"precondition_failed", "not_acceptable", "unsupported_media_type", "unauthorized",
	"insufficient_storage", "read_only", "idempotency_key_reused", "not_caught_up", "outcome_unknown"}

func badParam(ctx *fasthttp.RequestCtx, format string, args ...any) {
	server.WriteProblem(ctx, fasthttp.StatusBadRequest, ProblemInvalidParameter, fmt.Sprintf(format, args...))
}

func badBody(ctx *fasthttp.RequestCtx, format string, args ...any) {
	server.WriteProblem(ctx, fasthttp.StatusBadRequest, ProblemInvalidBody, fmt.Sprintf(format, args...))
}

func noCollection(ctx *fasthttp.RequestCtx, name []byte) {
	server.WriteProblem(ctx, fasthttp.StatusNotFound, ProblemNoCollection,
		fmt.Sprintf("there is no collection %q; GET /collections lists them, PUT /collections/{name} makes one", name))
}

func noFeature(ctx *fasthttp.RequestCtx, c *store.Collection, id []byte) {
	server.WriteProblem(ctx, fasthttp.StatusNotFound, ProblemNoFeature,
		fmt.Sprintf("collection %q has no feature %q", c.Name(), id))
}

// inputProblem answers a feature the store refused: 422 for its geometry,
// 400 for the rest of it.
func inputProblem(ctx *fasthttp.RequestCtx, err error) {
	var ge *store.GeometryError
	if errors.As(err, &ge) {
		server.WriteProblem(ctx, fasthttp.StatusUnprocessableEntity, ProblemInvalidGeometry, "invalid geometry at "+ge.Error())
		return
	}
	var ie *store.InputError
	if errors.As(err, &ie) {
		where := ie.Path
		if where == "" {
			where = "the body"
		}
		badBody(ctx, "%s: %s", where, ie.Reason)
		return
	}
	server.Fail(ctx, err)
}

// writeError answers the error of a store write, in place of anything
// the response held (a write made once is answered as it is staged).
func writeError(ctx *fasthttp.RequestCtx, c *store.Collection, id []byte, err error) {
	ctx.Response.Reset()
	switch {
	case errors.Is(err, store.ErrNoCollection):
		noCollection(ctx, []byte(c.Name()))
	case errors.Is(err, store.ErrNoFeature):
		noFeature(ctx, c, id)
	case errors.Is(err, store.ErrPrecondition):
		server.WriteProblem(ctx, fasthttp.StatusPreconditionFailed, ProblemPrecondition,
			"the feature's current ETag does not match If-Match (or it does not exist): GET it, and send its ETag")
	case errors.Is(err, store.ErrKeyReused):
		server.WriteProblem(ctx, fasthttp.StatusUnprocessableEntity, ProblemKeyReused,
			"this Idempotency-Key was sent before with another request (another collection, Content-Type or body): nothing was written; use a new key for a new request")
	case errors.Is(err, store.ErrExists):
		server.WriteProblem(ctx, fasthttp.StatusConflict, ProblemConflict,
			fmt.Sprintf("collection %q already has a feature %q: PUT /collections/%s/items/{id} replaces one", c.Name(), id, c.Name()))
	default:
		if !storeFailure(ctx, err) {
			inputProblem(ctx, err)
		}
	}
}

// storeFailure answers a write the store could not make durable: 507 for
// a full disk, 503 with Retry-After for a read-only or closing store or a
// write the file kept refusing. It reports false, having written nothing,
// for any other error.
func storeFailure(ctx *fasthttp.RequestCtx, err error) bool {
	switch {
	case errors.Is(err, store.ErrNoSpace):
		server.WriteProblem(ctx, fasthttp.StatusInsufficientStorage, ProblemNoSpace,
			"the disk holding the append-only file is full: the write was not made; free space and retry")
	case errors.Is(err, store.ErrReadOnly):
		ctx.Response.Header.Set("Retry-After", "60")
		server.WriteProblem(ctx, fasthttp.StatusServiceUnavailable, ProblemReadOnly,
			"the store is read-only until daemon1 is restarted ("+err.Error()+"); reads still work")
	case errors.Is(err, store.ErrBusy):
		ctx.Response.Header.Set("Retry-After", "1")
		server.WriteProblem(ctx, fasthttp.StatusServiceUnavailable, ProblemUnavailable,
			"too many writes are waiting to be made durable: this one was not made; retry")
	case errors.Is(err, store.ErrClosed):
		ctx.Response.Header.Set("Retry-After", "1")
		server.WriteProblem(ctx, fasthttp.StatusServiceUnavailable, ProblemUnavailable, "daemon1 is shutting down; retry elsewhere or later")
	case errors.Is(err, store.ErrOutcomeUnknown):
		server.WriteProblem(ctx, fasthttp.StatusGatewayTimeout, ProblemOutcomeUnknown,
			"the fleet's write log did not confirm the write in time: it may or may not have been made ("+err.Error()+
				"). GET what you wrote to see; a POST sent again with the same Idempotency-Key is made at most once")
	case errors.Is(err, store.ErrWriteFailed):
		ctx.Response.Header.Set("Retry-After", "1")
		server.WriteProblem(ctx, fasthttp.StatusServiceUnavailable, ProblemUnavailable,
			"the write could not be made durable in time ("+err.Error()+"); it was not made: retry")
	default:
		return false
	}
	return true
}

// paramError is a bad query parameter or body member; its text is the
// detail of a 400.
type paramError struct{ msg string }

func (e *paramError) Error() string { return e.msg }

func errorf(format string, args ...any) error { return &paramError{fmt.Sprintf(format, args...)} }
