package server

import (
	"github.com/geometryos/daemon1/codec"
	"github.com/valyala/fasthttp"
)

// problemKind names a kind of problem for the statuses the engine itself
// answers. API handlers bring their own kinds.
type problemKind struct{ typ, title string }

var engineProblems = map[int]problemKind{
	400: {"/problems/bad-request", "Bad Request"},
	404: {"/problems/not-found", "Not Found"},
	405: {"/problems/method-not-allowed", "Method Not Allowed"},
	408: {"/problems/request-timeout", "Request Timeout"},
	413: {"/problems/payload-too-large", "Content Too Large"},
	414: {"/problems/uri-too-long", "URI Too Long"},
	417: {"/problems/expectation-failed", "Expectation Failed"},
	431: {"/problems/header-too-large", "Request Header Fields Too Large"},
	500: {"/problems/internal", "Internal Server Error"},
	501: {"/problems/not-implemented", "Not Implemented"},
	503: {"/problems/overloaded", "Service Unavailable"},
	505: {"/problems/http-version", "HTTP Version Not Supported"},
}

// engineDetail says what to fix, for the statuses the engine answers.
var engineDetail = map[int]string{
	400: "the request is not valid HTTP/1.1 (RFC 9112); the connection is closed",
	404: "no resource at this path; see /api for the paths served",
	405: "this path does not support the method; see the Allow header",
	408: "the request was not received in time; the connection is closed",
	413: "the request body is larger than the server accepts",
	414: "the request target is longer than the server accepts",
	417: "only the expectation 100-continue is supported",
	431: "the request header block is larger than the server accepts",
	500: "the server failed to handle the request; it has been logged",
	501: "the method or transfer coding is not implemented",
	503: "the server is overloaded; retry after the time in Retry-After",
	505: "only HTTP/1.1 and HTTP/1.0 are served",
}

// WriteProblem makes ctx's response an RFC 9457 problem+json document with the
// given status, type (a stable relative URI such as "/problems/not-found"),
// title and detail; instance is the request path. It reuses the response's
// body buffer: no allocation once warm.
func WriteProblem(ctx *fasthttp.RequestCtx, status int, typ, title, detail string) {
	p := codec.Problem{Type: typ, Title: title, Status: status, Detail: detail,
		Instance: rawPath(ctx)}
	resp := &ctx.Response
	resp.SetStatusCode(status)
	resp.Header.SetContentType(codec.ProblemContentType)
	body := resp.SwapBody(nil)
	resp.SwapBody(codec.AppendProblem(body[:0], &p))
}

// writeEngineProblem answers one of the engine's own statuses.
func writeEngineProblem(ctx *fasthttp.RequestCtx, status int) {
	k, ok := engineProblems[status]
	if !ok {
		panic("BUG: no problem kind for engine status")
	}
	WriteProblem(ctx, status, k.typ, k.title, engineDetail[status])
	if status == 503 {
		ctx.Response.Header.Set("Retry-After", "1")
	}
}
