package api

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/geometryos/daemon1/codec"
	"github.com/geometryos/daemon1/cql2"
	"github.com/geometryos/daemon1/server"
	"github.com/geometryos/daemon1/store"
	"github.com/tidwall/geojson"
	"github.com/tidwall/geojson/geometry"
	"github.com/valyala/fasthttp"
)

// Filtering (OGC API – Features Part 3, CQL2): a listing takes a filter
// (filter, filter-lang cql2-text or cql2-json, filter-crs CRS84) and
// equality on its queryables as parameters (?name=A); a search takes a
// "filter" member. The properties a filter may name are the collection's
// queryables: the top-level properties its features hold, with the JSON
// types they hold them with (store.Collection.Queryables), kept current by
// every write.

// The filter parameters of a listing.
var filterParams = []string{"filter", "filter-lang", "filter-crs"}

// queryablesOf is the cql2 view of c's queryables.
func queryablesOf(c *store.Collection) cql2.Queryables {
	return func(name string) (cql2.Types, bool) {
		t, ok := c.PropertyTypes(name)
		return cql2.Types(t), ok
	}
}

// isQueryable is the listing's MoreParams: a queryable of its collection.
func (a *Features) isQueryable(ctx *fasthttp.RequestCtx, name []byte) bool {
	c, err := a.collectionOf(server.Param(ctx, "c"))
	if err != nil {
		return false
	}
	_, ok := c.PropertyTypes(string(name))
	return ok
}

// listingFilter reads a listing's filter and queryable parameters into q,
// or answers 400 and reports false.
func listingFilter(ctx *fasthttp.RequestCtx, c *store.Collection, q *store.Query) bool {
	args := ctx.QueryArgs()
	var parts []cql2.Expr
	if raw := args.Peek("filter"); len(raw) > 0 {
		e, err := parseFilter(string(raw), string(args.Peek("filter-lang")), string(args.Peek("filter-crs")))
		if err != nil {
			badParam(ctx, "filter: %v", err)
			return false
		}
		parts = append(parts, e)
	} else if len(args.Peek("filter-lang")) > 0 || len(args.Peek("filter-crs")) > 0 {
		badParam(ctx, "filter-lang and filter-crs go with a filter")
		return false
	}
	for k, v := range args.All() {
		if t, ok := c.PropertyTypes(string(k)); ok {
			parts = append(parts, cql2.Compare{Op: "=", Left: cql2.Property{Name: string(k), Pos: "parameter " + string(k)}, Right: literalFor(string(v), t)})
		}
	}
	if len(parts) == 0 {
		return true
	}
	e := parts[0]
	if len(parts) > 1 {
		e = cql2.Logic{Op: "and", Args: parts}
	}
	return applyFilter(ctx, c, q, e)
}

// parseFilter reads a filter in its language.
func parseFilter(text, lang, crs string) (cql2.Expr, error) {
	if crs != "" && crs != crs84 {
		return nil, errorf("filter-crs %q is not supported: coordinates are in %s", crs, crs84)
	}
	switch lang {
	case "", "cql2-text", "cql-text": // (cql-text: the drafts' name, which GDAL before 3.7 sends)
		return cql2.ParseText(text)
	case "cql2-json":
		return cql2.ParseJSON([]byte(text))
	}
	return nil, errorf("filter-lang %q is not supported: cql2-text (the default) or cql2-json", lang)
}

// literalFor types a query parameter's value as its property is typed: a
// number for a number property, a boolean for a boolean one, else a string.
func literalFor(v string, t store.JSONTypes) cql2.Operand {
	if t&store.TypeNumber != 0 {
		if n, err := strconv.ParseFloat(v, 64); err == nil {
			return cql2.Number{V: n}
		}
	}
	if t&store.TypeBool != 0 && (v == "true" || v == "false") {
		return cql2.Bool{V: v == "true"}
	}
	return cql2.String{V: v}
}

// applyFilter compiles e against c's queryables into q; a filter whose
// every match lies in a box (S_INTERSECTS with a BBOX or POINT, at its
// top level) lets the spatial index find the candidates.
func applyFilter(ctx *fasthttp.RequestCtx, c *store.Collection, q *store.Query, e cql2.Expr) bool {
	if err := compileFilter(c, q, e); err != nil {
		badParam(ctx, "%v", err)
		return false
	}
	if q.Kind == store.All {
		if r, ok := indexBox(e); ok {
			q.Kind, q.BBox = store.BBox, r
		}
	}
	return true
}

// compileFilter compiles e against c's queryables into q.Filter.
func compileFilter(c *store.Collection, q *store.Query, e cql2.Expr) error {
	f, err := cql2.Compile(e, queryablesOf(c))
	if err != nil {
		return err
	}
	q.Filter = func(feat *store.Feature) bool { return f.Match(feat.Properties(), feat.Geometry()) }
	return nil
}

// searchFilter reads the filter member of a search body: a cql2-text
// string, or a cql2-json object (filter-lang may say which).
func searchFilter(raw []byte, lang *string) (cql2.Expr, error) {
	l := ""
	if lang != nil {
		l = *lang
	}
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		if l == "cql2-json" {
			return cql2.ParseJSON([]byte(s))
		}
		return parseFilter(s, l, "")
	}
	if l != "" && l != "cql2-json" {
		return nil, errorf("filter-lang %q with a JSON object: the object is cql2-json", l)
	}
	return cql2.ParseJSON(raw)
}

// indexBox finds a box every match of e lies in.
func indexBox(e cql2.Expr) (geometry.Rect, bool) {
	switch x := e.(type) {
	case cql2.Spatial:
		if x.Op == "s_disjoint" {
			return geometry.Rect{}, false
		}
		if _, ok := x.With.(cql2.Property); ok { // the literal first: S_…(literal, geometry)
			x.With = x.Geom
		}
		switch l := x.With.(type) {
		case cql2.BBox:
			return geometry.Rect{Min: geometry.Point{X: l.MinX, Y: l.MinY}, Max: geometry.Point{X: l.MaxX, Y: l.MaxY}}, true
		case cql2.Point:
			return geometry.Rect{Min: geometry.Point{X: l.X, Y: l.Y}, Max: geometry.Point{X: l.X, Y: l.Y}}, true
		case cql2.Geometry:
			if g, err := geojson.Parse(l.GeoJSON, nil); err == nil {
				return g.Rect(), true
			}
		}
	case cql2.Logic:
		if x.Op == "and" {
			for _, a := range x.Args {
				if r, ok := indexBox(a); ok {
					return r, true
				}
			}
		}
	}
	return geometry.Rect{}, false
}

// queryables answers GET /collections/{c}/queryables: a JSON Schema of the
// properties a filter may name (OGC API – Features Part 3).
func (a *Features) queryables(ctx *fasthttp.RequestCtx) {
	c := a.lookup(ctx)
	if c == nil || !acceptable(ctx, mtSchema, mtJSON) {
		return
	}
	props := c.Queryables()
	// application/schema+json, unless the client asks for JSON without it
	// (GDAL before 3.7 refuses any other type).
	mt, accept := mtSchema, ctx.Request.Header.Peek("Accept")
	if len(accept) > 0 && !bytes.Contains(accept, mtSchema) && acceptsAny(accept, [][]byte{mtJSON}) {
		mt = mtJSON
	}
	respond(ctx, fasthttp.StatusOK, mt, func(b []byte) []byte {
		b = append(b, `{"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"http://`...)
		b = codec.AppendStringContent(b, ctx.Host())
		b = append(b, "/collections/"...)
		b = codec.AppendStringContent(b, c.Name())
		b = append(b, `/queryables","type":"object","title":`...)
		b = codec.AppendString(b, c.Name())
		b = append(b, `,"properties":{"geometry":{"format":"geometry-any","x-ogc-role":"primary-geometry"}`...)
		for _, p := range props {
			b = append(b, ',')
			b = codec.AppendString(b, p.Name)
			b = append(b, `:{"title":`...)
			b = codec.AppendString(b, p.Name)
			if names := schemaTypes(p.Types); names != "" {
				b = append(b, `,"type":`...)
				b = append(b, names...)
			}
			b = append(b, '}')
		}
		// The drafts' list of queryables, beside the schema, for GDAL before 3.7.
		b = append(b, `},"additionalProperties":false,"queryables":[`...)
		for i, p := range props {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"id":`...)
			b = codec.AppendString(b, p.Name)
			b = append(b, '}')
		}
		return append(b, "]}"...)
	})
}

// schemaTypes is the JSON Schema "type" of a property's types: a name, a
// list of names, or "" when it has been null only.
func schemaTypes(t store.JSONTypes) string {
	var names []string
	for _, n := range []struct {
		t    store.JSONTypes
		name string
	}{{store.TypeString, `"string"`}, {store.TypeNumber, `"number"`}, {store.TypeBool, `"boolean"`}, {store.TypeOther, `"object","array"`}} {
		if t&n.t != 0 {
			names = append(names, n.name)
		}
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		if !strings.Contains(names[0], ",") {
			return names[0]
		}
	}
	return "[" + strings.Join(names, ",") + "]"
}

var mtSchema = []byte("application/schema+json")
