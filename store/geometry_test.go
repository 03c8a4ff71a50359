package store

import (
	"errors"
	"strings"
	"testing"

	"github.com/tidwall/geojson"
)

func TestParseGeometryAccepts(t *testing.T) {
	f := func(raw string) {
		t.Helper()
		obj, err := ParseGeometry([]byte(raw), 0)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if obj == nil || obj.Empty() {
			t.Fatalf("%s: empty object", raw)
		}
	}
	f(`{"type":"Point","coordinates":[13.4,52.5]}`)
	f(`{"type":"Point","coordinates":[-180,-90,12.5]}`)
	f(`{"type":"MultiPoint","coordinates":[[0,0],[1,1]]}`)
	f(`{"type":"LineString","coordinates":[[0,0],[1,1],[2,0]]}`)
	f(`{"type":"MultiLineString","coordinates":[[[0,0],[1,1]],[[2,2],[3,3]]]}`)
	f(`{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[2,2],[2,3],[3,3],[2,2]]]}`)
	f(`{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,5],[6,5],[6,6],[5,5]]]]}`)
	f(`{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]},{"type":"LineString","coordinates":[[0,0],[1,1]]}]}`)
	f(`{"coordinates":[1,2],"type":"Point","bbox":[1,2,1,2]}`)
}

func TestParseGeometryRejects(t *testing.T) {
	f := func(raw, path, reason string) {
		t.Helper()
		_, err := ParseGeometry([]byte(raw), 0)
		var ge *GeometryError
		if !errors.As(err, &ge) {
			t.Fatalf("%s: got %v, want a *GeometryError", raw, err)
		}
		if ge.Path != path || !strings.Contains(ge.Reason, reason) {
			t.Fatalf("%s: got %q at %q, want %q at %q", raw, ge.Reason, ge.Path, reason, path)
		}
	}
	f(`[1,2]`, "", "must be a GeoJSON geometry object")
	f(`{"coordinates":[1,2]}`, "type", "is missing")
	f(`{"type":"Feature","coordinates":[1,2]}`, "type", `"Feature" is not a geometry type`)
	f(`{"type":"Circle","coordinates":[1,2]}`, "type", "is not a geometry type")
	f(`{"type":"Point"}`, "coordinates", "is missing")
	f(`{"type":"Point","coordinates":null}`, "coordinates", "is missing")
	f(`{"type":"Point","coordinates":[1]}`, "coordinates", "needs longitude and latitude")
	f(`{"type":"Point","coordinates":[1,2,3,4]}`, "coordinates", "at most 3 numbers")
	f(`{"type":"Point","coordinates":[181,0]}`, "coordinates", "longitude 181 is outside [-180, 180]")
	f(`{"type":"Point","coordinates":[0,-90.5]}`, "coordinates", "latitude -90.5 is outside [-90, 90]")
	f(`{"type":"Point","coordinates":[1e400,0]}`, "coordinates", "must be a position")
	f(`{"type":"Point","coordinates":["1","2"]}`, "coordinates", "must be a position")
	f(`{"type":"Point","coordinates":[[1,2]]}`, "coordinates", "must be a position")
	f(`{"type":"Point","coordinates":[null,2]}`, "coordinates", "must be a position")
	f(`{"type":"LineString","coordinates":[[0,0],null]}`, "coordinates", "must be an array of positions")
	f(`{"type":"LineString","coordinates":[[0,0]]}`, "coordinates", "at least 2 positions, got 1")
	f(`{"type":"MultiLineString","coordinates":[[[0,0],[1,1]],[[2,2]]]}`, "coordinates[1]", "at least 2 positions")
	f(`{"type":"MultiPoint","coordinates":[[0,0],[0,100]]}`, "coordinates[1]", "latitude 100")
	f(`{"type":"Polygon","coordinates":[]}`, "coordinates", "polygon has no rings")
	f(`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}`, "coordinates[0]", "polygon ring 0 is not closed")
	f(`{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}`, "coordinates[0]", "polygon ring 0 has 3 positions")
	f(`{"type":"Polygon","coordinates":[[[0,0],[9,0],[9,9],[0,0]],[[1,1],[2,1],[2,2],[1,2]]]}`, "coordinates[1]", "polygon ring 1 is not closed")
	f(`{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,5],[6,5],[6,6],[5,6]]]]}`, "coordinates[1][0]", "polygon 1 ring 0 is not closed")
	f(`{"type":"GeometryCollection"}`, "geometries", "is missing")
	f(`{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]},{"type":"Point","coordinates":[200,2]}]}`,
		"geometries[1].coordinates", "longitude 200")
	deep := `{"type":"Point","coordinates":[0,0]}`
	for i := 0; i < 9; i++ {
		deep = `{"type":"GeometryCollection","geometries":[` + deep + `]}`
	}
	f(deep, strings.Repeat("geometries[0].", 8)[:len(strings.Repeat("geometries[0].", 8))-1], "nested more than 8 deep")
}

// FuzzParseGeometry: no input panics, and whatever ParseGeometry accepts is
// a valid geometry to tidwall/geojson too, within WGS 84 bounds.
func FuzzParseGeometry(f *testing.F) {
	for _, s := range []string{
		`{"type":"Point","coordinates":[13.4,52.5]}`,
		`{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]]]}`,
		`{"type":"GeometryCollection","geometries":[{"type":"LineString","coordinates":[[0,0],[1,1]]}]}`,
		`{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		obj, err := ParseGeometry(raw, 0)
		if err != nil {
			return
		}
		if _, err := geojson.Parse(string(raw), parseOptions); err != nil {
			t.Fatalf("accepted %s, geojson refuses it: %v", raw, err)
		}
		r := obj.Rect()
		if r.Min.X < -180 || r.Max.X > 180 || r.Min.Y < -90 || r.Max.Y > 90 {
			t.Fatalf("accepted %s with bounds %v outside WGS 84", raw, r)
		}
	})
}
