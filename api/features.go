package api

import (
	_ "embed"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/geometryos/daemon1/codec"
	"github.com/geometryos/daemon1/server"
	"github.com/geometryos/daemon1/store"
	"github.com/valyala/fasthttp"
)

// Options configure the OGC API handlers.
type Options struct {
	// Store serves the API; nil until SetStore (start-up replays the
	// append-only file first, and the API answers 503 meanwhile).
	Store *store.Store
	Auth  *Auth // nil: writes need no token
	// MaxBulk caps the features of one bulk insert (413 beyond).
	MaxBulk int
	// BulkBudget is the budget of POST /collections/{c}/items: a bulk
	// insert is all or nothing, so it cannot answer part of its work in
	// the request budget as a listing does.
	BulkBudget time.Duration
	// MaxVertices caps the positions of one geometry, in a feature or a
	// search (422 beyond); 0: store.DefaultMaxVertices.
	MaxVertices int
	// Tokens turns read-your-writes tokens on (consistency.go): the store
	// follows a fleet's log.
	Tokens bool
}

// Defaults of Options.
const (
	DefaultMaxBulk    = 10000
	DefaultBulkBudget = 2 * time.Second
)

// Features serves OGC API – Features over a store.
type Features struct {
	store    atomic.Pointer[store.Store]
	auth     *Auth
	maxBulk  int
	maxVert  int
	budget   time.Duration
	tokens   bool
	async    bool // a PUT of a feature is answered by the committer (server.Hold)
	pages    pagePool
	problems *problemDocs // GET /problems/{name}
}

// NewFeatures makes the handlers.
func NewFeatures(o Options) *Features {
	if o.MaxBulk <= 0 {
		o.MaxBulk = DefaultMaxBulk
	}
	if o.BulkBudget <= 0 {
		o.BulkBudget = DefaultBulkBudget
	}
	if o.MaxVertices <= 0 {
		o.MaxVertices = store.DefaultMaxVertices
	}
	// In a fleet a write's refusal is judged again after it returns
	// (rejudge): there it runs on a worker and answers before it returns.
	a := &Features{auth: o.Auth, maxBulk: o.MaxBulk, maxVert: o.MaxVertices, budget: o.BulkBudget, tokens: o.Tokens, async: !o.Tokens,
		problems: loadProblemDocs()}
	if o.Store != nil {
		a.SetStore(o.Store)
	}
	return a
}

// Busy reports that the store's committer is backed up (store.Store.Busy):
// the engine's server.Options.Busy.
func (a *Features) Busy() bool {
	s := a.store.Load()
	return s != nil && s.Busy()
}

// SetStore makes s the store served, once it is ready.
func (a *Features) SetStore(s *store.Store) { a.store.Store(s) }

// opened returns the store served, or errStarting while there is none yet
// (its file is being replayed).
func (a *Features) opened() (*store.Store, error) {
	if s := a.store.Load(); s != nil {
		return s, nil
	}
	return nil, errStarting
}

// collectionOf returns the collection name, or why there is none
// (store.ErrNoCollection, errStarting). It does not allocate.
func (a *Features) collectionOf(name []byte) (*store.Collection, error) {
	s, err := a.opened()
	if err != nil {
		return nil, err
	}
	if c := s.CollectionBytes(name); c != nil {
		return c, nil
	}
	return nil, store.ErrNoCollection
}

// st is opened for an HTTP handler: nil once it has answered why.
func (a *Features) st(ctx *fasthttp.RequestCtx) *store.Store {
	s, err := a.opened()
	if err != nil {
		fail(ctx, err, Subject{})
	}
	return s
}

// Register adds the routes to r, and the API's error kinds and the store's
// gauges to r's Observer.
func (a *Features) Register(r *server.Router) {
	r.Handle("GET", "/", server.Inline, a.landing).Params = formatParam
	r.Handle("GET", "/conformance", server.Inline, a.conformance).Params = formatParam
	r.Handle("GET", "/api", server.Inline, a.openAPI).Params = formatParam
	r.Handle("GET", "/problems/{name}", server.Inline, a.problemType).Params = formatParam
	reader(r.Handle("GET", "/collections", server.Inline, a.read(a.collections)), a.either(nil), formatParam)
	reader(r.Handle("GET", "/collections/{c}", server.Inline, a.read(a.collection)), a.either(nil), formatParam)
	a.handleWrite(r, "PUT", "/collections/{c}", a.createCollection)
	a.handleWrite(r, "DELETE", "/collections/{c}", a.dropCollection)
	rt := r.Handle("GET", "/collections/{c}/items", server.Inline, a.read(a.items))
	reader(rt, a.either(largeListing), itemsParams)
	rt.MoreParams = a.isQueryable // ?name=A
	reader(r.Handle("GET", "/collections/{c}/queryables", server.Inline, a.read(a.queryables)), a.either(nil), formatParam)
	post := a.handleWrite(r, "POST", "/collections/{c}/items", a.postItems)
	post.Budget, post.Params = a.budget, []string{"if-exists"}
	item := r.Handle("GET", "/collections/{c}/items/{id}", server.Inline, a.read(a.item))
	reader(item, a.either(nil), itemParams)
	item.Ordered = true // read in its place among held writes (inorder.go)
	if a.async {
		// Parsed on the event loop (on a worker when large), then handed to
		// the committer, which answers it once it is durable.
		rt := r.Handle("PUT", "/collections/{c}/items/{id}", server.Inline, a.guarded(a.putItem))
		rt.Writes, rt.Offload = true, largeBody
	} else {
		a.handleWrite(r, "PUT", "/collections/{c}/items/{id}", a.putItem)
	}
	a.handleWrite(r, "PATCH", "/collections/{c}/items/{id}", a.patchItem)
	a.handleWrite(r, "DELETE", "/collections/{c}/items/{id}", a.deleteItem)
	r.Handle("POST", "/collections/{c}/search", server.Inline, a.read(a.search)).Offload = a.either(largeSearch)
	a.registerFrames(r)
	if obs := r.Observer(); obs != nil {
		for _, k := range apiKinds {
			obs.RegisterKind(k)
		}
	}
}

// The query parameters the routes take (server.Route.Params); the writes
// and the search (whose parameters are in its body) take none.
var (
	formatParam = []string{"f"}
	itemsParams = append(append(append([]string{"bbox", "bbox-crs", "limit", "cursor", "f"}, filterParams...), trimParams...), sortParams...)
	itemParams  = append([]string{"f"}, trimParams...)
)

// reader sets a read route's offloading and parameters.
func reader(rt *server.Route, offload func(*fasthttp.RequestCtx) bool, params []string) {
	rt.Offload, rt.Params = offload, params
}

// handleWrite registers a write: on a worker (it waits for the append-only
// file), guarded by the bearer token, and marked as a write, so that once
// it runs its answer is never replaced by a 503 (an error answer to a write
// means nothing changed).
func (a *Features) handleWrite(r *server.Router, method, pattern string, h fasthttp.RequestHandler) *server.Route {
	rt := r.Handle(method, pattern, server.Worker, a.guarded(func(ctx *fasthttp.RequestCtx) {
		s := a.store.Load()
		if !a.tokens || s == nil {
			h(ctx)
			return
		}
		before := s.Applied()
		h(ctx)
		if refusedOnItsCopy(ctx.Response.StatusCode()) {
			a.rejudge(ctx, s, before, h)
		}
		if ctx.Response.StatusCode() < 300 {
			setSeq(ctx, s.Applied()) // at least the write's own position
		}
	}))
	rt.Writes = true
	return rt
}

// guarded runs h if the request carries the bearer token writes need.
func (a *Features) guarded(h fasthttp.RequestHandler) fasthttp.RequestHandler {
	return guard(a.auth, h)
}

// either offloads a read when big does, or when it waits for a token.
func (a *Features) either(big func(*fasthttp.RequestCtx) bool) func(*fasthttp.RequestCtx) bool {
	switch {
	case !a.tokens:
		return big
	case big == nil:
		return a.behind
	}
	return func(ctx *fasthttp.RequestCtx) bool { return big(ctx) || a.behind(ctx) }
}

// lookup is collectionOf for the path's {c}, for an HTTP handler: nil once
// it has answered why (404, or 503 while starting).
func (a *Features) lookup(ctx *fasthttp.RequestCtx) *store.Collection {
	return a.collectionNamed(ctx, server.Param(ctx, "c"))
}

// collectionNamed is collectionOf for a handler: nil once it has answered
// why (404, or 503 while starting).
func (a *Features) collectionNamed(ctx *fasthttp.RequestCtx, name []byte) *store.Collection {
	c, err := a.collectionOf(name)
	if err != nil {
		fail(ctx, err, Subject{Collection: string(name)})
	}
	return c
}

// stopAt is when a listing or search stops looking and answers what it
// has: two thirds into the budget, leaving the rest for encoding the page
// and writing it. encodeUntil is when encoding stops and cuts the page:
// nine tenths into it. Both are zero (no limit) outside the engines.
func stopAt(ctx *fasthttp.RequestCtx) time.Time      { return intoBudget(ctx, 2, 3) }
func encodeUntil(ctx *fasthttp.RequestCtx) time.Time { return intoBudget(ctx, 9, 10) }

// intoBudget is when num/den of the request's budget has passed.
func intoBudget(ctx *fasthttp.RequestCtx, num, den int64) time.Time {
	dl := server.Deadline(ctx)
	if dl.IsZero() {
		return dl
	}
	start := server.Start(ctx)
	return start.Add(time.Duration(int64(dl.Sub(start)) * num / den))
}

// respond makes the response body what fill appends, in the response's own
// buffer (no allocation once warm).
func respond(ctx *fasthttp.RequestCtx, status int, contentType []byte, fill func([]byte) []byte) {
	resp := &ctx.Response
	resp.SetStatusCode(status)
	resp.Header.SetContentTypeBytes(contentType)
	body := resp.SwapBody(nil)
	resp.SwapBody(fill(body[:0]))
}

//go:embed openapi.json
var openAPIDoc []byte

func (a *Features) openAPI(ctx *fasthttp.RequestCtx) {
	if wantsHTML(ctx) {
		apiPage(ctx)
		return
	}
	if !acceptable(ctx, mtOpenAPI, mtJSON) {
		return
	}
	ctx.Response.Header.SetContentTypeBytes(mtOpenAPI)
	ctx.Response.SetBodyRaw(openAPIDoc)
}

// The conformance classes passed (OGC API – Features Part 1 and Part 4).
var conformanceDoc = []byte(`{"conformsTo":[` +
	`"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",` +
	`"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",` +
	`"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",` +
	`"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",` +
	`"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",` +
	`"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",` +
	`"http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",` +
	`"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",` +
	`"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",` +
	`"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",` +
	`"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",` +
	`"http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",` +
	`"http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",` +
	`"http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",` +
	`"http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",` +
	`"http://www.opengis.net/spec/cql2/1.0/conf/property-property",` +
	`"http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",` +
	`"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",` +
	`"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",` +
	`"http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions"]}`)

func (a *Features) conformance(ctx *fasthttp.RequestCtx) {
	if wantsHTML(ctx) {
		conformancePage(ctx)
		return
	}
	if !acceptable(ctx, mtJSON) {
		return
	}
	ctx.Response.Header.SetContentTypeBytes(mtJSON)
	ctx.Response.SetBodyRaw(conformanceDoc)
}

func (a *Features) landing(ctx *fasthttp.RequestCtx) {
	if wantsHTML(ctx) {
		landingPage(ctx)
		return
	}
	if !acceptable(ctx, mtJSON) {
		return
	}
	respond(ctx, fasthttp.StatusOK, mtJSON, func(b []byte) []byte {
		b = append(b, `{"title":"daemon1","description":"Geometry OS's shapes, served as OGC API – Features","links":[`...)
		b = appendLink(b, ctx, "self", "application/json", "this document", "/")
		b = append(b, ',')
		b = appendLink(b, ctx, "service-desc", string(mtOpenAPI), "the API definition", "/api")
		b = append(b, ',')
		b = appendLink(b, ctx, "conformance", "application/json", "the conformance classes passed", "/conformance")
		b = append(b, ',')
		b = appendLink(b, ctx, "data", "application/json", "the collections", "/collections")
		return append(b, "]}"...)
	})
}

const crs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

// collectionCRS is what a collection says of its CRSs, and the start of its extent.
var collectionCRS = `,"itemType":"feature","crs":` + crsList + `,"storageCrs":"` + crs84 + `","extent":{"spatial":{"bbox":[[`

// appendCollection appends a collection's description.
func appendCollection(b []byte, ctx *fasthttp.RequestCtx, c *store.Collection) []byte {
	title, desc := c.Meta()
	if title == "" {
		title = c.Name()
	}
	b = append(b, `{"id":`...)
	b = codec.AppendString(b, c.Name())
	b = append(b, `,"title":`...)
	b = codec.AppendString(b, title)
	if desc != "" {
		b = append(b, `,"description":`...)
		b = codec.AppendString(b, desc)
	}
	b = append(b, collectionCRS...)
	min, max, ok := c.Bounds()
	if !ok {
		min, max = [2]float64{-180, -90}, [2]float64{180, 90}
	}
	for i, v := range [4]float64{min[0], min[1], max[0], max[1]} {
		if i > 0 {
			b = append(b, ',')
		}
		b = codec.AppendFloat(b, v)
	}
	b = append(b, `]],"crs":"`+crs84+`"}},"links":[`...)
	name := url.PathEscape(c.Name())
	b = appendLink(b, ctx, "self", "application/json", "this collection", "/collections/", name)
	b = append(b, ',')
	b = appendLink(b, ctx, "items", codec.GeoJSONContentType, "its features", "/collections/", name, "/items")
	// The queryables, under Part 3's relation and under the older
	// "queryables" that GDAL before 3.7 looks for.
	for _, rel := range []string{"http://www.opengis.net/def/rel/ogc/1.0/queryables", "queryables"} {
		b = append(b, ',')
		b = appendLink(b, ctx, rel, "application/schema+json", "the properties a filter may name", "/collections/", name, "/queryables")
	}
	return append(b, "]}"...)
}

func (a *Features) collections(ctx *fasthttp.RequestCtx) {
	s := a.st(ctx)
	if s == nil {
		return
	}
	if wantsHTML(ctx) {
		collectionsPage(ctx, s)
		return
	}
	if !acceptable(ctx, mtJSON) {
		return
	}
	respond(ctx, fasthttp.StatusOK, mtJSON, func(b []byte) []byte {
		b = append(b, `{"collections":[`...)
		for i, c := range s.Collections() {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendCollection(b, ctx, c)
		}
		b = append(b, `],"links":[`...)
		b = appendLink(b, ctx, "self", "application/json", "this document", "/collections")
		return append(b, "]}"...)
	})
}

func (a *Features) collection(ctx *fasthttp.RequestCtx) {
	c := a.lookup(ctx)
	if c == nil {
		return
	}
	if wantsHTML(ctx) {
		collectionPage(ctx, c)
		return
	}
	if !acceptable(ctx, mtJSON) {
		return
	}
	respond(ctx, fasthttp.StatusOK, mtJSON, func(b []byte) []byte { return appendCollection(b, ctx, c) })
}
