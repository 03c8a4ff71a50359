package server

import (
	"bytes"
	"github.com/geometryos/daemon1/codec"
	"github.com/valyala/fasthttp"
)

// Problem is a kind of problem an answer reports: its stable type URI (a
// relative URI documented in the OpenAPI document), its title, and the
// error-log kind it counts under.
type Problem struct {
	Type  string
	Title string
	Kind  string
}

// The problems the engine itself answers with.
var (
	ProblemBadRequest     = &Problem{"/problems/bad-request", "Bad Request", KindBadRequest}
	ProblemNotFound       = &Problem{"/problems/not-found", "Not Found", KindNotFound}
	ProblemMethod         = &Problem{"/problems/method-not-allowed", "Method Not Allowed", KindMethod}
	ProblemTimeout        = &Problem{"/problems/request-timeout", "Request Timeout", KindRequestTimeout}
	ProblemTooLarge       = &Problem{"/problems/payload-too-large", "Content Too Large", KindTooLarge}
	ProblemURITooLong     = &Problem{"/problems/uri-too-long", "URI Too Long", KindURITooLong}
	ProblemExpectation    = &Problem{"/problems/expectation-failed", "Expectation Failed", KindExpectation}
	ProblemHeaderTooLarge = &Problem{"/problems/header-too-large", "Request Header Fields Too Large", KindHeaderTooLarge}
	ProblemInternal       = &Problem{"/problems/internal", "Internal Server Error", KindInternal}
	ProblemNotImplemented = &Problem{"/problems/not-implemented", "Not Implemented", KindNotImplemented}
	ProblemOverloaded     = &Problem{"/problems/overloaded", "Service Unavailable", KindOverloaded}
	ProblemHTTPVersion    = &Problem{"/problems/http-version", "HTTP Version Not Supported", KindHTTPVersion}
	// ProblemBadParameter is the API's invalid-parameter problem, which the
	// router answers itself for a query that cannot be decoded.
	ProblemBadParameter = &Problem{"/problems/invalid-parameter", "Invalid Parameter", KindBadParameter}
)

// engineProblems maps the statuses the engine answers to their problem and
// a detail that says what to fix.
var engineProblems = map[int]struct {
	p      *Problem
	detail string
}{
	400: {ProblemBadRequest, "the request is not valid HTTP/1.1 (RFC 9112); the connection is closed"},
	404: {ProblemNotFound, "no resource at this path; see /api for the paths served"},
	405: {ProblemMethod, "this path does not support the method; see the Allow header"},
	408: {ProblemTimeout, "the request was not received in time; the connection is closed"},
	413: {ProblemTooLarge, "the request body is larger than the server accepts"},
	414: {ProblemURITooLong, "the request target is longer than the server accepts"},
	417: {ProblemExpectation, "only the expectation 100-continue is supported"},
	431: {ProblemHeaderTooLarge, "the request header block is larger than the server accepts"},
	500: {ProblemInternal, "the server failed to handle the request; it has been logged under the requestId"},
	501: {ProblemNotImplemented, "the method or transfer coding is not implemented"},
	503: {ProblemOverloaded, "the server is overloaded; retry after the time in Retry-After"},
	505: {ProblemHTTPVersion, "only HTTP/1.1 and HTTP/1.0 are served"},
}

// WriteProblem makes ctx's response an RFC 9457 problem+json document of kind
// p with status and a detail that says what to fix; the instance is the
// request path, and a 5xx carries the request id. It reuses the response's
// body buffer: no allocation once warm. The problem's kind and detail go to
// the error log with the request.
func WriteProblem(ctx *fasthttp.RequestCtx, status int, p *Problem, detail string) {
	doc := codec.Problem{Type: p.Type, Title: p.Title, Status: status, Detail: detail, Instance: rawPath(ctx)}
	if m := metaOf(ctx); m != nil {
		if m.rejected && len(m.line) > 0 { // the request was reset: its path is in the line kept
			doc.Instance = lineTarget(m.line)
		}
		m.kind, m.detail = p.Kind, detail
		if status >= 500 {
			doc.RequestID = m.id
		}
	}
	resp := &ctx.Response
	resp.SetStatusCode(status)
	resp.Header.SetContentType(codec.ProblemContentType)
	body := resp.SwapBody(nil)
	resp.SwapBody(codec.AppendProblem(body[:0], &doc))
}

// Fail answers 500 for an internal failure and logs err with the request.
func Fail(ctx *fasthttp.RequestCtx, err error) {
	writeEngineProblem(ctx, fasthttp.StatusInternalServerError)
	if m := metaOf(ctx); m != nil {
		m.err = err
	}
}

// writeEngineProblem answers one of the engine's own statuses.
func writeEngineProblem(ctx *fasthttp.RequestCtx, status int) {
	ep, ok := engineProblems[status]
	if !ok {
		panic("BUG: no problem kind for engine status")
	}
	WriteProblem(ctx, status, ep.p, ep.detail)
	if status == fasthttp.StatusServiceUnavailable {
		ctx.Response.Header.Set("Retry-After", "1")
	}
}

// lineTarget is the path of a request line as received ("POST /a?b
// HTTP/1.1" → "/a"), or "" when it has none.
func lineTarget(line []byte) []byte {
	_, rest, ok := bytes.Cut(line, []byte{' '})
	if !ok {
		return nil
	}
	t, _, _ := bytes.Cut(rest, []byte{' '})
	t, _, _ = bytes.Cut(t, []byte{'?'})
	if len(t) == 0 || t[0] != '/' {
		return nil
	}
	return t
}
