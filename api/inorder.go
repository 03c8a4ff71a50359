package api

import (
	"fmt"

	"github.com/geometryos/daemon1/server"
	"github.com/geometryos/daemon1/store"
	"github.com/valyala/fasthttp"
)

// A GET of one feature pipelined behind writes its connection holds for
// the committer (server.Route.Ordered) is read by the committer in its
// place among them (store.GetInOrder), so that a pipeline of puts and gets
// shares fsyncs and each get still sees exactly the writes sent before it.

// getInOrder holds ctx and answers it with answer(f, err), called with the
// feature id of collection name as of the read's place among the writes
// ahead of it, once they are durable. When the committer cannot take the
// read (its queue full, the store read-only or closing) it is refused
// with why (a 503, before it started): the writes ahead of it may still
// be made, so it cannot be answered from the store as it is.
func (a *Features) getInOrder(ctx *fasthttp.RequestCtx, s *store.Store, name, id string, answer func(f *store.Feature, err error)) {
	if !server.Hold(ctx) {
		answer(s.Get(name, id)) // (an engine that cannot hold does not pipeline around writes)
		return
	}
	if err := s.GetInOrder(name, id, func(f *store.Feature, err error) {
		defer server.Done(ctx) // whatever happens: a held request without its answer would stall its connection
		defer func() {
			if r := recover(); r != nil {
				ctx.Response.Reset()
				server.Fail(ctx, fmt.Errorf("BUG: the answer of a get in order panicked: %v", r))
			}
		}()
		answer(f, err)
	}); err != nil {
		// The writes ahead of it may still be made (a full queue, or a
		// store closing with writes queued): refused, nothing done.
		fail(ctx, err, Subject{Collection: name})
		server.Done(ctx)
	}
}
