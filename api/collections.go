package api

import (
	json "github.com/goccy/go-json"
	"net/url"

	"github.com/geometryos/daemon1/server"
	"github.com/geometryos/daemon1/store"
	"github.com/valyala/fasthttp"
)

// collectionBody is the optional body of PUT /collections/{c}.
type collectionBody struct {
	Title       string `json:"title"`
	Description string `json:"description"`
}

func (a *Features) createCollection(ctx *fasthttp.RequestCtx) {
	s := a.st(ctx)
	if s == nil {
		return
	}
	var body collectionBody
	if raw := ctx.Request.Body(); len(raw) > 0 {
		if _, ok := requireType(ctx, mtJSON); !ok {
			return
		}
		if err := json.UnmarshalNoEscape(raw, &body); err != nil {
			badBody(ctx, "the body must be {\"title\": string, \"description\": string}, both optional: %v", err)
			return
		}
		if err := store.CheckJSON(raw, ""); err != nil {
			fail(ctx, err, Subject{}) // decoding replaced what it refuses
			return
		}
	}
	name := server.Param(ctx, "c")
	if err := store.CheckName(string(name)); err != nil {
		badParam(ctx, "%v", err)
		return
	}
	c, created, err := s.Create(string(name), body.Title, body.Description)
	if err != nil {
		fail(ctx, err, Subject{Collection: string(name)})
		return
	}
	status := fasthttp.StatusOK
	if created {
		status = fasthttp.StatusCreated
		ctx.Response.Header.Set("Location", "/collections/"+url.PathEscape(c.Name()))
	}
	respond(ctx, status, mtJSON, func(b []byte) []byte { return appendCollection(b, ctx, c) })
}

func (a *Features) dropCollection(ctx *fasthttp.RequestCtx) {
	s := a.st(ctx)
	if s == nil {
		return
	}
	name := server.Param(ctx, "c")
	found, err := s.Drop(string(name))
	switch {
	case err != nil:
		fail(ctx, err, Subject{Collection: string(name)})
	case !found:
		noCollection(ctx, name)
	default:
		ctx.SetStatusCode(fasthttp.StatusNoContent)
	}
}
