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
	name := string(server.Param(ctx, "c"))
	if err := store.CheckName(name); err != nil {
		badParam(ctx, "%v", err)
		return
	}
	c, created, err := a.createColl(name, body.Title, body.Description)
	if err != nil {
		fail(ctx, err, Subject{Collection: name})
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
	name := string(server.Param(ctx, "c"))
	if err := a.dropColl(name); err != nil {
		fail(ctx, err, Subject{Collection: name})
		return
	}
	ctx.SetStatusCode(fasthttp.StatusNoContent)
}

// createColl makes the collection name, or sets the title and
// description of the one there is, and reports whether it made it.
func (a *Features) createColl(name, title, desc string) (c *store.Collection, created bool, err error) {
	s, err := a.opened()
	if err != nil {
		return nil, false, err
	}
	if err := store.CheckName(name); err != nil {
		return nil, false, &store.InputError{Path: "collection", Reason: err.Error()}
	}
	return s.Create(name, title, desc)
}

// dropColl drops the collection name with its features:
// store.ErrNoCollection if there is none.
func (a *Features) dropColl(name string) error {
	s, err := a.opened()
	if err != nil {
		return err
	}
	found, err := s.Drop(name)
	if err == nil && !found {
		err = store.ErrNoCollection
	}
	return err
}
