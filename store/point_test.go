package store

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"testing"
	"unicode/utf8"

	gojson "github.com/goccy/go-json"
	"github.com/tidwall/geojson"
)

func TestPlainPoint(t *testing.T) {
	f := func(raw string, x, y float64) {
		t.Helper()
		p, ok := parsePlainPoint([]byte(raw))
		if !ok {
			t.Fatalf("%s: not read as a plain point", raw)
		}
		if c := p.Center(); c.X != x || c.Y != y {
			t.Fatalf("%s: read as %v", raw, c)
		}
	}
	f(`{"type":"Point","coordinates":[1,2]}`, 1, 2)
	f(`{"coordinates":[-180,90],"type":"Point"}`, -180, 90)
	f(" {\n\t\"type\" : \"Point\" ,\r\n \"coordinates\" : [ -0.5e1 , 1.25E+1 ] } ", -5, 12.5)
	f(`{"type":"Point","coordinates":[0.000001,-0]}`, 0.000001, 0)
}

// What the short cut leaves to the full parse: anything but a plain,
// valid point, so that ParseGeometry explains it.
func TestPlainPointLeavesTheRest(t *testing.T) {
	f := func(raw string) {
		t.Helper()
		if _, ok := parsePlainPoint([]byte(raw)); ok {
			t.Fatalf("%s: read as a plain point", raw)
		}
	}
	f(`{"type":"Point","coordinates":[1,2,3]}`)
	f(`{"type":"Point","coordinates":[1]}`)
	f(`{"type":"Point","coordinates":[1,2],"bbox":[1,2,1,2]}`)
	f(`{"type":"Point","type":"Point","coordinates":[1,2]}`)
	f(`{"type":"Point","coordinates":[1,2],"coordinates":[1,2]}`)
	f(`{"type":"point","coordinates":[1,2]}`)
	f(`{"type":"Point","coordinates":[181,2]}`)
	f(`{"type":"Point","coordinates":[1,-90.5]}`)
	f(`{"type":"Point","coordinates":[01,2]}`)
	f(`{"type":"Point","coordinates":[1.,2]}`)
	f(`{"type":"Point","coordinates":[.5,2]}`)
	f(`{"type":"Point","coordinates":[+1,2]}`)
	f(`{"type":"Point","coordinates":[1e,2]}`)
	f(`{"type":"Point","coordinates":[1e400,2]}`)
	f(`{"type":"Point","coordinates":[0x1,2]}`)
	f(`{"type":"Point","coordinates":[Inf,2]}`)
	f(`{"type":"Point","coordinates":[1,2]}x`)
	f(`{"type":"Point","coordinates":[1,2],}`)
	f(`{"type":"Point","coordinates":[1,2]`)
	f(`{"type":"Poi\u006et","coordinates":[1,2]}`)
	f(``)
}

func TestPlainPointAllocs(t *testing.T) {
	raw := []byte(`{"type":"Point","coordinates":[-122.4194155,37.7749295]}`)
	if n := testing.AllocsPerRun(100, func() { parsePlainPoint(raw) }); n > 1 {
		t.Fatalf("%v allocations, want 1 (the point)", n)
	}
}

// Whatever the short cut reads, the full parse reads the same.
func FuzzPlainPoint(f *testing.F) {
	f.Add([]byte(`{"type":"Point","coordinates":[1,2]}`))
	f.Add([]byte(`{"coordinates":[ -1.5e-3 ,2E2],"type":"Point"}`))
	f.Add([]byte(`{"type":"Point","coordinates":[1,2,3]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, ok := parsePlainPoint(raw)
		if !ok {
			return
		}
		g, err := parseGeometry(raw, 0)
		if err != nil {
			t.Fatalf("%s: a plain point to the short cut, refused by the full parse: %v", raw, err)
		}
		full, isPoint := g.(*geojson.Point)
		if !isPoint || full.Base() != p.Base() || full.JSON() != p.JSON() {
			t.Fatalf("%s: the short cut read %s, the full parse %s", raw, p.JSON(), g.JSON())
		}
		if !isPlainPoint(compact(raw)) {
			t.Fatalf("%s: compacted to %s, which is stored as more than a plain point", raw, compact(raw))
		}
	})
}

// compact does what json.Compact does with well-formed JSON.
func FuzzCompact(f *testing.F) {
	f.Add([]byte(` { "a" : [1, 2.50, "x y\" z", {"b\\":null} ] } `))
	f.Add([]byte("\"\\u00e9 \\t\""))
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) {
			return
		}
		var want bytes.Buffer
		if err := json.Compact(&want, raw); err != nil {
			t.Fatal(err)
		}
		if got := compact(raw); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("%q compacted to %q, json.Compact makes %q", raw, got, want.Bytes())
		}
	})
}

// newPointEquivalent checks NewPointInput against ParseFeature of the
// same feature as GeoJSON: the same input, or the same error.
func newPointEquivalent(t *testing.T, id string, lon, lat float64, props []byte) {
	t.Helper()
	quoted, _ := json.Marshal(id)
	doc := []byte(`{"type":"Feature","id":` + string(quoted) + `,"geometry":{"type":"Point","coordinates":[` +
		strconv.FormatFloat(lon, 'g', -1, 64) + `,` + strconv.FormatFloat(lat, 'g', -1, 64) + `]},"properties":`)
	if skipSpace(props, 0) == len(props) {
		doc = append(doc, "null"...)
	} else {
		doc = append(doc, props...)
	}
	doc = append(doc, '}')
	want, werr := ParseFeature(doc, "", 0)
	got, gerr := NewPointInput(id, lon, lat, props)
	if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
		t.Fatalf("id %q (%g, %g) props %q: got error %v, ParseFeature says %v", id, lon, lat, props, gerr, werr)
	}
	if werr != nil {
		return
	}
	wp, gp := want.Geom.(*geojson.Point).Base(), got.Geom.(*geojson.Point).Base()
	if got.ID != want.ID || wp != gp || !bytes.Equal(got.Props, want.Props) {
		t.Fatalf("got %q %v %q, ParseFeature gives %q %v %q", got.ID, gp, got.Props, want.ID, wp, want.Props)
	}
}

func TestNewPointInput(t *testing.T) {
	f := func(id string, lon, lat float64, props string) {
		t.Helper()
		newPointEquivalent(t, id, lon, lat, []byte(props))
	}
	f("a", 13.4, 52.5, `{"name":"A","n":[1,2,{"x":null}]}`)
	f("a", -180, 90, ``)
	f("a", 180, -90, ` null `)
	f("a", 1, 2, " {\n\"a\" : 1 }\t")
	f("a", 181, 0, `{}`)
	f("a", 0, -90.5, `{}`)
	f("", 0, 0, `{}`)
	f("a", 0, 0, `[1]`)
	f("a", 0, 0, `"s"`)
	f("a", 0, 0, `{"n":1e400}`)
	f("a", 0, 0, `{"s":"\ud800"}`)
	if _, err := NewPointInput("a", 0, 0, []byte(`{}, "id": "b"`)); err == nil {
		t.Fatal("properties of two JSON values were taken")
	}
}

func FuzzNewPointInput(f *testing.F) {
	f.Add("a", 13.4, 52.5, []byte(`{"name":"A"}`))
	f.Add("", 200.0, 0.0, []byte(`[]`))
	f.Fuzz(func(t *testing.T, id string, lon, lat float64, props []byte) {
		if math.IsNaN(lon) || math.IsNaN(lat) || math.IsInf(lon, 0) || math.IsInf(lat, 0) || !utf8.ValidString(id) ||
			skipSpace(props, 0) < len(props) && !gojson.Valid(props) {
			return // the binary protocol never asks for these: WKB reading refuses them first
		}
		newPointEquivalent(t, id, lon, lat, props)
	})
}
