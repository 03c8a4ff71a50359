package store

import (
	"encoding/json"
	"testing"
)

// Whatever ParseItems accepts is stored so that the feature it answers
// parses again to the same feature.
func FuzzParseItems(f *testing.F) {
	f.Add([]byte(`{"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"x":[1,{"y":null}]}}`))
	f.Add([]byte(`{"type":"Feature","id":-1.5e3,"geometry":{"type":"LineString","coordinates":[[1,2],[3,4,5]]},"properties":null}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[0,0]}}]}`))
	f.Add([]byte(`{"type":"Feature","id":"u","geometry":null,"properties":{"s":"\ud83d\ude00"}}`))
	f.Add([]byte(`{"type":"Feature","id":"\u00e9\n","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]},"properties":{}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		single, many, err := ParseItems(raw, 10, 0)
		if err != nil {
			return
		}
		if single != nil {
			many = []*Input{single}
		}
		for _, in := range many {
			if in.ID == "" {
				in.ID = "assigned"
			}
			ft := in.feature(1)
			again, err := ParseFeature(featureJSON(t, ft), "", 0)
			if err != nil {
				t.Fatalf("%s: stored as %q, which does not parse: %v", raw, featureJSON(t, ft), err)
			}
			if again.ID != ft.ID() || again.Numeric != ft.NumericID() || string(again.Props) != ft.Properties() {
				t.Fatalf("%s: stored %q came back as id %q props %q", raw, featureJSON(t, ft), again.ID, again.Props)
			}
			if (again.Geom == nil) != (ft.geom == nil) {
				t.Fatalf("%s: null geometry %v came back as %v", raw, ft.geom, again.Geom)
			}
			if ft.geom == nil {
				continue
			}
			if !again.Geom.Rect().ContainsRect(ft.geom.Rect()) || !ft.geom.Rect().ContainsRect(again.Geom.Rect()) {
				t.Fatalf("%s: the geometry moved: %v vs %v", raw, ft.geom.Rect(), again.Geom.Rect())
			}
		}
	})
}

// featureJSON writes a stored feature as the API does (but with
// encoding/json for the id, and the point from its coordinates).
func featureJSON(t *testing.T, f *Feature) []byte {
	id, _ := json.Marshal(f.ID())
	if f.NumericID() {
		id = []byte(f.ID())
	}
	geom := f.GeometryJSON()
	if lon, lat, ok := f.Point(); ok {
		b, err := json.Marshal(map[string]any{"type": "Point", "coordinates": []float64{lon, lat}})
		if err != nil {
			t.Fatal(err)
		}
		geom = string(b)
	}
	props := f.Properties()
	if props == "" {
		props = "null"
	}
	return []byte(`{"type":"Feature","id":` + string(id) + `,"geometry":` + geom + `,"properties":` + props + `}`)
}

// Cursors read back as what was written, and anything else is refused
// without a panic.
func FuzzParseCursor(f *testing.F) {
	f.Add([]byte("aTc"), false)
	f.Add(Cursor{Set: true, Nearby: true, ID: "x", Dist: 12.5, Rank: 3}.Append(nil), true)
	f.Fuzz(func(t *testing.T, raw []byte, nearby bool) {
		c, err := ParseCursor(raw, nearby)
		if err != nil {
			return
		}
		back, err := ParseCursor(c.Append(nil), nearby)
		if err != nil || back != c {
			t.Fatalf("%q: %+v came back as %+v (%v)", raw, c, back, err)
		}
	})
}
