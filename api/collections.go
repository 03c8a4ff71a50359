package api

import (
	json "github.com/goccy/go-json"

	"github.com/geometryos/daemon1/server"
	"github.com/valyala/fasthttp"
)

// collectionBody is the optional body of PUT /collections/{c}.
type collectionBody struct {
	Title       string `json:"title"`
	Description string `json:"description"`
}

func (a *Features) createCollection(ctx *fasthttp.RequestCtx) {
	var body collectionBody
	if raw := ctx.Request.Body(); len(raw) > 0 {
		if _, ok := requireType(ctx, mtJSON); !ok {
			return
		}
		if err := json.UnmarshalNoEscape(raw, &body); err != nil {
			badBody(ctx, "the body must be {\"title\": string, \"description\": string}, both optional: %v", err)
			return
		}
	}
	name := server.Param(ctx, "c")
	c, created, err := a.store.Create(string(name), body.Title, body.Description)
	if err != nil {
		badParam(ctx, "%v", err)
		return
	}
	status := fasthttp.StatusOK
	if created {
		status = fasthttp.StatusCreated
		ctx.Response.Header.Set("Location", "/collections/"+pathEscape(c.Name()))
	}
	respond(ctx, status, mtJSON, func(b []byte) []byte { return appendCollection(b, ctx, c) })
}

func (a *Features) dropCollection(ctx *fasthttp.RequestCtx) {
	name := server.Param(ctx, "c")
	if !a.store.Drop(string(name)) {
		noCollection(ctx, name)
		return
	}
	ctx.SetStatusCode(fasthttp.StatusNoContent)
}
