package store

import (
	"bytes"
	"encoding/json"
	"testing"

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
