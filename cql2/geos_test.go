package cql2

import (
	"fmt"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"

	"github.com/geometryos/daemon1/internal/testtool"
	"github.com/tidwall/geojson"
)

// GEOS, the engine behind PostGIS, QGIS and GDAL, is the reference for the
// spatial functions: Debian's GDAL Python bindings call it.
const systemPython = "/usr/bin/python3"

// geosScript reads "A<tab>B" lines of WKT and writes, per line, whether A
// S_INTERSECTS, S_EQUALS, S_DISJOINT, S_TOUCHES, S_WITHIN, S_OVERLAPS,
// S_CROSSES and S_CONTAINS B, as eight 0/1. OGR's Equals compares
// vertices, not point sets: topological equality is within both ways.
const geosScript = `
import sys
from osgeo import ogr
ogr.UseExceptions()
for line in sys.stdin:
    a, b = (ogr.CreateGeometryFromWkt(w) for w in line.rstrip("\n").split("\t"))
    r = [a.Intersects(b), a.Within(b) and b.Within(a), a.Disjoint(b), a.Touches(b),
         a.Within(b), a.Overlaps(b), a.Crosses(b), a.Contains(b)]
    print("".join("1" if x else "0" for x in r))
`

var geosOps = []string{"s_intersects", "s_equals", "s_disjoint", "s_touches", "s_within", "s_overlaps", "s_crosses", "s_contains"}

// The eight spatial functions agree with GEOS on random geometries of every
// kind on a small grid, where they share vertices, edges and areas (the
// cases where a boundary is not an interior), written either way round.
func TestSpatialFunctionsAgainstGEOS(t *testing.T) {
	python := testtool.Require(t, systemPython, "python3-gdal")
	if err := exec.Command(python, "-c", "from osgeo import ogr").Run(); err != nil {
		testtool.Require(t, "osgeo-is-missing", "python3-gdal")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	type pair struct{ a, b wktGeom }
	var pairs []pair
	var in strings.Builder
	for range 3000 {
		p := pair{a: randGeom(rng), b: randGeom(rng)}
		switch rng.IntN(6) {
		case 0:
			p.b = p.a // equal ones, too
		case 1:
			p.b = randBox(rng)
		case 2:
			// A collection of one geometry is that geometry (GEOS 3.11's
			// relate misreads collections of several that meet, so
			// TestGeometryCollections checks those otherwise).
			p.b.cql = "GEOMETRYCOLLECTION(" + p.b.wkt + ")"
		case 3:
			p.a.geojson = `{"type":"GeometryCollection","geometries":[` + p.a.geojson + "]}"
		}
		pairs = append(pairs, p)
		fmt.Fprintf(&in, "%s\t%s\n", p.a.wkt, p.b.wkt)
	}
	cmd := exec.Command(python, "-c", geosScript)
	cmd.Stdin = strings.NewReader(in.String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("GEOS: %v\n%s", err, err.(*exec.ExitError).Stderr)
	}
	lines := strings.Fields(string(out))
	if len(lines) != len(pairs) {
		t.Fatalf("GEOS answered %d lines for %d pairs", len(lines), len(pairs))
	}
	seen := make([]int, len(geosOps))
	for i, p := range pairs {
		feature, err := geojson.Parse(p.a.geojson, nil)
		if err != nil {
			t.Fatalf("%s: %v", p.a.geojson, err)
		}
		cql := p.b.wkt
		if p.b.cql != "" {
			cql = p.b.cql
		}
		lit, err := ParseText("S_INTERSECTS(geometry, " + cql + ")")
		if err != nil {
			t.Fatalf("%s: %v", cql, err)
		}
		with := lit.(Spatial).With
		for k, op := range geosOps {
			want := lines[i][k] == '1'
			if want {
				seen[k]++
			}
			// S_op(geometry, B), and S_op'(B, geometry) with within and
			// contains swapped.
			flipped := map[string]string{"s_within": "s_contains", "s_contains": "s_within"}[op]
			if flipped == "" {
				flipped = op
			}
			for _, e := range []Spatial{
				{Op: op, Geom: Property{Name: "geometry"}, With: with},
				{Op: flipped, Geom: with, With: Property{Name: "geometry"}},
			} {
				f, err := Compile(e, anyTypes)
				if err != nil {
					t.Fatalf("%s: %v", Text(e), err)
				}
				if got := f.Match("", feature); got != want {
					t.Errorf("%s for the geometry %s: %v, GEOS says %v", Text(e), p.a.wkt, got, want)
				}
			}
		}
	}
	for k, op := range geosOps {
		if seen[k] < 20 { // a test of nothing, else
			t.Errorf("%s held for only %d of %d pairs", op, seen[k], len(pairs))
		}
	}
	t.Logf("pairs for which each holds, of %d: %v %v", len(pairs), geosOps, seen)
}

// wktGeom is a geometry as WKT and as GeoJSON, and as CQL2 where that is
// not its WKT.
type wktGeom struct{ wkt, geojson, cql string }

// randBox is a BBOX literal on the grid: a polygon, or a line or a point
// when it has no width or no height.
func randBox(rng *rand.Rand) wktGeom {
	x0, y0 := rng.IntN(5), rng.IntN(5)
	x1, y1 := x0+rng.IntN(5-x0), y0+rng.IntN(5-y0)
	b := wktGeom{cql: fmt.Sprintf("BBOX(%d, %d, %d, %d)", x0, y0, x1, y1)}
	switch {
	case x0 == x1 && y0 == y1:
		b.wkt = fmt.Sprintf("POINT(%d %d)", x0, y0)
	case x0 == x1 || y0 == y1:
		b.wkt = fmt.Sprintf("LINESTRING(%d %d, %d %d)", x0, y0, x1, y1)
	default:
		b.wkt = fmt.Sprintf("POLYGON((%d %d, %d %d, %d %d, %d %d, %d %d))", x0, y0, x1, y0, x1, y1, x0, y1, x0, y0)
	}
	return b
}

// randGeom is a valid geometry of a random kind with vertices on the grid
// 0…4: points, lines, rectangles and
// triangles with or without a hole, and their multi- forms.
//
// Lines cross neither themselves nor each other within one geometry (they
// are simple): GEOS 3.11's relate (Debian 12's; RelateNG came in 3.13)
// misreads some linework that does. For LINESTRING(0 0, 2 0, 0 4, 4 1) and
// MULTILINESTRING((1 2, 2 0, 1 2, 4 4), (1 0, 4 3)) it says that the
// interiors meet in points only (crosses, does not overlap), though both
// hold the segment from 1 2 to 2 0 (simplefeatures: overlaps).
func randGeom(rng *rand.Rand) wktGeom {
	c := func() int { return rng.IntN(5) }
	pt := func() [2]int { return [2]int{c(), c()} }
	line := func(others ...[][2]int) [][2]int {
		for {
			l := [][2]int{pt(), pt()}
			for range rng.IntN(3) {
				l = append(l, pt())
			}
			if len(l) >= 4 && rng.IntN(3) == 0 {
				l[len(l)-1] = l[0] // closed: no boundary
			}
			if len(others) > 0 && rng.IntN(2) == 0 {
				l[0] = others[0][len(others[0])-1] // an end in common
			}
			if l[0] != l[1] && !crossesItself(append(others, l)) {
				return l
			}
		}
	}
	// A polygon within [x0, x0+w] × [y0, y0+h] (w, h ≥ 1), a rectangle or
	// a triangle; a rectangle of 3 or more a side may have a hole.
	poly := func(x0, y0, w, h int) [][][2]int {
		if rng.IntN(3) == 0 {
			return [][][2]int{{{x0, y0}, {x0 + w, y0}, {x0, y0 + h}, {x0, y0}}}
		}
		p := [][][2]int{{{x0, y0}, {x0 + w, y0}, {x0 + w, y0 + h}, {x0, y0 + h}, {x0, y0}}}
		if w >= 3 && h >= 3 && rng.IntN(2) == 0 {
			p = append(p, [][2]int{{x0 + 1, y0 + 1}, {x0 + 1, y0 + 2}, {x0 + 2, y0 + 2}, {x0 + 2, y0 + 1}, {x0 + 1, y0 + 1}})
		}
		return p
	}
	randPoly := func(xmax int) [][][2]int {
		x0, y0 := rng.IntN(xmax), rng.IntN(4)
		return poly(x0, y0, 1+rng.IntN(xmax-x0), 1+rng.IntN(4-y0))
	}
	switch rng.IntN(6) {
	case 0:
		p := pt()
		return wktGeom{wkt: fmt.Sprintf("POINT(%d %d)", p[0], p[1]), geojson: fmt.Sprintf(`{"type":"Point","coordinates":[%d,%d]}`, p[0], p[1])}
	case 1:
		mp := [][2]int{pt(), pt()}
		return wktGeom{wkt: "MULTIPOINT" + wktList(mp), geojson: `{"type":"MultiPoint","coordinates":` + jsonList(mp) + "}"}
	case 2:
		l := line()
		return wktGeom{wkt: "LINESTRING" + wktList(l), geojson: `{"type":"LineString","coordinates":` + jsonList(l) + "}"}
	case 3:
		l := line()
		ml := [][][2]int{l, line(l)}
		return wktGeom{wkt: "MULTILINESTRING" + wktList(ml), geojson: `{"type":"MultiLineString","coordinates":` + jsonList(ml) + "}"}
	case 4:
		p := randPoly(4)
		return wktGeom{wkt: "POLYGON" + wktList(p), geojson: `{"type":"Polygon","coordinates":` + jsonList(p) + "}"}
	}
	// Two polygons apart: one left of x = 2, one right of it (touching at
	// a point at most is valid; sharing an edge is not, so the right one
	// starts at x = 3 when the left one reaches 2).
	left := randPoly(2)
	right := poly(3, rng.IntN(3), 1, 1+rng.IntN(1))
	mp := [][][][2]int{left, right}
	return wktGeom{wkt: "MULTIPOLYGON" + wktList(mp), geojson: `{"type":"MultiPolygon","coordinates":` + jsonList(mp) + "}"}
}

// wktList writes nested lists of positions as WKT's parenthesised lists.
func wktList(v any) string { return positionList(v, "(", ")", "%d %d") }

// jsonList writes nested lists of positions as GeoJSON coordinates.
func jsonList(v any) string { return positionList(v, "[", "]", "[%d,%d]") }

// positionList writes a position with format pos, and a list of positions
// (or of lists) between open and close.
func positionList(v any, open, close, pos string) string {
	var items []any
	switch x := v.(type) {
	case [2]int:
		return fmt.Sprintf(pos, x[0], x[1])
	case [][2]int:
		items = anys(x)
	case [][][2]int:
		items = anys(x)
	case [][][][2]int:
		items = anys(x)
	default:
		panic("unknown")
	}
	s := make([]string, len(items))
	for i, it := range items {
		s[i] = positionList(it, open, close, pos)
	}
	return open + strings.Join(s, ", ") + close
}

func anys[T any](items []T) []any {
	out := make([]any, len(items))
	for i, it := range items {
		out[i] = it
	}
	return out
}

// crossesItself reports whether the lines are not simple: whether they
// meet anywhere but where one segment of a line ends and the next begins,
// the ends of a closed line, and the ends of two lines (which is where the
// mod-2 rule decides a MULTILINESTRING's boundary).
func crossesItself(lines [][][2]int) bool {
	type seg struct {
		p, q [2]int
		line int
	}
	var segs []seg
	ends := map[[2]int]bool{}
	for k, l := range lines {
		ends[l[0]], ends[l[len(l)-1]] = true, true
		for i := 1; i < len(l); i++ {
			segs = append(segs, seg{l[i-1], l[i], k})
		}
	}
	orient := func(o, a, b [2]int) int {
		c := (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0])
		return min(max(c, -1), 1)
	}
	onSeg := func(p, a, b [2]int) bool { // p collinear with a b
		return min(a[0], b[0]) <= p[0] && p[0] <= max(a[0], b[0]) && min(a[1], b[1]) <= p[1] && p[1] <= max(a[1], b[1])
	}
	meet := func(s, u seg) bool {
		o1, o2, o3, o4 := orient(s.p, s.q, u.p), orient(s.p, s.q, u.q), orient(u.p, u.q, s.p), orient(u.p, u.q, s.q)
		return o1 != o2 && o3 != o4 ||
			o1 == 0 && onSeg(u.p, s.p, s.q) || o2 == 0 && onSeg(u.q, s.p, s.q) ||
			o3 == 0 && onSeg(s.p, u.p, u.q) || o4 == 0 && onSeg(s.q, u.p, u.q)
	}
	// Two segments with a common end meet there only, unless they run
	// along each other from it.
	onlyAt := func(s, u seg, q [2]int) bool {
		a, b := s.p, u.p
		if a == q {
			a = s.q
		}
		if b == q {
			b = u.q
		}
		return orient(q, a, b) != 0 || (a[0]-q[0])*(b[0]-q[0])+(a[1]-q[1])*(b[1]-q[1]) < 0
	}
	for i, s := range segs {
		for j := i + 1; j < len(segs); j++ {
			u := segs[j]
			if !meet(s, u) {
				continue
			}
			var q [2]int
			shared := true
			switch {
			case s.p == u.p || s.p == u.q:
				q = s.p
			case s.q == u.p || s.q == u.q:
				q = s.q
			default:
				shared = false
			}
			consecutive := j == i+1 && u.line == s.line
			if shared && (consecutive || ends[q]) && onlyAt(s, u, q) {
				continue
			}
			return true
		}
	}
	return false
}

// A GEOMETRYCOLLECTION literal is the union of its parts' points: of
// points or of polygons apart, it answers as the MULTIPOINT or the
// MULTIPOLYGON of those parts (which agree with GEOS above); with parts of
// several kinds, as worked out by hand.
func TestGeometryCollections(t *testing.T) {
	match := func(filter, feature string) bool {
		t.Helper()
		e, err := ParseText(filter)
		if err != nil {
			t.Fatalf("%s: %v", filter, err)
		}
		f, err := Compile(e, anyTypes)
		if err != nil {
			t.Fatalf("%s: %v", filter, err)
		}
		g, err := geojson.Parse(feature, nil)
		if err != nil {
			t.Fatalf("%s: %v", feature, err)
		}
		return f.Match("", g)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 500 {
		feature := randGeom(rng).geojson
		x0, y0, x1, y1 := rng.IntN(5), rng.IntN(5), rng.IntN(5), rng.IntN(5)
		points := [2]string{fmt.Sprintf("POINT(%d %d)", x0, y0), fmt.Sprintf("POINT(%d %d)", x1, y1)}
		multipoint := fmt.Sprintf("MULTIPOINT(%d %d, %d %d)", x0, y0, x1, y1)
		left, right := wktList(randPolyIn(rng, 0, 2)), wktList(randPolyIn(rng, 3, 4))
		for _, op := range geosOps {
			for _, c := range [][2]string{
				{"GEOMETRYCOLLECTION(" + points[0] + ", " + points[1] + ")", multipoint},
				{"GEOMETRYCOLLECTION(POLYGON" + left + ", POLYGON" + right + ")", "MULTIPOLYGON(" + left + ", " + right + ")"},
			} {
				got, want := match(op+"(geometry, "+c[0]+")", feature), match(op+"(geometry, "+c[1]+")", feature)
				if got != want {
					t.Errorf("%s(%s, %s): %v, but %v with %s", op, feature, c[0], got, want, c[1])
				}
			}
		}
	}
	f := func(filter, feature string, want bool) {
		t.Helper()
		if got := match(filter, feature); got != want {
			t.Errorf("%s on %s: %v, want %v", filter, feature, got, want)
		}
	}
	square := `{"type":"Polygon","coordinates":[[[0,0],[4,0],[4,4],[0,4],[0,0]]]}`
	// A point inside a polygon of the same collection adds nothing.
	f("S_EQUALS(geometry, GEOMETRYCOLLECTION(POLYGON((0 0, 4 0, 4 4, 0 4, 0 0)), POINT(1 1)))", square, true)
	f("S_EQUALS(geometry, GEOMETRYCOLLECTION(POLYGON((0 0, 4 0, 4 4, 0 4, 0 0)), POINT(5 5)))", square, false)
	f("S_CONTAINS(geometry, GEOMETRYCOLLECTION(POINT(1 1), LINESTRING(1 1, 3 3)))", square, true)
	f("S_CONTAINS(geometry, GEOMETRYCOLLECTION(POINT(1 1), LINESTRING(1 1, 5 5)))", square, false)
	f("S_WITHIN(geometry, GEOMETRYCOLLECTION(POINT(9 9), POLYGON((0 0, 4 0, 4 4, 0 4, 0 0))))", `{"type":"Point","coordinates":[2,2]}`, true)
	// A point at a corner, and a closed line that meets the other square
	// at its corner 4 1 only: they touch, and cross nowhere.
	two := `{"type":"MultiPolygon","coordinates":[[[[1,0],[2,0],[2,2],[1,2],[1,0]]],[[[3,0],[4,0],[4,1],[3,1],[3,0]]]]}`
	gc := "GEOMETRYCOLLECTION(POINT(1 0), MULTILINESTRING((3 4, 4 4), (4 1, 1 3, 3 2, 4 1)))"
	f("S_TOUCHES(geometry, "+gc+")", two, true)
	f("S_CROSSES(geometry, "+gc+")", two, false)
	f("S_INTERSECTS(geometry, "+gc+")", two, true)
	f("S_EQUALS(geometry, "+gc+")", `{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,0]},{"type":"MultiLineString","coordinates":[[[3,4],[4,4]],[[4,1],[1,3],[3,2],[4,1]]]}]}`, true)
}

// randPolyIn is a rectangle or a triangle with x within [x0, x1].
func randPolyIn(rng *rand.Rand, x0, x1 int) [][][2]int {
	a := x0 + rng.IntN(x1-x0)
	w, y := 1+rng.IntN(x1-a), rng.IntN(4)
	h := 1 + rng.IntN(4-y)
	if rng.IntN(2) == 0 {
		return [][][2]int{{{a, y}, {a + w, y}, {a, y + h}, {a, y}}}
	}
	return [][][2]int{{{a, y}, {a + w, y}, {a + w, y + h}, {a, y + h}, {a, y}}}
}
