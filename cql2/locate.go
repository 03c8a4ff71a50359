package cql2

import (
	"github.com/peterstace/simplefeatures/geom"
	"github.com/tidwall/geojson/geometry"
)

// Most features are points, and a point stands in a DE-9IM relation to a
// literal according to where it lies in it alone: in its interior, on its
// boundary, or outside. A locator answers that without an overlay and
// without allocating, so S_WITHIN(geometry, POLYGON(…)) over points costs
// about what S_INTERSECTS does.

// location is where a point lies in a geometry.
type location uint8

const (
	exterior location = iota
	boundary
	interior
)

// locator is a literal's coordinates, by dimension (one kind per literal).
type locator struct {
	dim    int
	points []geometry.Point   // dimension 0
	lines  [][]geometry.Point // dimension 1: each line's positions
	ends   []geometry.Point   // dimension 1: the boundary (the mod-2 rule)
	rings  [][]geometry.Point // dimension 2: every ring of every polygon
}

// newLocator reads a literal's coordinates; nil for a GEOMETRYCOLLECTION,
// whose parts may lie in each other (a point in a polygon is in its
// interior, not a point of the collection's boundary): Relate decides.
func newLocator(g geom.Geometry) *locator {
	if g.Type() == geom.TypeGeometryCollection {
		return nil
	}
	l := &locator{dim: g.Dimension()}
	switch g.Type() {
	case geom.TypePoint:
		l.addPoint(g.MustAsPoint())
	case geom.TypeMultiPoint:
		mp := g.MustAsMultiPoint()
		for i := range mp.NumPoints() {
			l.addPoint(mp.PointN(i))
		}
	case geom.TypeLineString:
		l.lines = append(l.lines, positions(g.MustAsLineString()))
	case geom.TypeMultiLineString:
		ml := g.MustAsMultiLineString()
		for i := range ml.NumLineStrings() {
			l.lines = append(l.lines, positions(ml.LineStringN(i)))
		}
	case geom.TypePolygon:
		l.addPolygon(g.MustAsPolygon())
	case geom.TypeMultiPolygon:
		mp := g.MustAsMultiPolygon()
		for i := range mp.NumPolygons() {
			l.addPolygon(mp.PolygonN(i))
		}
	default:
		panic("BUG: a literal of type " + g.Type().String())
	}
	// A line's boundary is the ends that an odd number of its parts
	// have (a closed part has none: its two ends are one point, twice).
	count := map[geometry.Point]int{}
	for _, ln := range l.lines {
		count[ln[0]]++
		count[ln[len(ln)-1]]++
	}
	for p, n := range count {
		if n%2 == 1 {
			l.ends = append(l.ends, p)
		}
	}
	return l
}

func (l *locator) addPoint(p geom.Point) {
	if xy, ok := p.XY(); ok {
		l.points = append(l.points, geometry.Point{X: xy.X, Y: xy.Y})
	}
}

func (l *locator) addPolygon(p geom.Polygon) {
	l.rings = append(l.rings, positions(p.ExteriorRing()))
	for i := range p.NumInteriorRings() {
		l.rings = append(l.rings, positions(p.InteriorRingN(i)))
	}
}

func positions(ls geom.LineString) []geometry.Point {
	seq := ls.Coordinates()
	out := make([]geometry.Point, seq.Length())
	for i := range out {
		xy := seq.GetXY(i)
		out[i] = geometry.Point{X: xy.X, Y: xy.Y}
	}
	return out
}

// locate says where p lies in the literal.
func (l *locator) locate(p geometry.Point) location {
	switch l.dim {
	case 0:
		for _, q := range l.points {
			if q == p {
				return interior
			}
		}
		return exterior
	case 1:
		for _, ln := range l.lines {
			if onPath(p, ln) {
				for _, e := range l.ends {
					if e == p {
						return boundary
					}
				}
				return interior
			}
		}
		return exterior
	}
	in := false
	for _, r := range l.rings {
		if onPath(p, r) {
			return boundary
		}
		// Crossings of a ray to the right of p, over every ring: the rings
		// of a valid (multi)polygon bound interiors that do not overlap.
		for i := 1; i < len(r); i++ {
			a, b := r[i-1], r[i]
			if (a.Y > p.Y) != (b.Y > p.Y) && p.X < a.X+(p.Y-a.Y)*(b.X-a.X)/(b.Y-a.Y) {
				in = !in
			}
		}
	}
	if in {
		return interior
	}
	return exterior
}

// onPath reports whether p lies on the segments joining the positions.
func onPath(p geometry.Point, path []geometry.Point) bool {
	for i := 1; i < len(path); i++ {
		a, b := path[i-1], path[i]
		if p.X < min(a.X, b.X) || p.X > max(a.X, b.X) || p.Y < min(a.Y, b.Y) || p.Y > max(a.Y, b.Y) {
			continue
		}
		if (b.X-a.X)*(p.Y-a.Y) == (b.Y-a.Y)*(p.X-a.X) {
			return true
		}
	}
	return false
}

// relatePoint decides op for a feature that is the point p, from where p
// lies in the literal.
func (l *locator) relatePoint(op string, p geometry.Point) bool {
	switch op {
	case "s_within":
		return l.locate(p) == interior
	case "s_touches":
		return l.locate(p) == boundary
	case "s_equals", "s_contains": // the literal is p (once or more)
		if l.dim != 0 {
			return false
		}
		for _, q := range l.points {
			if q != p {
				return false
			}
		}
		return true
	}
	// s_crosses and s_overlaps: a single point has no interior that could
	// lie partly inside the literal and partly outside.
	return false
}
