// Package server is daemon1's HTTP/1.1 engine: a gnet v2 event loop that frames
// requests itself (RFC 9112), parses each complete request once into a pooled
// fasthttp.RequestCtx and runs fasthttp-style handlers, inline on the loop or on
// a bounded worker pool, writing responses strictly in request order.
//
// The same Router also runs on fasthttp.Server (see ServeFastHTTP), which is the
// baseline every engine benchmark is measured against.
//
// Files, one concept each: frame.go and chars.go (header framing and
// validation), chunked.go (chunked body scanning), conn.go (per-connection
// state), engine.go (gnet callbacks and the parse loop), exchange.go (parse,
// route, respond, workers), queue.go (responses in request order, 503
// stand-ins for late workers), timeouts.go (the tick and every deadline),
// drain.go, router.go, meta.go (what handlers can ask of a request),
// problem.go (RFC 9457 answers), observe.go and account.go (metrics and the
// error log), limits.go, fasthttp.go (the baseline engine), logger.go.
package server
