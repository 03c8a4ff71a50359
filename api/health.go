package api

import (
	"sync/atomic"

	"github.com/geometryos/daemon1/server"
	"github.com/valyala/fasthttp"
)

// Health answers GET /healthz (200 while the process serves) and GET /readyz
// (200 once start-up is done; 503 while starting, draining, or while a
// check set with SetCheck fails, e.g. a store turned read-only).
type Health struct {
	ready    atomic.Bool
	draining func() bool
	check    atomic.Pointer[func() string]
}

// SetCheck adds a condition that makes /readyz answer 503 while it
// returns a reason (e.g. the store turned read-only).
func (h *Health) SetCheck(f func() string) { h.check.Store(&f) }

// NewHealth makes a Health that reports not-ready until SetReady(true), and
// not-ready again whenever draining returns true.
func NewHealth(draining func() bool) *Health {
	return &Health{draining: draining}
}

// SetReady marks start-up as done (or not).
func (h *Health) SetReady(ok bool) { h.ready.Store(ok) }

// Register adds the routes to r.
func (h *Health) Register(r *server.Router) {
	r.Handle("GET", "/healthz", server.Inline, h.healthz).Ordered = true // it reads nothing a write changes
	r.Handle("GET", "/readyz", server.Inline, h.readyz)
}

var (
	okBody       = []byte("ok\n")
	startingBody = []byte("starting\n")
	drainingBody = []byte("draining\n")
)

func (h *Health) healthz(ctx *fasthttp.RequestCtx) {
	ctx.Response.Header.SetContentTypeBytes(textPlain)
	ctx.Response.Header.SetBytesV("Cache-Control", noStore)
	ctx.Response.SetBodyRaw(okBody)
}

func (h *Health) readyz(ctx *fasthttp.RequestCtx) {
	ctx.Response.Header.SetContentTypeBytes(textPlain)
	ctx.Response.Header.SetBytesV("Cache-Control", noStore)
	switch {
	case h.draining != nil && h.draining():
		ctx.SetStatusCode(fasthttp.StatusServiceUnavailable)
		ctx.Response.Header.SetBytesV("Retry-After", one)
		ctx.Response.SetBodyRaw(drainingBody)
	case !h.ready.Load():
		ctx.SetStatusCode(fasthttp.StatusServiceUnavailable)
		ctx.Response.Header.SetBytesV("Retry-After", one)
		ctx.Response.SetBodyRaw(startingBody)
	default:
		if f := h.check.Load(); f != nil {
			if reason := (*f)(); reason != "" {
				ctx.SetStatusCode(fasthttp.StatusServiceUnavailable)
				ctx.Response.SetBodyString(reason + "\n")
				return
			}
		}
		ctx.Response.SetBodyRaw(okBody)
	}
}

var (
	textPlain = []byte("text/plain; charset=utf-8")
	noStore   = []byte("no-store")
	one       = []byte("1")
)
