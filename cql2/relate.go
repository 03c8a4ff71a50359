package cql2

import (
	"github.com/peterstace/simplefeatures/geom"
	"github.com/tidwall/geojson"
	"github.com/tidwall/geojson/geometry"
)

// The spatial functions beyond S_INTERSECTS and S_DISJOINT are the named
// predicates of the DE-9IM (OGC Simple Features, which CQL2 cites):
// S_EQUALS, S_TOUCHES, S_WITHIN, S_CONTAINS, S_OVERLAPS and S_CROSSES tell
// a geometry's interior from its boundary, which tidwall/geojson's
// predicates do not (for it a point on a polygon's edge lies within the
// polygon; for the DE-9IM it touches it). They are decided by
// simplefeatures' Relate, which builds an overlay of both geometries (tens
// of microseconds): so only for the features that pass two checks that
// allocate nothing (the bounding boxes, then tidwall's Intersects: every
// one of these predicates implies that the geometries meet), and never for
// a point feature, which a locator places in the literal (locate.go). S_INTERSECTS and S_DISJOINT need no
// more than tidwall's Intersects, which agrees with the DE-9IM's (a test
// checks all eight against GEOS).

// relation is a compiled DE-9IM predicate of a feature's geometry and a
// literal.
type relation struct {
	op   string
	obj  geojson.Object // the literal, for tidwall's Intersects
	rect geometry.Rect  // its bounding box
	lit  geom.Geometry  // the literal, for Relate
	loc  *locator       // the literal, for a point feature
	pred func(a, b geom.Geometry) (bool, error)
	buf  []byte // a feature's GeoJSON, reused (a Filter serves one goroutine)
}

// relations are the predicates decided by Relate; each argument is the
// feature's geometry, then the literal.
var relations = map[string]func(a, b geom.Geometry) (bool, error){
	"s_equals": geom.Equals, "s_touches": geom.Touches, "s_within": geom.Within,
	"s_contains": geom.Contains, "s_overlaps": geom.Overlaps, "s_crosses": geom.Crosses,
}

// newRelation compiles op of the geometry with a literal, in tidwall's
// form (obj) and simplefeatures' (lit).
func newRelation(op string, obj geojson.Object, lit geom.Geometry) *relation {
	return &relation{op: op, obj: obj, rect: obj.Rect(), lit: lit, loc: newLocator(lit), pred: relations[op]}
}

// match reports whether the feature's geometry g stands in the relation
// to the literal.
func (r *relation) match(g geojson.Object) bool {
	gr := g.Rect()
	switch r.op { // what the boxes already rule out
	case "s_within":
		if !rectWithin(gr, r.rect) {
			return false
		}
	case "s_contains":
		if !rectWithin(r.rect, gr) {
			return false
		}
	case "s_equals":
		if gr != r.rect {
			return false
		}
	default:
		if !gr.IntersectsRect(r.rect) {
			return false
		}
	}
	if r.loc != nil {
		switch p := g.(type) {
		case *geojson.Point:
			return r.loc.relatePoint(r.op, p.Base())
		case *geojson.SimplePoint:
			return r.loc.relatePoint(r.op, p.Base())
		}
	}
	if !g.Intersects(r.obj) {
		return false
	}
	a, err := r.convert(g)
	if err != nil {
		return false
	}
	ok, err := r.pred(a, r.lit)
	return ok && err == nil
}

// convert is a feature's geometry in simplefeatures' form. A stored
// geometry is valid GeoJSON, but not always valid for simplefeatures (a
// self-intersecting ring, for one), so it is not validated again: Relate
// answers for the rings as they are.
func (r *relation) convert(g geojson.Object) (geom.Geometry, error) {
	r.buf = g.AppendJSON(r.buf[:0])
	return geom.UnmarshalGeoJSON(r.buf, geom.NoValidate{})
}

func pointOf(p geometry.Point) geom.Geometry {
	return geom.XY{X: p.X, Y: p.Y}.AsPoint().AsGeometry()
}

// rectWithin reports whether a lies within b, edges included.
func rectWithin(a, b geometry.Rect) bool {
	return a.Min.X >= b.Min.X && a.Max.X <= b.Max.X && a.Min.Y >= b.Min.Y && a.Max.Y <= b.Max.Y
}
