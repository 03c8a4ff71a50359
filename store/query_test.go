package store

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/geojson"
	"github.com/tidwall/geojson/geometry"
)

// randomFeatures makes n features in [-20,20]×[-10,10] (no antimeridian):
// mostly points, with lines, polygons with a hole, and multipoints.
func randomFeatures(t testing.TB, rng *rand.Rand, n int) []*Input {
	t.Helper()
	ins := make([]*Input, n)
	for i := range ins {
		lon, lat := rng.Float64()*40-20, rng.Float64()*20-10
		var g string
		switch rng.IntN(8) {
		case 0:
			g = fmt.Sprintf(`{"type":"LineString","coordinates":[[%g,%g],[%g,%g],[%g,%g]]}`,
				lon, lat, lon+rng.Float64(), lat+rng.Float64()*0.5, lon+rng.Float64()*2, lat-rng.Float64())
		case 1:
			w, h := 0.1+rng.Float64()*2, 0.1+rng.Float64()*2
			g = fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]],[[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}`,
				lon, lat, lon+w, lat, lon+w, lat+h, lon, lat+h, lon, lat,
				lon+w/4, lat+h/4, lon+w/2, lat+h/4, lon+w/2, lat+h/2, lon+w/4, lat+h/4)
		case 2:
			g = fmt.Sprintf(`{"type":"MultiPoint","coordinates":[[%g,%g],[%g,%g]]}`, lon, lat, lon+rng.Float64(), lat+rng.Float64())
		default:
			g = fmt.Sprintf(`{"type":"Point","coordinates":[%g,%g]}`, lon, lat)
		}
		in, err := ParseFeature(fmt.Appendf(nil, `{"type":"Feature","id":"f%05d","geometry":%s,"properties":{"i":%d}}`, i, g, i), "", 0)
		if err != nil {
			t.Fatalf("feature %d: %v", i, err)
		}
		ins[i] = in
	}
	return ins
}

func loaded(t testing.TB, n int, seed uint64) (*Collection, *rand.Rand) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	s := New()
	c, _, err := s.Create("test", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if bad, err := c.InsertAll(randomFeatures(t, rng, n)); err != nil {
		t.Fatalf("insert: %v at %d", err, bad)
	}
	return c, rng
}

// pages runs q from the start, following Next cursors, and returns every
// feature in order, with distances for nearby.
func pages(t *testing.T, c *Collection, q Query) ([]string, []float64) {
	t.Helper()
	var ids []string
	var dists []float64
	var p Page
	for n := 0; ; n++ {
		if n > 100000 {
			t.Fatal("paging does not end")
		}
		c.Query(&q, &p)
		for i, f := range p.Features {
			ids = append(ids, f.ID())
			if q.Kind == Nearby {
				dists = append(dists, p.Dists[i])
			}
		}
		if !p.Next.Set {
			return ids, dists
		}
		// Round-trip the cursor as a client would.
		cur, err := ParseCursor(p.Next.Append(nil), q.Kind == Nearby)
		if err != nil {
			t.Fatalf("cursor: %v", err)
		}
		q.Cursor = cur
	}
}

func brute(c *Collection, match func(f *Feature) bool) []string {
	var ids []string
	c.ids.Scan(func(id string, f *Feature) bool {
		if match(f) {
			ids = append(ids, id)
		}
		return true
	})
	return ids
}

func randomRect(rng *rand.Rand, size float64) geometry.Rect {
	lon, lat := rng.Float64()*44-22, rng.Float64()*24-12
	w, h := rng.Float64()*size, rng.Float64()*size
	return geometry.Rect{Min: geometry.Point{X: lon, Y: lat}, Max: geometry.Point{X: lon + w, Y: lat + h}}
}

func randomPolygon(t *testing.T, rng *rand.Rand, size float64) geojson.Object {
	r := randomRect(rng, size)
	// A pentagon-ish shape with a hole, so within and intersects differ
	// from the box.
	cx, cy := (r.Min.X+r.Max.X)/2, (r.Min.Y+r.Max.Y)/2
	raw := fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]],[[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}`,
		r.Min.X, r.Min.Y, r.Max.X, r.Min.Y, r.Max.X, cy, cx, r.Max.Y, r.Min.X, cy, r.Min.X, r.Min.Y,
		cx-0.1, cy-0.1, cx+0.1, cy-0.1, cx, cy+0.1, cx-0.1, cy-0.1)
	g, err := ParseGeometry([]byte(raw), 0)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func equalIDs(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s: got %d features, want %d\ngot  %s\nwant %s", what, len(got), len(want), clipIDs(got), clipIDs(want))
	}
}

func clipIDs(ids []string) string {
	if len(ids) > 20 {
		return strings.Join(ids[:20], " ") + " …"
	}
	return strings.Join(ids, " ")
}

// withCaps runs f with the index cap as set, and with a cap of 16, so that
// the paths for large answers (id-order scans, best-first nearby) are
// taken on the same data too.
func withCaps(t *testing.T, f func(t *testing.T)) {
	for _, cap := range []int{indexCap, 16} {
		t.Run(fmt.Sprintf("cap=%d", cap), func(t *testing.T) {
			defer func(old int) { indexCap = old }(indexCap)
			indexCap = cap
			f(t)
		})
	}
}

func TestQueryMatchesBruteForce(t *testing.T) { withCaps(t, testQueryMatchesBruteForce) }

func testQueryMatchesBruteForce(t *testing.T) {
	c, rng := loaded(t, 6000, 1)
	for i := 0; i < 60; i++ {
		// Small boxes answer from the index, large ones (over indexCap
		// candidates) page through ids: both are covered.
		size := []float64{0.5, 3, 15, 45}[i%4]
		limit := 1 + rng.IntN(700)
		r := randomRect(rng, size)
		rect := geojson.NewRect(r)
		got, _ := pages(t, c, Query{Kind: BBox, BBox: r, Limit: limit})
		equalIDs(t, fmt.Sprintf("bbox %v limit %d", r, limit), got, brute(c, func(f *Feature) bool { return f.geom.Intersects(rect) }))

		poly := randomPolygon(t, rng, size)
		got, _ = pages(t, c, Query{Kind: Intersects, Geom: poly, Limit: limit})
		equalIDs(t, "intersects "+poly.String(), got, brute(c, func(f *Feature) bool { return f.geom.Intersects(poly) }))
		got, _ = pages(t, c, Query{Kind: Within, Geom: poly, Limit: limit})
		equalIDs(t, "within "+poly.String(), got, brute(c, func(f *Feature) bool { return f.geom.Within(poly) }))
	}
	got, _ := pages(t, c, Query{Kind: All, Limit: 999})
	equalIDs(t, "all", got, brute(c, func(*Feature) bool { return true }))
}

func TestNearbyMatchesBruteForce(t *testing.T) { withCaps(t, testNearbyMatchesBruteForce) }

func testNearbyMatchesBruteForce(t *testing.T) {
	c, rng := loaded(t, 3000, 2)
	type hit struct {
		id string
		d  float64
	}
	for i := 0; i < 60; i++ {
		lon, lat := rng.Float64()*50-25, rng.Float64()*30-15
		k := 1 + rng.IntN(200)
		radius := 0.0
		if i%2 == 1 {
			radius = rng.Float64() * 800e3
		}
		limit := 1 + rng.IntN(50)
		var filter func(*Feature) bool // every third search: a filter that keeps one feature in three
		if i%3 == 2 {
			filter = func(f *Feature) bool {
				return strings.HasSuffix(f.Properties(), "0}") || strings.HasSuffix(f.Properties(), "3}")
			}
		}
		var all []hit
		c.ids.Scan(func(id string, f *Feature) bool {
			if filter != nil && !filter(f) {
				return true
			}
			if d := Distance(f.geom, lon, lat); radius == 0 || d <= radius {
				all = append(all, hit{id, d})
			}
			return true
		})
		slices.SortFunc(all, func(a, b hit) int { return cmp.Or(cmp.Compare(a.d, b.d), cmp.Compare(a.id, b.id)) })
		all = all[:min(k, len(all))]
		var want []string
		for _, h := range all {
			want = append(want, h.id)
		}
		got, dists := pages(t, c, Query{Kind: Nearby, Lon: lon, Lat: lat, K: k, Radius: radius, Limit: limit, Filter: filter})
		what := fmt.Sprintf("nearby %g,%g k=%d radius=%g limit=%d filtered=%v", lon, lat, k, radius, limit, filter != nil)
		equalIDs(t, what, got, want)
		for j := range all {
			if dists[j] != all[j].d {
				t.Fatalf("%s: result %d at %g m, want %g m", what, j, dists[j], all[j].d)
			}
		}
	}
}

// A query out of budget answers what it has and a cursor; following the
// cursors still gives exactly the whole answer.
func TestQueryOutOfBudgetStillPagesEverything(t *testing.T) {
	c, _ := loaded(t, 6000, 3)
	past := time.Now().Add(-time.Second)
	var p Page
	q := Query{Kind: All, Limit: 1000, StopAt: past}
	c.Query(&q, &p)
	if !p.Stopped || !p.Next.Set || len(p.Features) >= 1000 || p.Matched != -1 {
		t.Fatalf("stopped %v next %v, %d features, matched %d: want a short page with a cursor", p.Stopped, p.Next.Set, len(p.Features), p.Matched)
	}
	got, _ := pages(t, c, q)
	equalIDs(t, "all, out of budget", got, brute(c, func(*Feature) bool { return true }))
	// From the index (a box of about a quarter of the features, under the
	// cap), and by walking ids (every feature, over it).
	quarter := geometry.Rect{Min: geometry.Point{X: -20, Y: -10}, Max: geometry.Point{X: 0, Y: 0}}
	rect := geojson.NewRect(quarter)
	for _, limit := range []int{1, 40, 5000} {
		got, _ = pages(t, c, Query{Kind: BBox, BBox: quarter, Limit: limit, StopAt: past})
		equalIDs(t, fmt.Sprintf("a quarter, out of budget, limit %d", limit), got, brute(c, func(f *Feature) bool { return f.geom.Intersects(rect) }))
	}
	wide := geometry.Rect{Min: geometry.Point{X: -30, Y: -30}, Max: geometry.Point{X: 30, Y: 30}}
	got, _ = pages(t, c, Query{Kind: BBox, BBox: wide, Limit: 500, StopAt: past})
	equalIDs(t, "bbox, out of budget", got, brute(c, func(*Feature) bool { return true }))
	near, _ := pages(t, c, Query{Kind: Nearby, K: 6000, Limit: 6000, StopAt: past})
	full, _ := pages(t, c, Query{Kind: Nearby, K: 6000, Limit: 6000})
	equalIDs(t, "nearby, out of budget", near, full)
}

// A nearby search checks its deadline on every feature it visits, not
// only on those its filter keeps: out of budget, a filter that matches
// few (or none) still answers in short pages that go on from where the
// walk stopped, and together they are the whole answer (or nothing).
func TestNearbyFilteredOutOfBudget(t *testing.T) {
	c, _ := loaded(t, 1500, 3)
	past := time.Now().Add(-time.Second)
	few := func(f *Feature) bool { return strings.HasSuffix(f.ID(), "7") }
	near, _ := pages(t, c, Query{Kind: Nearby, K: 1500, Limit: 100, Filter: few, StopAt: past})
	full, _ := pages(t, c, Query{Kind: Nearby, K: 1500, Limit: 100, Filter: few})
	if len(full) == 0 {
		t.Fatal("BUG in the test: the filter matches nothing")
	}
	equalIDs(t, "nearby filtered, out of budget", near, full)

	none := func(*Feature) bool { return false }
	q := Query{Kind: Nearby, K: 10, Limit: 10, Filter: none, StopAt: past}
	var p Page
	c.Query(&q, &p)
	if !p.Stopped || !p.Next.Set || len(p.Features) != 0 {
		t.Fatalf("stopped %v next %v, %d features: want an empty page cut short, with a cursor", p.Stopped, p.Next.Set, len(p.Features))
	}
	if got, _ := pages(t, c, q); len(got) != 0 {
		t.Fatalf("%d features from a filter that matches none", len(got))
	}
}

func TestRectDistanceIsALowerBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for i := 0; i < 20000; i++ {
		lon, lat := rng.Float64()*360-180, rng.Float64()*180-90
		r := randomRect(rng, 60)
		r.Min.X, r.Max.X = math.Max(-180, r.Min.X*4), math.Min(180, r.Max.X*4) // spread over more longitudes
		r.Min.Y, r.Max.Y = math.Max(-90, r.Min.Y*3), math.Min(90, r.Max.Y*3)
		bound := RectDistance(lon, lat, r.Min.X, r.Min.Y, r.Max.X, r.Max.Y)
		// The bound is the distance to the box: sampling the box never
		// finds a nearer point, and finds one about as near.
		best := math.Inf(1)
		for j := 0; j <= 40; j++ {
			for k := 0; k <= 40; k++ {
				x := r.Min.X + (r.Max.X-r.Min.X)*float64(j)/40
				y := r.Min.Y + (r.Max.Y-r.Min.Y)*float64(k)/40
				best = math.Min(best, Haversine(lon, lat, x, y))
			}
		}
		if bound > best*(1+1e-9)+1e-6 {
			t.Fatalf("point %g,%g box %v: bound %g m above a point of the box at %g m", lon, lat, r, bound, best)
		}
		span := Haversine(r.Min.X, r.Min.Y, r.Max.X, r.Max.Y)
		if best-bound > span/40*1.5+1 {
			t.Fatalf("point %g,%g box %v: bound %g m much below the nearest sample %g m", lon, lat, r, bound, best)
		}
	}
}

func TestDistance(t *testing.T) {
	f := func(geom string, lon, lat, want, tol float64) {
		t.Helper()
		g, err := ParseGeometry([]byte(geom), 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := Distance(g, lon, lat); math.Abs(got-want) > tol {
			t.Fatalf("%s from %g,%g: got %.3f m, want %.3f m", geom, lon, lat, got, want)
		}
	}
	deg := EarthRadius * math.Pi / 180 // metres in a degree of great circle
	f(`{"type":"Point","coordinates":[0,0]}`, 0, 1, deg, 1e-6)
	f(`{"type":"Point","coordinates":[0,0]}`, 180, 0, EarthRadius*math.Pi, 1e-6)
	// Paris to London, about 343.6 km on this sphere.
	f(`{"type":"Point","coordinates":[2.3522,48.8566]}`, -0.1276, 51.5072, 343.6e3, 1e3)
	// A meridian line: the distance is to its foot, straight east.
	f(`{"type":"LineString","coordinates":[[0,-5],[0,5]]}`, 1, 0, deg, 1e-6)
	f(`{"type":"LineString","coordinates":[[0,-5],[0,5]]}`, 0, 7, 2*deg, 1e-6)
	f(`{"type":"Polygon","coordinates":[[[0,0],[4,0],[4,4],[0,4],[0,0]]]}`, 2, 2, 0, 0)
	f(`{"type":"Polygon","coordinates":[[[0,0],[4,0],[4,4],[0,4],[0,0]],[[1,1],[3,1],[3,3],[1,3],[1,1]]]}`, 2, 2, deg, deg*0.01)
	f(`{"type":"MultiPoint","coordinates":[[10,0],[0,3]]}`, 0, 0, 3*deg, 1e-6)
	f(`{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[10,0]},{"type":"Point","coordinates":[0,2]}]}`, 0, 0, 2*deg, 1e-6)
}

func rectOf(minLon, minLat, maxLon, maxLat float64) geometry.Rect {
	return geometry.Rect{Min: geometry.Point{X: minLon, Y: minLat}, Max: geometry.Point{X: maxLon, Y: maxLat}}
}

// The float32 boxes of the index contain the float64 boxes they stand for.
func TestBoxRoundsOutwards(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for i := 0; i < 100000; i++ {
		r := randomRect(rng, 1)
		r.Min.X, r.Max.X = r.Min.X*8, r.Max.X*8
		min, max := box(r)
		if float64(min[0]) > r.Min.X || float64(min[1]) > r.Min.Y || float64(max[0]) < r.Max.X || float64(max[1]) < r.Max.Y {
			t.Fatalf("box %v %v does not contain %v", min, max, r)
		}
	}
}

// Every point within the radius lies in the circle's box.
func TestCircleBoxHoldsTheCircle(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for i := 0; i < 200000; i++ {
		lon, lat := rng.Float64()*360-180, rng.Float64()*180-90
		radius := math.Pow(10, rng.Float64()*7) // 1 m to 10,000 km
		b := circleBox(lon, lat, radius)
		// A point at the radius, in a random direction (destination formula).
		brg, d := rng.Float64()*2*math.Pi, radius/EarthRadius*rng.Float64()
		p1, l1 := lat*rad, lon*rad
		p2 := math.Asin(math.Sin(p1)*math.Cos(d) + math.Cos(p1)*math.Sin(d)*math.Cos(brg))
		l2 := l1 + math.Atan2(math.Sin(brg)*math.Sin(d)*math.Cos(p1), math.Cos(d)-math.Sin(p1)*math.Sin(p2))
		plon := math.Remainder(l2/rad, 360)
		plat := p2 / rad
		if plon < b.Min.X || plon > b.Max.X || plat < b.Min.Y || plat > b.Max.Y {
			t.Fatalf("center %g,%g radius %g m: %g,%g at %g m is outside %v", lon, lat, radius, plon, plat, Haversine(lon, lat, plon, plat), b)
		}
	}
}

// A nearby query with a radius measures about the page's worth of
// features where the circle is dense (numberMatched is then left out),
// and all of the circle where it is sparse (numberMatched exact): its cost
// does not grow with the density.
func TestNearbyWithARadiusDoesNotMeasureADenseCircle(t *testing.T) {
	s := New()
	c, _, _ := s.Create("dense", "", "")
	rng := rand.New(rand.NewPCG(7, 7))
	ins := make([]*Input, 20000)
	for i := range ins {
		ins[i] = pointAt(t, fmt.Sprintf("p%05d", i), 10+rng.Float64()*0.1, 50+rng.Float64()*0.1)
	}
	if _, err := c.InsertAll(ins); err != nil {
		t.Fatal(err)
	}
	var p Page
	q := Query{Kind: Nearby, Lon: 10.05, Lat: 50.05, K: 10, Radius: 5000, Limit: 10}
	c.Query(&q, &p)
	if len(p.Features) != 10 || len(p.cands) > 200 || p.Matched != -1 {
		t.Fatalf("dense: %d features, %d measured, matched %d; want 10, at most 200, unknown", len(p.Features), len(p.cands), p.Matched)
	}
	// Sparse: a radius that holds fewer than the page is measured whole.
	q = Query{Kind: Nearby, Lon: 10.05, Lat: 50.05, K: 10, Radius: 20, Limit: 10}
	c.Query(&q, &p)
	if p.Matched != len(p.Features) || p.Matched >= 10 {
		t.Fatalf("sparse: %d features, matched %d", len(p.Features), p.Matched)
	}
}

func pointAt(t *testing.T, id string, lon, lat float64) *Input {
	t.Helper()
	in, err := ParseFeature(fmt.Appendf(nil, `{"type":"Feature","id":%q,"geometry":{"type":"Point","coordinates":[%g,%g]},"properties":null}`, id, lon, lat), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	return in
}
