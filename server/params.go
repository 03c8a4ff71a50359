package server

import (
	"fmt"
	"strings"

	"github.com/valyala/fasthttp"
)

// A route names the query parameters it takes (Route.Params); any other,
// or one of them given twice, is answered 400 invalid-parameter before
// the handler runs (OGC API – Features Part 1, /req/core/query-param-unknown
// and query-param-invalid): a client that sends ?offset=5 or ?name=A
// learns that the server ignored nothing, rather than getting the same
// first page again and again.

// maxQueryParams bounds the parameters of one request target: no route
// takes more, and counting repeats is quadratic.
const maxQueryParams = 32

// checkParams answers 400 and reports false when ctx's query has a
// parameter rt does not take, or one given more than once.
func checkParams(ctx *fasthttp.RequestCtx, rt *Route) bool {
	args := ctx.QueryArgs()
	n := args.Len()
	if n == 0 {
		return true
	}
	if n > maxQueryParams {
		WriteProblem(ctx, fasthttp.StatusBadRequest, ProblemBadParameter,
			fmt.Sprintf("%d query parameters: %s takes at most %d (%s)", n, rt.Pattern, len(rt.Params), paramList(rt)))
		return false
	}
	for k := range args.All() {
		if !rt.takes(k) && (rt.MoreParams == nil || !rt.MoreParams(ctx, k)) {
			WriteProblem(ctx, fasthttp.StatusBadRequest, ProblemBadParameter,
				fmt.Sprintf("unknown query parameter %q: %s %s takes %s", k, rt.Method, rt.Pattern, paramList(rt)))
			return false
		}
		if times := count(args, k); times > 1 {
			WriteProblem(ctx, fasthttp.StatusBadRequest, ProblemBadParameter,
				fmt.Sprintf("query parameter %q is given %d times: give it once", k, times))
			return false
		}
	}
	return true
}

// count is how many times args has the key k.
func count(args *fasthttp.Args, k []byte) int {
	n := 0
	for k2 := range args.All() {
		if string(k2) == string(k) {
			n++
		}
	}
	return n
}

// takes reports whether the route takes the query parameter name.
func (rt *Route) takes(name []byte) bool {
	for _, p := range rt.Params {
		if p == string(name) {
			return true
		}
	}
	return false
}

// paramList names a route's parameters for a problem's detail.
func paramList(rt *Route) string {
	if len(rt.Params) == 0 {
		return "no query parameters"
	}
	more := ""
	if rt.MoreParams != nil {
		more = " and the collection's queryables"
	}
	return "only " + strings.Join(rt.Params, ", ") + more
}
