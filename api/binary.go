package api

import (
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/geometryos/daemon1/codec"
	"github.com/geometryos/daemon1/server"
	"github.com/geometryos/daemon1/store"
	json "github.com/goccy/go-json"
	"github.com/tidwall/geojson/geometry"
	"github.com/valyala/fasthttp"
)

// The binary protocol's handlers (docs/protocol.md): each decodes its
// frame's payload, calls the operation the REST handler calls, and
// encodes the answer; errors are classified by the same table (Classify)
// and answered with the same problem document, which the engine frames
// with the frame status of its HTTP status.

// registerFrames adds the binary protocol's ops to r.
func (a *Features) registerFrames(r *server.Router) {
	r.HandleFrame(codec.OpHello, "hello", server.Inline, a.hello)
	// Ping reads nothing, and get is read in its place among held writes
	// (inorder.go): neither waits for the puts pipelined ahead of it.
	r.HandleFrame(codec.OpPing, "ping", server.Inline, ping).Ordered = true
	r.HandleFrame(codec.OpGet, "get", server.Inline, a.frameGet).Ordered = true
	rt := r.HandleFrame(codec.OpPut, "put", server.Inline, a.authed(a.framePut))
	rt.Writes, rt.Offload = true, largeBody
	if !a.async {
		rt.Mode = server.Worker
	}
	r.HandleFrame(codec.OpDelete, "delete", server.Worker, a.authed(a.frameDelete)).Writes = true
	rt = r.HandleFrame(codec.OpInsert, "insert", server.Worker, a.authed(a.frameInsert))
	rt.Writes, rt.Budget = true, a.budget // all or nothing, as POST …/items: -bulk-budget
	rt = r.HandleFrame(codec.OpInsertIf, "insert-if", server.Worker, a.authed(a.frameInsertIf))
	rt.Writes, rt.Budget = true, a.budget
	r.HandleFrame(codec.OpCreateColl, "create-collection", server.Worker, a.authed(a.frameCreate)).Writes = true
	r.HandleFrame(codec.OpDropColl, "drop-collection", server.Worker, a.authed(a.frameDrop)).Writes = true
	for _, op := range []byte{codec.OpNearby, codec.OpWithin, codec.OpIntersects, codec.OpBBox} {
		r.HandleFrame(op, codec.OpName(op), server.Inline, a.frameSearch(op)).Offload = largeFrameSearch
	}
}

// hello presents the bearer token: the connection's writes are allowed
// from then on. A wrong token is refused (401) and the connection goes on
// unauthenticated.
func (a *Features) hello(ctx *fasthttp.RequestCtx) {
	token := ctx.Request.Body()
	if a.auth != nil && len(a.auth.token) > 0 && subtle.ConstantTimeCompare(token, a.auth.token) != 1 {
		server.WriteProblem(ctx, fasthttp.StatusUnauthorized, ProblemUnauthorized, "the token in the hello frame is not the one this server was given")
		return
	}
	server.Authenticate(ctx)
}

// ping answers its payload.
func ping(ctx *fasthttp.RequestCtx) { ctx.Response.SetBodyRaw(ctx.Request.Body()) }

// authed runs h if writes need no token, or the connection said hello
// with it.
func (a *Features) authed(h fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		if a.auth == nil || len(a.auth.token) == 0 || server.Authenticated(ctx) {
			h(ctx)
			return
		}
		server.WriteProblem(ctx, fasthttp.StatusUnauthorized, ProblemUnauthorized,
			"writes need the token: send a hello frame (op 0x01) with it first on this connection")
	}
}

// badPayload answers a payload that does not match its op.
func badPayload(ctx *fasthttp.RequestCtx, op string, err error) {
	server.WriteProblem(ctx, fasthttp.StatusBadRequest, ProblemInvalidBody, "the payload of a "+op+" frame: "+err.Error()+"; see docs/protocol.md")
}

// answer sets the payload of a successful answer; created makes it 201.
func answerFrame(ctx *fasthttp.RequestCtx, created bool, payload []byte) {
	if created {
		ctx.SetStatusCode(fasthttp.StatusCreated)
	}
	ctx.Response.SetBodyRaw(payload)
}

// frameGet: coll str16, id str16 → version u64, wkb bytes32, properties bytes32.
func (a *Features) frameGet(ctx *fasthttp.RequestCtx) {
	in := codec.NewFields(ctx.Request.Body())
	name, id := in.Str16(), in.Str16()
	if err := in.Done(); err != nil {
		badPayload(ctx, "get", err)
		return
	}
	c := a.collectionNamed(ctx, name)
	if c == nil {
		return
	}
	if server.BehindHeldWrites(ctx) {
		a.getInOrder(ctx, a.store.Load(), c.Name(), string(id), func(f *store.Feature, err error) { answerFrameGet(ctx, c, id, f, err) })
		return
	}
	f, ok := c.GetBytes(id)
	if !ok {
		answerFrameGet(ctx, c, id, nil, store.ErrNoFeature)
		return
	}
	answerFrameGet(ctx, c, id, f, nil)
}

// answerFrameGet answers a get frame with f, or err.
func answerFrameGet(ctx *fasthttp.RequestCtx, c *store.Collection, id []byte, f *store.Feature, err error) {
	if err != nil {
		fail(ctx, err, Subject{Collection: c.Name(), ID: id})
		return
	}
	body := ctx.Response.SwapBody(nil)[:0]
	body = codec.AppendU64(body, f.Version())
	body, err = appendFrameFeature(body, f)
	if err != nil {
		server.Fail(ctx, err)
		return
	}
	ctx.Response.SwapBody(body)
}

// appendFrameFeature appends a feature's geometry (WKB, empty when it has
// none) and properties (JSON, empty for null).
func appendFrameFeature(dst []byte, f *store.Feature) ([]byte, error) {
	if lon, lat, ok := f.Point(); ok {
		dst = codec.AppendU32(dst, codec.WKBPointLen)
		dst = codec.AppendWKBPoint(dst, lon, lat)
	} else {
		at := len(dst)
		dst = codec.AppendU32(dst, 0)
		if g := f.GeometryJSON(); g != "" && g != "null" {
			var err error
			if dst, err = codec.AppendWKBFromGeoJSON(dst, []byte(g)); err != nil {
				return dst, err
			}
		}
		binary.BigEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
	}
	return codec.AppendBytes32(dst, f.Properties()), nil
}

// frameInput builds the store's input of a feature sent as id, WKB and
// properties, by the parser REST uses, so that both are held to the same
// rules and refused in the same words.
func (a *Features) frameInput(id, wkb, props []byte) (*store.Input, error) {
	if x, y, err := codec.ReadWKBPoint(wkb); err == nil {
		return store.NewPointInput(string(id), x, y, props) // the common case, read directly
	}
	if len(props) > 0 && !json.Valid(props) {
		return nil, &store.InputError{Path: "properties", Reason: "must be a JSON object or null (or empty, for null)"}
	}
	doc := make([]byte, 0, 64+len(id)+2*len(wkb)+len(props))
	doc = append(doc, `{"type":"Feature","id":`...)
	doc = codec.AppendString(doc, id)
	doc = append(doc, `,"geometry":`...)
	if len(wkb) == 0 {
		doc = append(doc, "null"...)
	} else {
		var err error
		if doc, err = codec.AppendGeoJSONFromWKB(doc, wkb); err != nil {
			return nil, &store.GeometryError{Reason: err.Error()}
		}
	}
	doc = append(doc, `,"properties":`...)
	if len(props) == 0 {
		doc = append(doc, "null"...)
	} else {
		doc = append(doc, props...)
	}
	doc = append(doc, '}')
	return store.ParseFeature(doc, "", a.maxVert)
}

// expected reads an optional expected version (flags bit 0, then u64):
// the binary If-Match.
func expected(in *codec.Fields) store.Match {
	if in.U8()&1 == 0 {
		return nil
	}
	v := in.U64()
	return func(cur *store.Feature) bool { return cur != nil && cur.Version() == v }
}

// framePut: flags u8 [expected u64], coll str16, id str16, wkb bytes32,
// properties bytes32 → version u64 (created or replaced).
func (a *Features) framePut(ctx *fasthttp.RequestCtx) {
	in := codec.NewFields(ctx.Request.Body())
	match := expected(&in)
	name, id, wkb, props := in.Str16(), in.Str16(), in.Bytes32(), in.Bytes32()
	if err := in.Done(); err != nil {
		badPayload(ctx, "put", err)
		return
	}
	if err := store.CheckID(string(id)); err != nil {
		fail(ctx, &store.InputError{Path: "id", Reason: err.Error()}, Subject{})
		return
	}
	if !utf8.Valid(id) {
		fail(ctx, &store.InputError{Path: "id", Reason: "must be UTF-8"}, Subject{})
		return
	}
	c := a.collectionNamed(ctx, name)
	if c == nil {
		return
	}
	feat, err := a.frameInput(id, wkb, props)
	if err != nil {
		fail(ctx, err, Subject{Collection: c.Name(), ID: id})
		return
	}
	answer := func(f *store.Feature, created bool, err error) {
		if err != nil {
			ctx.Response.Reset()
			fail(ctx, err, Subject{Collection: c.Name(), ID: id})
			return
		}
		answerFrame(ctx, created, codec.AppendU64(ctx.Response.SwapBody(nil)[:0], f.Version()))
	}
	if a.async && server.Hold(ctx) {
		if err := c.PutAsync(feat, match, func(f *store.Feature, created bool, err error) {
			answer(f, created, err)
			server.Done(ctx)
		}); err != nil {
			answer(nil, false, err)
			server.Done(ctx)
		}
		return
	}
	answer(c.Put(feat, match))
}

// frameDelete: flags u8 [expected u64], coll str16, id str16 → nothing.
func (a *Features) frameDelete(ctx *fasthttp.RequestCtx) {
	in := codec.NewFields(ctx.Request.Body())
	match := expected(&in)
	name, id := in.Str16(), in.Str16()
	if err := in.Done(); err != nil {
		badPayload(ctx, "delete", err)
		return
	}
	c := a.collectionNamed(ctx, name)
	if c == nil {
		return
	}
	if err := c.Delete(string(id), match); err != nil {
		fail(ctx, err, Subject{Collection: c.Name(), ID: id})
	}
}

// frameInsert: coll str16, n u32, n × (id str16, wkb bytes32, properties
// bytes32) → inserted u32. All or nothing; an empty id is assigned.
func (a *Features) frameInsert(ctx *fasthttp.RequestCtx) {
	in := codec.NewFields(ctx.Request.Body())
	c, many := a.frameBulk(ctx, &in)
	if c == nil {
		return
	}
	bad, err := c.InsertAll(many)
	if err != nil {
		fail(ctx, err, Subject{Collection: c.Name(), ID: []byte(many[bad].ID), Bulk: true, Item: bad})
		return
	}
	answerFrame(ctx, true, codec.AppendU32(nil, uint32(len(many))))
}

// frameInsertIf: mode u8 (0 fail, 1 skip, 2 replace: POST …/items'
// if-exists), then insert's payload → inserted u32, skipped u32, replaced
// u32. All or nothing.
func (a *Features) frameInsertIf(ctx *fasthttp.RequestCtx) {
	in := codec.NewFields(ctx.Request.Body())
	mode := store.IfExists(in.U8())
	if in.Err == nil && mode > store.IfExistsReplace {
		badPayload(ctx, "insert-if", fmt.Errorf("mode %d: 0 (fail), 1 (skip) or 2 (replace)", mode))
		return
	}
	c, many := a.frameBulk(ctx, &in)
	if c == nil {
		return
	}
	res, bad, _, err := c.Bulk(many, mode, nil)
	if err != nil {
		fail(ctx, err, Subject{Collection: c.Name(), ID: []byte(many[bad].ID), Bulk: true, Item: bad})
		return
	}
	b := codec.AppendU32(nil, uint32(res.Inserted))
	b = codec.AppendU32(b, uint32(res.Skipped))
	answerFrame(ctx, res.Inserted > 0, codec.AppendU32(b, uint32(res.Replaced)))
}

// unnamed stands for the empty id of a bulk insert's feature while it is
// read: the store names such a feature.
var unnamed = []byte("_")

// frameBulk reads a bulk insert's coll str16, n u32, n × (id str16, wkb
// bytes32, properties bytes32) from in: the collection and the features,
// or a nil collection once it has answered why not.
func (a *Features) frameBulk(ctx *fasthttp.RequestCtx, in *codec.Fields) (*store.Collection, []*store.Input) {
	name, n := in.Str16(), in.U32()
	if in.Err == nil && uint64(n)*10 > uint64(len(in.Rest())) {
		badPayload(ctx, "insert", codec.ErrShortPayload)
		return nil, nil
	}
	if in.Err == nil && int(n) > a.maxBulk {
		fail(ctx, &store.TooManyError{Max: a.maxBulk}, Subject{})
		return nil, nil
	}
	type item struct{ id, wkb, props []byte }
	items := make([]item, 0, n)
	for i := uint32(0); i < n && in.Err == nil; i++ {
		items = append(items, item{in.Str16(), in.Bytes32(), in.Bytes32()})
	}
	if err := in.Done(); err != nil {
		badPayload(ctx, "insert", err)
		return nil, nil
	}
	c := a.collectionNamed(ctx, name)
	if c == nil {
		return nil, nil
	}
	many := make([]*store.Input, len(items))
	for i, it := range items {
		id := it.id
		if len(id) == 0 {
			id = unnamed // checked as a valid id, then given one by the store
		}
		feat, err := a.frameInput(id, it.wkb, it.props)
		if err != nil {
			fail(ctx, bulkError(err, i), Subject{Collection: c.Name()})
			return nil, nil
		}
		if len(it.id) == 0 {
			feat.ID = ""
		}
		many[i] = feat
	}
	return c, many
}

// bulkError puts "features[i]" before the path of an input's error.
func bulkError(err error, i int) error {
	prefix := "features[" + itoa(i) + "]"
	switch e := err.(type) {
	case *store.InputError:
		return &store.InputError{Path: joinPath(prefix, e.Path), Reason: e.Reason}
	case *store.GeometryError:
		return &store.GeometryError{Path: joinPath(prefix, e.Path), Reason: e.Reason}
	}
	return err
}

func joinPath(a, b string) string {
	if b == "" {
		return a
	}
	return a + "." + b
}

// frameCreate: coll str16, title str16, description str16 → nothing
// (created, or it existed).
func (a *Features) frameCreate(ctx *fasthttp.RequestCtx) {
	in := codec.NewFields(ctx.Request.Body())
	name, title, desc := in.Str16(), in.Str16(), in.Str16()
	if err := in.Done(); err != nil {
		badPayload(ctx, "create-collection", err)
		return
	}
	_, created, err := a.createColl(string(name), string(title), string(desc))
	if err != nil {
		fail(ctx, err, Subject{Collection: string(name)})
		return
	}
	answerFrame(ctx, created, nil)
}

// frameDrop: coll str16 → nothing.
func (a *Features) frameDrop(ctx *fasthttp.RequestCtx) {
	in := codec.NewFields(ctx.Request.Body())
	name := in.Str16()
	if err := in.Done(); err != nil {
		badPayload(ctx, "drop-collection", err)
		return
	}
	if err := a.dropColl(string(name)); err != nil {
		fail(ctx, err, Subject{Collection: string(name)})
	}
}

// frameSearch serves the search ops. Their payloads begin alike — coll
// str16, limit u32 (0: the default), cursor str16 (empty: the first page)
// — and go on with the op's own fields:
//
//	nearby:     lon f64, lat f64, radius f64 (metres; 0: none); limit is k
//	within:     wkb bytes32
//	intersects: wkb bytes32
//	bbox:       minLon f64, minLat f64, maxLon f64, maxLat f64
//
// The answer: n u32, n × (id str16, version u64, [distance f64: nearby],
// wkb bytes32, properties bytes32), next cursor str16 (empty: the last page).
func (a *Features) frameSearch(op byte) fasthttp.RequestHandler {
	name := codec.OpName(op)
	return func(ctx *fasthttp.RequestCtx) {
		in := codec.NewFields(ctx.Request.Body())
		coll, limit, cursor := in.Str16(), in.U32(), in.Str16()
		l := a.pages.get()
		defer a.pages.put(l)
		q := &l.q
		var geom []byte
		switch op {
		case codec.OpNearby:
			q.Kind, q.Lon, q.Lat, q.Radius = store.Nearby, in.F64(), in.F64(), in.F64()
		case codec.OpBBox:
			q.Kind = store.BBox
			q.BBox = geometry.Rect{Min: geometry.Point{X: in.F64(), Y: in.F64()}, Max: geometry.Point{X: in.F64(), Y: in.F64()}}
		case codec.OpWithin:
			q.Kind, geom = store.Within, in.Bytes32()
		case codec.OpIntersects:
			q.Kind, geom = store.Intersects, in.Bytes32()
		}
		if err := in.Done(); err != nil {
			badPayload(ctx, name, err)
			return
		}
		c := a.collectionNamed(ctx, coll)
		if c == nil {
			return
		}
		if err := a.frameQuery(q, limit, cursor, geom); err != nil {
			fail(ctx, err, Subject{Collection: c.Name()})
			return
		}
		q.StopAt = stopAt(ctx)
		c.Query(q, &l.p)
		if l.p.Stopped {
			server.Cut(ctx)
		}
		body, err := appendFramePage(ctx.Response.SwapBody(nil)[:0], &l.p, q.Kind == store.Nearby, l)
		if err != nil {
			server.Fail(ctx, err)
			return
		}
		ctx.Response.SwapBody(body)
	}
}

// frameQuery checks and completes a search's query as REST's search does.
func (a *Features) frameQuery(q *store.Query, limit uint32, cursor, geom []byte) error {
	q.Limit = DefaultLimit
	if limit > 0 {
		q.Limit = int(min(limit, MaxLimit))
	}
	switch q.Kind {
	case store.Nearby:
		if q.Lon < -180 || q.Lon > 180 || q.Lat < -90 || q.Lat > 90 {
			return &store.InputError{Path: "nearby.point", Reason: "must be within [-180, 180] × [-90, 90]"}
		}
		if r := q.Radius; r < 0 || math.IsInf(r, 0) || math.IsNaN(r) {
			return &store.InputError{Path: "nearby.radius", Reason: "must be 0 (none) or a positive number of metres"}
		}
		q.K = DefaultK
		if limit > 0 {
			if limit > MaxK {
				return &store.InputError{Path: "nearby.k", Reason: "must be from 1 to " + itoa(MaxK)}
			}
			q.K = int(limit)
		}
		q.Limit = q.K
	case store.BBox:
		r := q.BBox
		if !(r.Min.X >= -180 && r.Max.X <= 180 && r.Min.Y >= -90 && r.Max.Y <= 90 && r.Min.X <= r.Max.X && r.Min.Y <= r.Max.Y) {
			return &store.InputError{Path: "bbox", Reason: "must be minLon ≤ maxLon within [-180, 180], minLat ≤ maxLat within [-90, 90]"}
		}
	case store.Within, store.Intersects:
		gj, err := codec.AppendGeoJSONFromWKB(nil, geom)
		if err != nil {
			return &store.GeometryError{Reason: err.Error()}
		}
		if q.Geom, err = store.ParseGeometry(gj, a.maxVert); err != nil {
			return err
		}
	}
	if len(cursor) > 0 {
		cur, err := store.ParseCursor(cursor, q.Kind == store.Nearby)
		if err != nil {
			return &store.InputError{Path: "cursor", Reason: err.Error()}
		}
		q.Cursor = cur
	}
	return nil
}

// appendFramePage appends a search's answer.
func appendFramePage(dst []byte, p *store.Page, dists bool, l *listing) ([]byte, error) {
	dst = codec.AppendU32(dst, uint32(len(p.Features)))
	for i, f := range p.Features {
		dst = codec.AppendStr16(dst, f.ID())
		dst = codec.AppendU64(dst, f.Version())
		if dists {
			dst = codec.AppendF64(dst, p.Dists[i])
		}
		var err error
		if dst, err = appendFrameFeature(dst, f); err != nil {
			return dst, err
		}
	}
	if !p.Next.Set {
		return codec.AppendStr16(dst, ""), nil
	}
	l.cur = p.Next.Append(l.cur[:0])
	return codec.AppendStr16(dst, l.cur), nil
}

// largeFrameSearch offloads a search frame to a worker when its geometry
// is large or it asks for more than offloadPage features.
func largeFrameSearch(ctx *fasthttp.RequestCtx) bool {
	body := ctx.Request.Body()
	if len(body) > offloadBody {
		return true
	}
	in := codec.NewFields(body)
	in.Str16()
	return in.U32() > offloadPage
}
