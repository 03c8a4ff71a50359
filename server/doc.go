// Package server is daemon1's HTTP/1.1 engine: a gnet v2 event loop that frames
// requests itself (RFC 9112), parses each complete request once into a pooled
// fasthttp.RequestCtx and runs fasthttp-style handlers, inline on the loop or on
// a bounded worker pool, writing responses strictly in request order. The same
// loops speak daemon1's binary pipeline protocol, chosen by a connection's first
// byte.
//
// The same Router also runs on fasthttp.Server (see NewFastHTTP), which is the
// baseline every engine benchmark is measured against; its binary connections
// are handed to this engine's loops.
//
// Files, one concept each:
//   - the engine: engine.go (gnet callbacks and the parse loop), conn.go
//     (per-connection state), exchange.go (a request and its answer: dispatch,
//     workers, admission), queue.go (answers in request order: the one place
//     that decides what leaves a connection), order.go (requests made in
//     order: what holds back what), hold.go (answers given later, by the
//     committer), timeouts.go
//     (the tick and every deadline), halfclose.go (answers owed after EOF),
//     drain.go, server.go (the interface both engines offer);
//   - protocols: protocol.go (the seam), http1.go, frame.go, chars.go and
//     chunked.go (HTTP/1.1 framing and validation), binary.go (binary framing);
//   - routing and what handlers see: router.go, params.go (query parameters),
//     meta.go (what handlers can ask of a request: deadline, start, id),
//     problem.go (RFC 9457 answers), limits.go;
//   - accepting: listen.go (the descriptor reserve), caps.go (connection caps);
//   - observing: observe.go and account.go (metrics and the error log),
//     sample.go (the error log's rate per kind), logger.go;
//   - fasthttp.go (the baseline engine) and binary_fasthttp.go (its switch).
package server
