package api

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/geometryos/daemon1/codec"
	"github.com/geometryos/daemon1/server"
	"github.com/geometryos/daemon1/store"
	json "github.com/goccy/go-json"
	"github.com/tidwall/geojson"
	"github.com/tidwall/geojson/geometry"
	"github.com/valyala/fasthttp"
)

// listing is the reusable state of one listing or search.
type listing struct {
	q     store.Query
	p     store.Page
	link  []byte
	cur   []byte
	feats []byte // the page's features, encoded
	trim  trim
}

// maxPooledFeats is the largest encoded page a pooled listing keeps.
const maxPooledFeats = 1 << 20

type pagePool struct{ p sync.Pool }

// get returns a listing with an empty query; put it back when the response
// is written.
func (pp *pagePool) get() *listing {
	if l, ok := pp.p.Get().(*listing); ok {
		return l
	}
	return &listing{}
}

// put resets l and keeps it, unless a huge page made it big.
func (pp *pagePool) put(l *listing) {
	if cap(l.p.Features) > 4*MaxLimit {
		return
	}
	l.p.Reset()
	l.q, l.trim = store.Query{}, trim{}
	l.link, l.cur = l.link[:0], l.cur[:0]
	if cap(l.feats) > maxPooledFeats {
		l.feats = nil
	}
	l.feats = l.feats[:0]
	pp.p.Put(l)
}

func (a *Features) items(ctx *fasthttp.RequestCtx) {
	c := a.lookup(ctx)
	html := c != nil && wantsHTML(ctx)
	if c == nil || !html && !acceptable(ctx, mtGeoJSON, mtJSON) {
		return
	}
	l := a.pages.get()
	defer a.pages.put(l)
	args := ctx.QueryArgs()
	q := &l.q
	var err error
	if q.Limit, err = parseLimit(args.Peek("limit")); err != nil {
		badParam(ctx, "%v", err)
		return
	}
	if raw := args.Peek("bbox"); len(raw) > 0 {
		in, err := parseCRS("bbox-crs", args.Peek("bbox-crs"))
		if err != nil {
			badParam(ctx, "%v", err)
			return
		}
		minLon, minLat, maxLon, maxLat, err := parseBBox(raw, in)
		if err != nil {
			badParam(ctx, "%v", err)
			return
		}
		q.Kind = store.BBox
		q.BBox = geometry.Rect{Min: geometry.Point{X: minLon, Y: minLat}, Max: geometry.Point{X: maxLon, Y: maxLat}}
		if minLon > maxLon {
			// It crosses the antimeridian (OGC API – Features §7.15.3):
			// the two boxes either side of it.
			q.Kind = store.Intersects
			q.Geom = geojson.NewMultiPolygon([]*geometry.Poly{
				geometry.NewPoly(rectRing(minLon, minLat, 180, maxLat), nil, nil),
				geometry.NewPoly(rectRing(-180, minLat, maxLon, maxLat), nil, nil),
			})
		}
	}
	var keys []sortKey
	if raw := args.Peek("sortby"); len(raw) > 0 {
		if keys, err = parseSortby(string(raw), c); err != nil {
			badParam(ctx, "%v", err)
			return
		}
	}
	if raw := args.Peek("cursor"); len(raw) > 0 && keys == nil {
		if q.Cursor, err = store.ParseCursor(raw, false); err != nil {
			badParam(ctx, "cursor: %v", err)
			return
		}
	}
	if !listingFilter(ctx, c, q) || !trimOf(ctx, c, &l.trim) {
		return
	}
	q.StopAt = stopAt(ctx)
	var sortNext []byte
	if keys != nil {
		if sortNext, err = sortedPage(c, l, keys, args.Peek("cursor")); err != nil {
			badParam(ctx, "%v", err)
			return
		}
		l.encodeFeatures(ctx, time.Time{}) // a sorted page is whole: its cursor is not an id's
	} else {
		c.Query(q, &l.p)
		l.encodeFeatures(ctx, encodeUntil(ctx))
	}

	// The links: this page as asked, and the same query with the next
	// cursor, both built in l.link.
	path, qs := ctx.Path(), ctx.URI().QueryString()
	l.link = append(l.link[:0], path...)
	if len(qs) > 0 {
		l.link = append(append(l.link, '?'), qs...)
	}
	selfEnd := len(l.link)
	var nextCursor []byte
	switch {
	case sortNext != nil:
		nextCursor = sortNext
		l.link = appendNextQuery(append(l.link, path...), args, sortNext)
	case keys == nil && l.p.Next.Set:
		l.cur = l.p.Next.Append(l.cur[:0])
		nextCursor = l.cur
		l.link = appendNextQuery(append(l.link, path...), args, l.cur)
	}
	self, next := string(l.link[:selfEnd]), string(l.link[selfEnd:])
	if html {
		itemsPage(ctx, c, l, next)
		return
	}
	l.trim.contentCrs(ctx)
	respond(ctx, fasthttp.StatusOK, mtGeoJSON, func(b []byte) []byte {
		return appendCollectionPage(b, l, nextCursor, func(b []byte) []byte {
			b = appendLink(b, ctx, "self", codec.GeoJSONContentType, "this page", self)
			if next != "" {
				b = append(b, ',')
				b = appendLink(b, ctx, "next", codec.GeoJSONContentType, "the next page", next)
			}
			return b
		})
	})
}

// appendNextQuery appends "?" and args with cursor replaced by cur.
func appendNextQuery(dst []byte, args *fasthttp.Args, cur []byte) []byte {
	dst = append(dst, '?')
	for k, v := range args.All() {
		if string(k) == "cursor" {
			continue
		}
		dst = fasthttp.AppendQuotedArg(dst, k)
		dst = append(dst, '=')
		dst = fasthttp.AppendQuotedArg(dst, v)
		dst = append(dst, '&')
	}
	dst = append(dst, "cursor="...)
	return append(dst, cur...)
}

func (a *Features) item(ctx *fasthttp.RequestCtx) {
	c := a.lookup(ctx)
	html := c != nil && wantsHTML(ctx)
	if c == nil || !html && !acceptable(ctx, mtGeoJSON, mtJSON) {
		return
	}
	var t trim
	if ctx.QueryArgs().Len() > 0 && !trimOf(ctx, c, &t) {
		return
	}
	id := server.Param(ctx, "id")
	if server.BehindHeldWrites(ctx) {
		a.itemInOrder(ctx, c, id, html, t)
		return
	}
	f, ok := c.GetBytes(id)
	if !ok {
		noFeature(ctx, c, id)
		return
	}
	answerItem(ctx, c, f, html, &t)
}

// itemInOrder answers a GET of a feature pipelined behind held writes
// (inorder.go); t is copied, so that only this path allocates.
func (a *Features) itemInOrder(ctx *fasthttp.RequestCtx, c *store.Collection, id []byte, html bool, t trim) {
	a.getInOrder(ctx, a.store.Load(), c.Name(), string(id), func(f *store.Feature, err error) {
		if err != nil {
			fail(ctx, err, Subject{Collection: c.Name(), ID: id})
			return
		}
		answerItem(ctx, c, f, html, &t)
	})
}

// answerItem answers a GET of feature f of c: its ETag, a 304 for an
// If-None-Match that names it, else the feature as HTML or GeoJSON.
func answerItem(ctx *fasthttp.RequestCtx, c *store.Collection, f *store.Feature, html bool, t *trim) {
	var tag [24]byte
	etag := appendETag(tag[:0], f.Version())
	ctx.Response.Header.SetBytesV("ETag", etag)
	if inm := ctx.Request.Header.Peek("If-None-Match"); len(inm) > 0 && bytes.Contains(inm, etag) {
		ctx.SetStatusCode(fasthttp.StatusNotModified)
		return
	}
	if html {
		itemPage(ctx, c, f)
		return
	}
	t.contentCrs(ctx)
	respond(ctx, fasthttp.StatusOK, mtGeoJSON, func(b []byte) []byte { return appendItem(b, ctx, c, f, t) })
}

// appendItem appends one feature with its links (self and collection),
// trimmed by t (nil: not).
func appendItem(b []byte, ctx *fasthttp.RequestCtx, c *store.Collection, f *store.Feature, t *trim) []byte {
	b = appendFeature(b, f, false, 0, t)
	b = append(b, `,"links":[`...)
	b = appendLink(b, ctx, "self", codec.GeoJSONContentType, "", "/collections/", c.Name(), "/items/", url.PathEscape(f.ID()))
	b = append(b, ',')
	b = appendLink(b, ctx, "collection", "application/json", "", "/collections/", c.Name())
	return append(b, "]}"...)
}

// answerFeature answers a write with the feature stored, its ETag, and
// for a creation its Location.
func answerFeature(ctx *fasthttp.RequestCtx, c *store.Collection, f *store.Feature, created bool) {
	var tag [24]byte
	ctx.Response.Header.SetBytesV("ETag", appendETag(tag[:0], f.Version()))
	status := fasthttp.StatusOK
	if created {
		status = fasthttp.StatusCreated
		ctx.Response.Header.Set("Location", "/collections/"+c.Name()+"/items/"+url.PathEscape(f.ID()))
	}
	respond(ctx, status, mtGeoJSON, func(b []byte) []byte { return appendItem(b, ctx, c, f, nil) })
}

func (a *Features) postItems(ctx *fasthttp.RequestCtx) {
	c := a.lookup(ctx)
	if c == nil {
		return
	}
	ct, ok := requireType(ctx, mtGeoJSON, mtJSON, mtGeoJSONSeq, mtNDJSON, mtNDJSONStd)
	if !ok {
		return
	}
	mode, ok := ifExists(ctx)
	if !ok {
		return
	}
	var single *store.Input
	var many []*store.Input
	var err error
	if bytes.Equal(ct, mtGeoJSONSeq) || bytes.Equal(ct, mtNDJSON) || bytes.Equal(ct, mtNDJSONStd) {
		many, err = store.ParseSeq(ctx.Request.Body(), a.maxBulk, a.maxVert)
	} else {
		single, many, err = store.ParseItems(ctx.Request.Body(), a.maxBulk, a.maxVert)
	}
	if err != nil {
		fail(ctx, err, Subject{Collection: c.Name()})
		return
	}
	if single != nil && mode != store.IfExistsFail {
		many, single = []*store.Input{single}, nil // a bulk of one: it may skip or replace
	}
	once, ok := onceOf(ctx, c, len(many), mode)
	if !ok {
		return
	}
	if single != nil {
		f, replay, err := c.CreateOnce(single, once)
		switch {
		case err != nil:
			writeError(ctx, c, []byte(single.ID), err)
		case replay != nil:
			answerAgain(ctx, replay)
		case once == nil: // with a key, the committer answered (see onceOf)
			answerFeature(ctx, c, f, true)
		}
		return
	}
	res, bad, replay, err := c.Bulk(many, mode, once)
	switch {
	case errors.Is(err, store.ErrDuplicateID) || errors.Is(err, store.ErrExists):
		fail(ctx, err, Subject{Collection: c.Name(), ID: []byte(many[bad].ID), Bulk: true, Item: bad})
	case err != nil:
		writeError(ctx, c, nil, err)
	case replay != nil:
		answerAgain(ctx, replay)
	case once == nil:
		answerBulk(ctx, res, mode)
	}
}

// ifExists reads the if-exists parameter of a POST of features: what a
// feature whose id is taken does (fail, the default: 409 for the whole
// request; skip; or replace).
func ifExists(ctx *fasthttp.RequestCtx) (store.IfExists, bool) {
	v := ctx.QueryArgs().Peek("if-exists")
	if v == nil {
		return store.IfExistsFail, true
	}
	mode, ok := store.ParseIfExists(string(v))
	if !ok {
		badParam(ctx, "if-exists=%q: use fail (the default: a taken id refuses the whole request), skip (keep the stored feature) or replace (store this one)", v)
	}
	return mode, ok
}

// answerBulk answers a bulk insert: {"inserted":n}, and under if-exists
// skip or replace how many features were skipped or replaced.
func answerBulk(ctx *fasthttp.RequestCtx, res store.BulkResult, mode store.IfExists) {
	respond(ctx, fasthttp.StatusCreated, mtJSON, func(b []byte) []byte {
		b = append(b, `{"inserted":`...)
		b = codec.AppendInt(b, int64(res.Inserted))
		switch mode {
		case store.IfExistsSkip:
			b = append(b, `,"skipped":`...)
			b = codec.AppendInt(b, int64(res.Skipped))
		case store.IfExistsReplace:
			b = append(b, `,"replaced":`...)
			b = codec.AppendInt(b, int64(res.Replaced))
		}
		return append(b, '}')
	})
}

func (a *Features) putItem(ctx *fasthttp.RequestCtx) {
	c := a.lookup(ctx)
	if c == nil {
		return
	}
	if _, ok := requireType(ctx, mtGeoJSON, mtJSON); !ok {
		return
	}
	id := server.Param(ctx, "id")
	in, err := store.ParseFeature(ctx.Request.Body(), "", a.maxVert)
	if err != nil {
		fail(ctx, err, Subject{})
		return
	}
	if in.ID != "" && in.ID != string(id) {
		badBody(ctx, "id: the body's id %q differs from the path's %q: leave it out or make them equal", in.ID, id)
		return
	}
	if err := store.CheckID(string(id)); err != nil {
		badParam(ctx, "feature id: %v", err)
		return
	}
	if in.ID == "" {
		in.ID = string(id)
	}
	match := ifMatch(ctx)
	if a.async && server.Hold(ctx) {
		// The committer answers when the write is durable: no worker waits
		// for it, and a pipeline of writes fills the committer's batches.
		err := c.PutAsync(in, match, func(f *store.Feature, created bool, err error) {
			answerPut(ctx, c, id, f, created, err)
			server.Done(ctx)
		})
		if err != nil { // not taken: nothing was written
			writeError(ctx, c, id, err)
			server.Done(ctx)
		}
		return
	}
	f, created, err := c.Put(in, match)
	answerPut(ctx, c, id, f, created, err)
}

// answerPut answers a PUT of a feature with its result.
func answerPut(ctx *fasthttp.RequestCtx, c *store.Collection, id []byte, f *store.Feature, created bool, err error) {
	if err != nil {
		writeError(ctx, c, id, err)
		return
	}
	answerFeature(ctx, c, f, created)
}

func (a *Features) patchItem(ctx *fasthttp.RequestCtx) {
	c := a.lookup(ctx)
	if c == nil {
		return
	}
	if _, ok := requireType(ctx, mtMerge, mtJSON); !ok {
		return
	}
	patch, err := decodeNumbers(ctx.Request.Body())
	if err != nil {
		badBody(ctx, "the body must be a JSON merge patch (RFC 7396) of the feature: %v", err)
		return
	}
	if err := store.CheckJSON(ctx.Request.Body(), ""); err != nil {
		fail(ctx, err, Subject{}) // decoding would have replaced what it refuses
		return
	}
	if _, ok := patch.(map[string]any); !ok {
		badBody(ctx, "the body must be a JSON object: a merge patch of the feature's geometry and properties")
		return
	}
	id := server.Param(ctx, "id")
	f, err := c.Update(string(id), ifMatch(ctx), func(cur *store.Feature) (*store.Input, error) {
		doc, err := decodeNumbers(append(appendFeature(nil, cur, false, 0, nil), '}'))
		if err != nil {
			return nil, err
		}
		merged := mergePatch(doc, patch)
		m, ok := merged.(map[string]any)
		if !ok || !sameID(m["id"], cur) {
			return nil, &store.InputError{Path: "id", Reason: "a patch cannot change a feature's id"}
		}
		if _, ok := m["geometry"]; !ok {
			// "geometry": null removes the member (RFC 7396); a Feature
			// without one is unlocated, whose geometry is null (RFC 7946).
			m["geometry"] = nil
		}
		raw, err := json.Marshal(merged)
		if err != nil {
			return nil, err
		}
		return store.ParseFeature(raw, "", a.maxVert)
	})
	if err != nil {
		writeError(ctx, c, id, err)
		return
	}
	answerFeature(ctx, c, f, false)
}

func (a *Features) deleteItem(ctx *fasthttp.RequestCtx) {
	c := a.lookup(ctx)
	if c == nil {
		return
	}
	id := server.Param(ctx, "id")
	if err := c.Delete(string(id), ifMatch(ctx)); err != nil {
		writeError(ctx, c, id, err)
		return
	}
	ctx.SetStatusCode(fasthttp.StatusNoContent)
}

// decodeNumbers decodes JSON keeping numbers as their text (json.Number),
// so that a merge patch changes nothing it does not name.
func decodeNumbers(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if err := endOfInput(dec, raw); err != nil {
		return nil, err
	}
	return v, nil
}

// endOfInput refuses anything but white space after the value dec read
// from raw.
func endOfInput(dec *json.Decoder, raw []byte) error {
	if rest := bytes.TrimSpace(raw[dec.InputOffset():]); len(rest) > 0 {
		return fmt.Errorf("unexpected data after the JSON value at byte %d: %s", dec.InputOffset(), clipText(rest))
	}
	return nil
}

func clipText(b []byte) string {
	if len(b) > 40 {
		return strconv.Quote(string(b[:40])) + "…"
	}
	return strconv.Quote(string(b))
}

// mergePatch applies patch to target as RFC 7396 says: members of an object
// patch replace or (null) remove the target's; anything else replaces it.
func mergePatch(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(tm, k)
		} else {
			tm[k] = mergePatch(tm[k], v)
		}
	}
	return tm
}

// sameID reports whether a patched document's id is still the feature's.
func sameID(id any, f *store.Feature) bool {
	switch v := id.(type) {
	case string:
		return !f.NumericID() && v == f.ID()
	case json.Number:
		return f.NumericID() && string(v) == f.ID()
	}
	return false
}

func itoa(n int) string { return string(codec.AppendInt(nil, int64(n))) }

func quote(s string) string { return string(codec.AppendString(nil, s)) }

// rectRing is the closed ring of a box.
func rectRing(minLon, minLat, maxLon, maxLat float64) []geometry.Point {
	return []geometry.Point{{X: minLon, Y: minLat}, {X: maxLon, Y: minLat}, {X: maxLon, Y: maxLat}, {X: minLon, Y: maxLat}, {X: minLon, Y: minLat}}
}
