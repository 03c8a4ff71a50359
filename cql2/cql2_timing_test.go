package cql2

import (
	"testing"

	"github.com/tidwall/geojson"
)

// The cost of a spatial function per feature that its bounding box does
// not rule out: a point inside a polygon literal, and a polygon across it.
// S_INTERSECTS is tidwall's predicate; the others build a DE-9IM overlay.
func BenchmarkSpatialFunction(b *testing.B) {
	const lit = "POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 2 4, 4 4, 4 2, 2 2))"
	for _, feature := range []struct{ name, geojson string }{
		{"point", `{"type":"Point","coordinates":[5,5]}`},
		{"polygon", `{"type":"Polygon","coordinates":[[[5,5],[15,5],[15,15],[5,15],[5,5]]]}`},
	} {
		g, err := geojson.Parse(feature.geojson, nil)
		if err != nil {
			b.Fatal(err)
		}
		for _, op := range geosOps {
			e, err := ParseText(op + "(geometry, " + lit + ")")
			if err != nil {
				b.Fatal(err)
			}
			f, err := Compile(e, anyTypes)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(feature.name+"/"+op, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					f.Match("", g)
				}
			})
		}
	}
}
