//go:build !race

package api

import (
	"testing"

	"github.com/VictoriaMetrics/metrics"
	"github.com/geometryos/daemon1/codec"
	"github.com/geometryos/daemon1/server"
	"github.com/geometryos/daemon1/store"
	"github.com/valyala/fasthttp"
)

// onePointStore is a store with collection c holding the point feature
// point-000123.
func onePointStore(t *testing.T) *store.Store {
	t.Helper()
	s := store.New()
	c, _, _ := s.Create("c", "", "")
	in, err := store.ParseFeature([]byte(`{"type":"Feature","id":"point-000123","geometry":{"type":"Point","coordinates":[13.4,52.5]},"properties":{"name":"A"}}`), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(in); err != nil {
		t.Fatal(err)
	}
	return s
}

// GET of one point feature: the allocations per request, with metrics on.
// The answer is appended into the response's own buffer; what allocates
// is counted here and named in the README.
func TestGetPointFeatureAllocs(t *testing.T) {
	s := onePointStore(t)
	r := server.NewRouter(server.NewObserver(metrics.NewSet()))
	NewFeatures(Options{Store: s}).Register(r)
	h := server.NewFastHTTP(r, server.Options{})
	var ctx fasthttp.RequestCtx
	get := func() {
		ctx.Request.Reset()
		ctx.Response.Reset()
		ctx.Request.Header.SetHost("127.0.0.1:8080")
		ctx.Request.SetRequestURI("/collections/c/items/point-000123")
		h.ServeHTTP(&ctx)
	}
	get()
	if ctx.Response.StatusCode() != 200 {
		t.Fatalf("status %d: %s", ctx.Response.StatusCode(), ctx.Response.Body())
	}
	const max = 0
	if n := testing.AllocsPerRun(1000, get); n > max {
		t.Fatalf("GET of a point feature: %.1f allocations per request, want at most %d", n, max)
	}
}

// The binary protocol's get of a point feature allocates nothing: the
// payload is read in place and the answer (version, 21-byte WKB,
// properties) appended into the response's buffer.
func TestFrameGetAllocs(t *testing.T) {
	s := onePointStore(t)
	a := NewFeatures(Options{Store: s})
	payload := codec.AppendStr16(codec.AppendStr16(nil, "c"), "point-000123")
	var ctx fasthttp.RequestCtx
	get := func() {
		ctx.Request.Reset()
		ctx.Response.Reset()
		ctx.Request.SetBody(payload)
		a.frameGet(&ctx)
	}
	get()
	if ctx.Response.StatusCode() != 200 || len(ctx.Response.Body()) != 8+4+21+4+len(`{"name":"A"}`) {
		t.Fatalf("status %d: %q", ctx.Response.StatusCode(), ctx.Response.Body())
	}
	if n := testing.AllocsPerRun(1000, get); n != 0 {
		t.Fatalf("a get frame: %.1f allocations, want 0", n)
	}
}
