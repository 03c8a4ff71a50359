// Package server is daemon1's HTTP/1.1 engine: a gnet v2 event loop that frames
// requests itself (RFC 9112), parses each complete request once into a pooled
// fasthttp.RequestCtx and runs fasthttp-style handlers, inline on the loop or on
// a bounded worker pool, writing responses strictly in request order.
//
// The same Router also runs on fasthttp.Server (see ServeFastHTTP), which is the
// baseline every engine benchmark is measured against.
//
// Files, one concept each: frame.go (header framing and validation), chunked.go
// (chunked body scanning), conn.go (per-connection state), engine.go (gnet
// callbacks), exchange.go (parse, route, respond), queue.go (ordered response
// slots for worker routes), router.go, timeouts.go (tick scan), drain.go.
package server
