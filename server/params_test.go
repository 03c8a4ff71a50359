package server

import (
	"strings"
	"testing"
)

// A query parameter a route does not take, or one given twice, is a 400
// that names it and lists what the route takes.
func TestQueryParametersAreChecked(t *testing.T) {
	e := testEngine(t, DefaultLimits)
	f := func(target string, status int, detail string) {
		t.Helper()
		out, _ := feed(t, e, []byte(crlf("GET "+target+" HTTP/1.1\nHost: a\n\n")))
		rs := parseResponses(t, out)
		if len(rs) != 1 || rs[0].status != status || !strings.Contains(rs[0].body, detail) {
			t.Fatalf("GET %s: %v, want %d with %q", target, rs, status, detail)
		}
	}
	f("/args?a=1&limit=5&bbox=0,0,1,1", 200, "")
	f("/args?offset=5", 400, `unknown query parameter \"offset\": GET /args takes only a, bbox, limit`)
	f("/args?limit=5&limit=6", 400, `query parameter \"limit\" is given 2 times: give it once`)
	f("/args?a", 200, "") // a parameter without a value is given once
	f("/healthz?x=1", 400, "GET /healthz takes no query parameters")
	f("/args?"+strings.Repeat("a=1&", 40), 400, "40 query parameters")
	f("/nowhere?x=1", 404, "") // no route: its parameters do not matter
}
