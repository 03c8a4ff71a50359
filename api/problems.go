package api

import (
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
	fail(ctx, store.ErrNoCollection, Subject{Collection: string(name)})
}

func noFeature(ctx *fasthttp.RequestCtx, c *store.Collection, id []byte) {
	fail(ctx, store.ErrNoFeature, Subject{Collection: c.Name(), ID: id})
}

// writeError answers the error of a store write, in place of anything
// the response held (a write made once is answered as it is staged).
func writeError(ctx *fasthttp.RequestCtx, c *store.Collection, id []byte, err error) {
	ctx.Response.Reset()
	fail(ctx, err, Subject{Collection: c.Name(), ID: id})
}

// paramError is a bad query parameter or body member; its text is the
// detail of a 400.
type paramError struct{ msg string }

func (e *paramError) Error() string { return e.msg }

func errorf(format string, args ...any) error { return &paramError{fmt.Sprintf(format, args...)} }
