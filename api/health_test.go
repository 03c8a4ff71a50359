package api

import (
	"sync/atomic"
	"testing"

	"github.com/geometryos/daemon1/server"
	"github.com/valyala/fasthttp"
)

func TestHealth(t *testing.T) {
	var draining atomic.Bool
	h := NewHealth(draining.Load)
	r := &server.Router{}
	h.Register(r)
	f := server.NewFastHTTP(r, server.Options{})
	get := func(path string) (int, string) {
		var ctx fasthttp.RequestCtx
		ctx.Request.SetRequestURI(path)
		f.ServeHTTP(&ctx)
		return ctx.Response.StatusCode(), string(ctx.Response.Body())
	}
	check := func(path string, want int, body string) {
		t.Helper()
		if code, b := get(path); code != want || b != body {
			t.Fatalf("GET %s = %d %q, want %d %q", path, code, b, want, body)
		}
	}
	check("/healthz", 200, "ok\n")
	check("/readyz", 503, "starting\n")
	h.SetReady(true)
	check("/readyz", 200, "ok\n")
	draining.Store(true)
	check("/readyz", 503, "draining\n")
	check("/healthz", 200, "ok\n") // alive while draining
	draining.Store(false)
	var reason atomic.Value
	reason.Store("")
	h.SetCheck(func() string { return reason.Load().(string) })
	check("/readyz", 200, "ok\n")
	reason.Store("read-only: fsync failed")
	check("/readyz", 503, "read-only: fsync failed\n")
}
