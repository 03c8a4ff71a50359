package api

import (
	"bytes"

	"github.com/valyala/fasthttp"
)

// Reads run inline on the event loops, but for those that may cost
// milliseconds: those run on the worker pool (server.Route.Offload). The
// test is cheap and errs towards the loop only for small work.

const (
	// offloadBody is the largest search body parsed on an event loop: a
	// polygon of about 500 vertices.
	offloadBody = 16 << 10
	// offloadPage is the largest page encoded on an event loop: 1000 point
	// features take about half a millisecond.
	offloadPage = 1000
)

// largeListing reports whether a GET of items asks for a page of more than
// offloadPage features, or filters it: a selective filter may spend the
// whole search budget (two thirds of it) visiting features it refuses,
// which an event loop's other connections must not wait for.
func largeListing(ctx *fasthttp.RequestCtx) bool {
	args := ctx.QueryArgs()
	n, ok := leadingInt(args.Peek("limit"))
	return ok && n > offloadPage || args.Has("filter")
}

// largeBody reports whether a write's body is large enough to parse on a
// worker rather than on the event loop.
func largeBody(ctx *fasthttp.RequestCtx) bool { return len(ctx.Request.Body()) > offloadBody }

// largeSearch reports whether a search body is large, has a filter (see
// largeListing), or asks for a page ("limit") or a nearby count ("k") of
// more than offloadPage.
func largeSearch(ctx *fasthttp.RequestCtx) bool {
	body := ctx.Request.Body()
	if len(body) > offloadBody || bytes.Contains(body, []byte(`"filter"`)) {
		return true
	}
	for _, key := range []string{`"limit"`, `"k"`} {
		if n, ok := memberInt(body, key); ok && n > offloadPage {
			return true
		}
	}
	return false
}

// memberInt reads the whole number after the first "key": in body, a JSON
// object not yet parsed (so this is a guess, used only to choose where to
// run the request: the parser decides what it means).
func memberInt(body []byte, key string) (int, bool) {
	i := bytes.Index(body, []byte(key))
	if i < 0 {
		return 0, false
	}
	rest := bytes.TrimLeft(body[i+len(key):], " \t\r\n")
	if len(rest) == 0 || rest[0] != ':' {
		return 0, false
	}
	return leadingInt(bytes.TrimLeft(rest[1:], " \t\r\n"))
}

// leadingInt reads the digits at the start of b (at most 9 of them).
func leadingInt(b []byte) (int, bool) {
	n, i := 0, 0
	for ; i < len(b) && i < 9 && '0' <= b[i] && b[i] <= '9'; i++ {
		n = n*10 + int(b[i]-'0')
	}
	return n, i > 0
}
