package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"github.com/geometryos/daemon1/errlog"
	"github.com/geometryos/daemon1/pool"
	"github.com/valyala/fasthttp"
)

// FastHTTP serves the same Router on fasthttp.Server: the baseline for every
// engine benchmark and the fallback for what the event loop lacks (TLS).
// Worker routes run inline, since fasthttp gives each connection a goroutine.
type FastHTTP struct {
	router *Router
	obs    *Observer
	opts   Options
	// limitDetails say which cap a 413 or 431 met (Limits.limitDetails).
	limitDetails map[int]string
	metas        pool.Of[meta]
	srv          *fasthttp.Server
	ln           *listener
	caps         *connCaps
	done         chan struct{} // closed when Serve has returned
	inFlight     atomic.Int64
	bin          atomic.Pointer[Engine] // serves the binary connections (binary_fasthttp.go), from Start on
}

// NewFastHTTP makes a fasthttp.Server for r with the limits of o that
// fasthttp can express.
func NewFastHTTP(r *Router, o Options) *FastHTTP {
	o = o.withDefaults()
	f := &FastHTTP{router: r, obs: r.obs, opts: o, limitDetails: o.Limits.limitDetails(), done: make(chan struct{}), caps: newConnCaps(&o.Limits, r.obs)}
	f.metas.New = func() *meta { return &meta{} }
	f.metas.Reset = (*meta).reset
	f.srv = &fasthttp.Server{
		Handler:                       f.ServeHTTP,
		Name:                          o.Name,
		Logger:                        fasthttpLogger(o.Logf),
		ErrorHandler:                  f.onError,
		ReadBufferSize:                o.Limits.MaxHeaderBytes,
		MaxRequestBodySize:            int(o.Limits.MaxBodyBytes),
		ReadTimeout:                   o.Limits.HeaderTimeout,
		IdleTimeout:                   o.Limits.IdleTimeout,
		WriteTimeout:                  o.Limits.WriteTimeout,
		DisablePreParseMultipartForm:  true,
		NoDefaultContentType:          true,
		CloseOnShutdown:               true,
		DisableHeaderNamesNormalizing: false,
	}
	if f.obs != nil {
		f.srv.ConnState = func(_ net.Conn, st fasthttp.ConnState) {
			if st == fasthttp.StateNew {
				f.obs.accepts.Inc()
			}
		}
		f.obs.set.NewGauge("daemon1_requests_in_flight", func() float64 {
			return float64(f.inFlight.Load() + f.binary(func(e *Engine) int64 { return e.inFlight.Load() }))
		})
		f.obs.set.NewGauge("daemon1_connections_open", func() float64 {
			return float64(int64(f.srv.GetOpenConnectionsCount()) + f.binary(func(e *Engine) int64 { return int64(e.conns.len()) }))
		})
	}
	return f
}

// binary reads a figure of the engine of the binary connections, 0 before
// Start.
func (f *FastHTTP) binary(fig func(*Engine) int64) int64 {
	if e := f.bin.Load(); e != nil {
		return fig(e)
	}
	return 0
}

// Start listens and serves in the background, accepting through the
// listener the gnet engine uses too (it survives running out of
// descriptors, where fasthttp.Server would stop accepting) and applying the
// connection caps.
func (f *FastHTTP) Start() error {
	ln, err := listen(f.opts.Addr, f.opts.ReusePort, f.obs, f.opts.Logf)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", f.opts.Addr, err)
	}
	f.ln = ln
	bin, err := newEngine(f.router, f.opts)
	if err == nil {
		bin.caps, bin.addr = f.caps, ln.Addr().String()
		err = bin.startLoops()
	}
	if err != nil {
		ln.Close()
		return err
	}
	f.bin.Store(bin)
	go func() {
		if err := f.srv.Serve(newSwitchListener(cappedListener{ln, f.caps}, f)); err != nil {
			f.opts.Logf("daemon1: fasthttp.Server stopped: %v", err)
		}
		close(f.done)
	}()
	return nil
}

// Addr is the bound address.
func (f *FastHTTP) Addr() string { return f.ln.Addr().String() }

// Done is closed once the server has stopped serving.
func (f *FastHTTP) Done() <-chan struct{} { return f.done }

// Drain shuts the server down, waiting up to timeout for open requests.
func (f *FastHTTP) Drain(timeout time.Duration) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	binLeft := make(chan int, 1)
	var binErr error
	go func() {
		n := 0
		if bin := f.bin.Load(); bin != nil {
			n, binErr = bin.Drain(timeout)
		}
		binLeft <- n
	}()
	err := f.srv.ShutdownWithContext(ctx)
	<-f.done
	left := <-binLeft
	if err == nil {
		err = binErr
	}
	return left, err
}

// ServeHTTP routes one request: the fasthttp.RequestHandler of this engine.
func (f *FastHTTP) ServeHTTP(ctx *fasthttp.RequestCtx) {
	f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	m := f.metas.Get()
	defer f.metas.Put(m)
	m.id = ctx.ID()
	m.start = time.Now()
	m.deadline = m.start.Add(f.opts.Budget)
	ctx.SetUserValue(metaKey, m)
	defer ctx.RemoveUserValue(metaKey)
	if rt := f.router.resolve(ctx, m); rt != nil {
		if rt.Budget > 0 {
			m.setBudget(rt.Budget)
		}
		callHandler(rt.Handler, ctx)
	}
	if f.obs != nil {
		f.account(ctx, m)
	}
}

// onError answers a request fasthttp.Server could not read (its
// ErrorHandler) as the gnet engine answers one its framer refuses: the
// engine's problem+json, counted under route="rejected" and logged (but
// without the request line, which fasthttp has reset by then). The
// statuses differ where fasthttp's parser does: see docs/operations.md.
func (f *FastHTTP) onError(ctx *fasthttp.RequestCtx, err error) {
	status := fasthttp.StatusBadRequest
	var small *fasthttp.ErrSmallBuffer
	var netErr *net.OpError
	switch {
	case errors.As(err, &small):
		status = fasthttp.StatusRequestHeaderFieldsTooLarge
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		status = fasthttp.StatusRequestEntityTooLarge
	case errors.As(err, &netErr) && netErr.Timeout():
		status = fasthttp.StatusRequestTimeout
	}
	m := f.metas.Get()
	defer f.metas.Put(m)
	m.id, m.start, m.rejected = ctx.ID(), time.Now(), true
	m.deadline = m.start.Add(f.opts.Budget) // m.line stays empty: fasthttp has reset the request line
	m.err = redacted(err)
	ctx.Response.Reset()
	ctx.SetUserValue(metaKey, m)
	defer ctx.RemoveUserValue(metaKey)
	if why := f.limitDetails[status]; why != "" {
		WriteProblem(ctx, status, engineProblems[status].p, why)
	} else {
		writeEngineProblem(ctx, status)
	}
	if f.obs != nil {
		f.account(ctx, m)
	}
}

// account counts and logs one answered request, as conn.account and
// conn.recordDone do on the gnet engine. The latency stops before the
// response is written: fasthttp.Server writes it after the handler returns.
func (f *FastHTTP) account(ctx *fasthttp.RequestCtx, m *meta) {
	o := f.obs
	rm := o.metricsOf(m)
	status := ctx.Response.StatusCode()
	method, target := methodString(ctx.Method()), ""
	if m.rejected {
		method, target = m.lineParts()
	}
	rm.outcome(m, status)
	if status >= 400 {
		o.logError(errorEntry(m, rm, status, method, target, ctx.RemoteAddr()))
	}
	end := time.Now()
	rm.done(status, end.Sub(m.start))
	if end.After(m.deadline) {
		rm.overrun()
		o.logError(&errlog.Entry{Kind: KindBudgetOverrun, Status: status, Route: rm.route, Method: method,
			RequestID: m.id, Remote: ctx.RemoteAddr(), Message: "the handler ran past the request budget"})
	}
}
