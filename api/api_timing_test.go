package api

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/VictoriaMetrics/metrics"
	"github.com/geometryos/daemon1/server"
	"github.com/geometryos/daemon1/store"
	"github.com/valyala/fasthttp"
)

// benchStore holds n points over [13,14]×[52,53], as the benchmark suite loads them (loadgen.LoadPoints).
func benchStore(b *testing.B, n int) *store.Store {
	b.Helper()
	s := store.New()
	c, _, _ := s.Create("pts", "", "")
	rng := rand.New(rand.NewPCG(42, 42))
	ins := make([]*store.Input, n)
	for i := range ins {
		in, err := store.ParseFeature(fmt.Appendf(nil, `{"type":"Feature","id":"pt-%07d","geometry":{"type":"Point","coordinates":[%.6f,%.6f]},"properties":{"n":%d}}`,
			i, 13+rng.Float64(), 52+rng.Float64(), i), "", 0)
		if err != nil {
			b.Fatal(err)
		}
		ins[i] = in
	}
	if _, err := c.InsertAll(ins); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkAPI runs the suite's API scenarios in memory, through the router
// and handlers on fasthttp's RequestCtx without sockets: what the handlers
// and the store cost per request.
func BenchmarkAPI(b *testing.B) {
	s := benchStore(b, 100_000)
	r := server.NewRouter(server.NewObserver(metrics.NewSet()))
	NewFeatures(Options{Store: s}).Register(r)
	h := server.NewFastHTTP(r, server.Options{})
	rng := rand.New(rand.NewPCG(1, 1))
	pt := func() (float64, float64) { return 13 + rng.Float64(), 52 + rng.Float64() }
	cases := []struct {
		name string
		req  func(*fasthttp.Request)
	}{
		{"get", func(q *fasthttp.Request) {
			q.SetRequestURI(fmt.Sprintf("/collections/pts/items/pt-%07d", rng.IntN(100_000)))
		}},
		{"bbox", func(q *fasthttp.Request) {
			x, y := pt()
			q.SetRequestURI(fmt.Sprintf("/collections/pts/items?bbox=%.6f,%.6f,%.6f,%.6f&limit=100", x, y, x+0.01, y+0.01))
		}},
		{"list-10000", func(q *fasthttp.Request) {
			q.SetRequestURI("/collections/pts/items?limit=10000")
		}},
		{"nearby", func(q *fasthttp.Request) {
			x, y := pt()
			q.Header.SetMethod("POST")
			q.SetRequestURI("/collections/pts/search")
			q.Header.SetContentType("application/json")
			q.SetBodyString(fmt.Sprintf(`{"nearby":{"point":[%.6f,%.6f],"k":10,"radius":1000}}`, x, y))
		}},
		{"nearby-k10000", func(q *fasthttp.Request) {
			x, y := pt()
			q.Header.SetMethod("POST")
			q.SetRequestURI("/collections/pts/search")
			q.Header.SetContentType("application/json")
			q.SetBodyString(fmt.Sprintf(`{"nearby":{"point":[%.6f,%.6f],"k":10000},"limit":10000}`, x, y))
		}},
		{"within", func(q *fasthttp.Request) {
			x, y := pt()
			q.Header.SetMethod("POST")
			q.SetRequestURI("/collections/pts/search")
			q.Header.SetContentType("application/json")
			q.SetBodyString(fmt.Sprintf(`{"within":{"type":"Polygon","coordinates":[[[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f]]]},"limit":100}`,
				x, y, x+0.01, y, x+0.01, y+0.01, x, y+0.01, x, y))
		}},
		{"put", func(q *fasthttp.Request) {
			x, y := pt()
			q.Header.SetMethod("PUT")
			q.SetRequestURI(fmt.Sprintf("/collections/pts/items/pt-%07d", rng.IntN(100_000)))
			q.Header.SetContentType("application/json")
			q.SetBodyString(fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[%.6f,%.6f]},"properties":{"n":1}}`, x, y))
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			// Requests are made before the clock runs: only serving counts.
			reqs := make([]fasthttp.Request, 1024)
			for i := range reqs {
				reqs[i].Header.SetHost("127.0.0.1:8080")
				c.req(&reqs[i])
			}
			var ctx fasthttp.RequestCtx
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				reqs[i%len(reqs)].CopyTo(&ctx.Request)
				ctx.Response.Reset()
				h.ServeHTTP(&ctx)
				if code := ctx.Response.StatusCode(); code != 200 {
					b.Fatalf("status %d: %s", code, ctx.Response.Body())
				}
			}
		})
	}
}
