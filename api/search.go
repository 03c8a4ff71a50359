package api

import (
	"bytes"
	"math"

	"github.com/geometryos/daemon1/codec"
	"github.com/geometryos/daemon1/store"
	json "github.com/goccy/go-json"
	"github.com/valyala/fasthttp"
)

// searchBody is the body of POST /collections/{c}/search: exactly one of
// intersects, within and nearby, and optionally limit and cursor.
type searchBody struct {
	Intersects json.RawMessage `json:"intersects"`
	Within     json.RawMessage `json:"within"`
	Nearby     *nearbyBody     `json:"nearby"`
	Limit      *int            `json:"limit"`
	Cursor     *string         `json:"cursor"`
	// Filter is a CQL2 filter beside the spatial query: a cql2-text
	// string, or a cql2-json object.
	Filter     json.RawMessage `json:"filter"`
	FilterLang *string         `json:"filter-lang"`
}

type nearbyBody struct {
	Point  []float64 `json:"point"`
	K      *int      `json:"k"`
	Radius *float64  `json:"radius"`
}

func (a *Features) search(ctx *fasthttp.RequestCtx) {
	c := a.lookup(ctx)
	if c == nil || !acceptable(ctx, mtGeoJSON, mtJSON) {
		return
	}
	if _, ok := requireType(ctx, mtJSON); !ok {
		return
	}
	var body searchBody
	dec := json.NewDecoder(bytes.NewReader(ctx.Request.Body()))
	dec.DisallowUnknownFields()
	err := dec.Decode(&body)
	if err == nil {
		err = endOfInput(dec, ctx.Request.Body())
	}
	if err != nil {
		badBody(ctx, "the body must be {\"intersects\"|\"within\": geometry} or {\"nearby\": {\"point\": [lon, lat], \"k\": n, \"radius\": metres}}, with optional \"limit\", \"cursor\", \"filter\" and \"filter-lang\": %v", err)
		return
	}
	l := a.pages.get()
	defer a.pages.put(l)
	if err := body.query(&l.q, a.maxVert); err != nil {
		fail(ctx, err, Subject{})
		return
	}
	if len(body.Filter) > 0 && string(body.Filter) != "null" {
		e, err := searchFilter(body.Filter, body.FilterLang)
		if err == nil {
			err = compileFilter(c, &l.q, e)
		}
		if err != nil {
			badBody(ctx, "filter: %v", err)
			return
		}
	}
	l.q.StopAt = stopAt(ctx)
	c.Query(&l.q, &l.p)
	l.encodeFeatures(ctx, encodeUntil(ctx))
	var nextCursor []byte
	if l.p.Next.Set {
		l.cur = l.p.Next.Append(l.cur[:0])
		nextCursor = l.cur
	}
	path := string(ctx.Path())
	respond(ctx, fasthttp.StatusOK, mtGeoJSON, func(b []byte) []byte {
		return appendCollectionPage(b, l, nextCursor, func(b []byte) []byte {
			b = appendLink(b, ctx, "self", codec.GeoJSONContentType, "this search (POST)", path)
			if nextCursor != nil {
				// A next link of a POST search (as STAC API's): POST the
				// same body again, merged with this one.
				b = append(b, ",{\"rel\":\"next\",\"type\":\"application/geo+json\",\"method\":\"POST\",\"merge\":true,\"body\":{\"cursor\":"...)
				b = codec.AppendString(b, nextCursor)
				b = append(b, "},\"href\":\"http://"...)
				b = codec.AppendStringContent(b, ctx.Host())
				b = codec.AppendStringContent(b, path)
				b = append(b, "\"}"...)
			}
			return b
		})
	})
}

// query checks the body and fills q; its errors are *store.InputError or
// *store.GeometryError with paths into the body.
func (s *searchBody) query(q *store.Query, maxVertices int) error {
	n := 0
	for _, set := range []bool{s.Intersects != nil, s.Within != nil, s.Nearby != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return &store.InputError{Reason: "give exactly one of \"intersects\", \"within\" and \"nearby\""}
	}
	q.Limit = DefaultLimit
	if s.Limit != nil {
		if *s.Limit < 1 {
			return &store.InputError{Path: "limit", Reason: "must be at least 1"}
		}
		q.Limit = min(*s.Limit, MaxLimit)
	}
	switch {
	case s.Intersects != nil:
		q.Kind = store.Intersects
		return s.geometry("intersects", s.Intersects, q, maxVertices)
	case s.Within != nil:
		q.Kind = store.Within
		return s.geometry("within", s.Within, q, maxVertices)
	}
	q.Kind = store.Nearby
	nb := s.Nearby
	if len(nb.Point) != 2 {
		return &store.InputError{Path: "nearby.point", Reason: "must be [longitude, latitude]"}
	}
	q.Lon, q.Lat = nb.Point[0], nb.Point[1]
	if q.Lon < -180 || q.Lon > 180 || q.Lat < -90 || q.Lat > 90 {
		return &store.InputError{Path: "nearby.point", Reason: "must be within [-180, 180] × [-90, 90]"}
	}
	q.K = DefaultK
	if nb.K != nil {
		if *nb.K < 1 || *nb.K > MaxK {
			return &store.InputError{Path: "nearby.k", Reason: "must be from 1 to " + itoa(MaxK)}
		}
		q.K = *nb.K
	}
	if nb.Radius != nil {
		if r := *nb.Radius; r <= 0 || math.IsInf(r, 0) || math.IsNaN(r) {
			return &store.InputError{Path: "nearby.radius", Reason: "must be a positive number of metres"}
		}
		q.Radius = *nb.Radius
	}
	return s.cursor(q, true)
}

func (s *searchBody) geometry(name string, raw json.RawMessage, q *store.Query, maxVertices int) error {
	g, err := store.ParseGeometry(raw, maxVertices)
	if err != nil {
		ge := err.(*store.GeometryError)
		path := name
		if ge.Path != "" {
			path += "." + ge.Path
		}
		return &store.GeometryError{Path: path, Reason: ge.Reason}
	}
	q.Geom = g
	return s.cursor(q, false)
}

func (s *searchBody) cursor(q *store.Query, nearby bool) error {
	if s.Cursor == nil || *s.Cursor == "" {
		return nil
	}
	cur, err := store.ParseCursor([]byte(*s.Cursor), nearby)
	if err != nil {
		return &store.InputError{Path: "cursor", Reason: err.Error()}
	}
	q.Cursor = cur
	return nil
}
