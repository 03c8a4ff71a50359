package store

import (
	"math"

	"github.com/tidwall/geojson"
	"github.com/tidwall/geojson/geometry"
)

// EarthRadius is the mean radius of the Earth in metres (IUGG), the sphere
// every distance here is measured on.
const EarthRadius = 6371008.8

const rad = math.Pi / 180

// Haversine returns the great-circle distance in metres between two
// positions given as longitude, latitude in degrees.
func Haversine(lon1, lat1, lon2, lat2 float64) float64 {
	return EarthRadius * centralAngle(lon1*rad, lat1*rad, lon2*rad, lat2*rad)
}

// centralAngle is the angle between two positions in radians (haversine
// formula: accurate for small angles too).
func centralAngle(l1, p1, l2, p2 float64) float64 {
	sp := math.Sin((p2 - p1) / 2)
	sl := math.Sin((l2 - l1) / 2)
	h := sp*sp + math.Cos(p1)*math.Cos(p2)*sl*sl
	return 2 * math.Asin(math.Sqrt(math.Min(1, h)))
}

// RectDistance returns a lower bound, in metres, of the distance from the
// position (lon, lat) to anything inside the longitude-latitude box
// [minLon, maxLon] × [minLat, maxLat] (not crossing the antimeridian): the
// exact distance to the box itself. It is what makes a k-nearest search on
// the sphere correct: an index node is visited before any feature nearer
// than its box could be missed.
//
// When lon is inside the box's longitudes, the nearest point of the box is
// straight north or south (lat clamped). Otherwise it lies on the nearer of
// the two meridian edges (a parallel edge is nearest at a corner, which
// belongs to a meridian edge): on the meridian at Δλ from the point, the
// distance is least at latitude atan2(sin φ, cos φ cos Δλ), or, when the
// edge does not reach that latitude, at one of its ends.
func RectDistance(lon, lat, minLon, minLat, maxLon, maxLat float64) float64 {
	if lon >= minLon && lon <= maxLon {
		return Haversine(lon, lat, lon, math.Max(minLat, math.Min(maxLat, lat)))
	}
	return math.Min(meridianDistance(lon, lat, minLon, minLat, maxLat),
		meridianDistance(lon, lat, maxLon, minLat, maxLat))
}

func meridianDistance(lon, lat, edgeLon, minLat, maxLat float64) float64 {
	dl := math.Abs(lon-edgeLon) * rad
	if dl > math.Pi {
		dl = 2*math.Pi - dl
	}
	phi := lat * rad
	best := math.Atan2(math.Sin(phi), math.Cos(phi)*math.Cos(dl)) / rad
	if best >= minLat && best <= maxLat {
		return Haversine(lon, lat, edgeLon, best)
	}
	// Along the meridian's great circle the distance grows both ways from
	// best, which may lie past a pole: the nearest point of an edge without
	// it is one of its ends.
	return math.Min(Haversine(lon, lat, edgeLon, minLat), Haversine(lon, lat, edgeLon, maxLat))
}

// Distance returns the distance in metres from the position (lon, lat) to
// the geometry g: 0 if the position is on or inside it, else the distance
// to its nearest point, with edges taken as great-circle arcs, and never
// less than the distance to the geometry's bounding box (edges are straight
// in longitude and latitude for the predicates; the bound keeps the two
// readings consistent, and the nearest-first order exact).
func Distance(g geojson.Object, lon, lat float64) float64 {
	if p, ok := g.(*geojson.Point); ok {
		c := p.Base()
		return Haversine(lon, lat, c.X, c.Y)
	}
	r := g.Rect()
	bound := RectDistance(lon, lat, r.Min.X, r.Min.Y, r.Max.X, r.Max.Y)
	return math.Max(bound, shapeDistance(g, lon, lat))
}

func shapeDistance(g geojson.Object, lon, lat float64) float64 {
	pt := geometry.Point{X: lon, Y: lat}
	switch s := g.(type) {
	case *geojson.Point:
		c := s.Base()
		return Haversine(lon, lat, c.X, c.Y)
	case *geojson.LineString:
		return seriesDistance(s.Base(), lon, lat)
	case *geojson.Polygon:
		poly := s.Base()
		if poly.IntersectsPoint(pt) {
			return 0
		}
		d := seriesDistance(poly.Exterior, lon, lat)
		for _, h := range poly.Holes {
			d = math.Min(d, seriesDistance(h, lon, lat))
		}
		return d
	}
	d := math.Inf(1)
	g.ForEach(func(child geojson.Object) bool {
		d = math.Min(d, shapeDistance(child, lon, lat))
		return d > 0
	})
	return d
}

// seriesDistance is the distance to the nearest edge of a line or ring.
func seriesDistance(s geometry.Series, lon, lat float64) float64 {
	p := unit(lon, lat)
	d := math.Inf(1)
	for i := 0; i < s.NumSegments(); i++ {
		seg := s.SegmentAt(i)
		d = math.Min(d, arcDistance(p, unit(seg.A.X, seg.A.Y), unit(seg.B.X, seg.B.Y)))
	}
	if s.NumSegments() == 0 && s.NumPoints() > 0 {
		a := s.PointAt(0)
		d = Haversine(lon, lat, a.X, a.Y)
	}
	return d
}

type vec [3]float64

func unit(lon, lat float64) vec {
	l, p := lon*rad, lat*rad
	return vec{math.Cos(p) * math.Cos(l), math.Cos(p) * math.Sin(l), math.Sin(p)}
}

func dot(a, b vec) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }

func cross(a, b vec) vec {
	return vec{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}

// angle is the angle between unit vectors, accurate near 0 and π.
func angle(a, b vec) float64 {
	c := cross(a, b)
	return math.Atan2(math.Sqrt(dot(c, c)), dot(a, b))
}

// arcDistance is the distance in metres from p to the minor great-circle
// arc from a to b: to the foot of the perpendicular when it falls on the
// arc, else to the nearer end.
func arcDistance(p, a, b vec) float64 {
	n := cross(a, b)
	nn := math.Sqrt(dot(n, n))
	ends := math.Min(angle(p, a), angle(p, b))
	if nn < 1e-15 {
		return EarthRadius * ends
	}
	n = vec{n[0] / nn, n[1] / nn, n[2] / nn}
	// The foot of the perpendicular lies on the arc when it is on the a
	// side of the plane through b and n, and on the b side of the plane
	// through a and n.
	if dot(cross(a, p), n) >= 0 && dot(cross(p, b), n) >= 0 {
		return EarthRadius * math.Abs(math.Asin(math.Max(-1, math.Min(1, dot(p, n)))))
	}
	return EarthRadius * ends
}

// circleBox is the longitude-latitude box around the circle of radius
// metres about (lon, lat): everything within the radius lies inside it. A
// radius of 0 (none), a circle around a pole or across the antimeridian
// gets the whole world.
func circleBox(lon, lat, radius float64) geometry.Rect {
	world := geometry.Rect{Min: geometry.Point{X: -180, Y: -90}, Max: geometry.Point{X: 180, Y: 90}}
	delta := radius / EarthRadius // the circle's angular radius
	if radius <= 0 || delta >= math.Pi/2 {
		return world
	}
	// A hair wider than exact, so that rounding never cuts an answer.
	dlat := delta/rad*(1+1e-9) + 1e-9
	r := world
	r.Min.Y, r.Max.Y = math.Max(-90, lat-dlat), math.Min(90, lat+dlat)
	if lat+dlat >= 90 || lat-dlat <= -90 {
		return r // around a pole: every longitude
	}
	// The meridians tangent to the circle are Δλ = asin(sin δ / cos φ) away.
	s := math.Sin(delta) / math.Cos(lat*rad)
	if s >= 1 {
		return r
	}
	dlon := math.Asin(s)/rad*(1+1e-9) + 1e-9
	if lon-dlon < -180 || lon+dlon > 180 {
		return r
	}
	r.Min.X, r.Max.X = lon-dlon, lon+dlon
	return r
}
