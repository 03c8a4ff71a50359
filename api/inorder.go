package api

import (
	"errors"

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
// ahead of it, once they are durable. When the committer's queue is full
// the read is refused (503, before it started: the writes ahead are still
// to be made); when the store can make no more writes, answer gets it as
// it is.
func (a *Features) getInOrder(ctx *fasthttp.RequestCtx, s *store.Store, name, id string, answer func(f *store.Feature, err error)) {
	if !server.Hold(ctx) {
		answer(s.Get(name, id)) // (an engine that cannot hold does not pipeline around writes)
		return
	}
	if err := s.GetInOrder(name, id, func(f *store.Feature, err error) {
		answer(f, err)
		server.Done(ctx)
	}); err != nil {
		if errors.Is(err, store.ErrBusy) {
			fail(ctx, err, Subject{Collection: name})
		} else {
			answer(s.Get(name, id))
		}
		server.Done(ctx)
	}
}
