package store

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tidwall/geojson/geometry"
)

// BenchmarkQuery: one page of each query on 100k points over 1°×1°, the
// benchmark suite's data, without HTTP.
func BenchmarkQuery(b *testing.B) {
	s := New()
	c, _, _ := s.Create("pts", "", "")
	rng := rand.New(rand.NewPCG(42, 42))
	ins := make([]*Input, 100_000)
	for i := range ins {
		in, err := ParseFeature(fmt.Appendf(nil, `{"type":"Feature","id":"pt-%07d","geometry":{"type":"Point","coordinates":[%.6f,%.6f]},"properties":{"n":%d}}`,
			i, 13+rng.Float64(), 52+rng.Float64(), i), "", 0)
		if err != nil {
			b.Fatal(err)
		}
		ins[i] = in
	}
	if _, err := c.InsertAll(ins); err != nil {
		b.Fatal(err)
	}
	run := func(name string, q func() Query) {
		b.Run(name, func(b *testing.B) {
			qs := make([]Query, 1024)
			for i := range qs {
				qs[i] = q()
			}
			var p Page
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				c.Query(&qs[i%len(qs)], &p)
			}
		})
	}
	run("nearby-radius", func() Query {
		return Query{Kind: Nearby, Lon: 13 + rng.Float64(), Lat: 52 + rng.Float64(), K: 10, Radius: 1000, Limit: 10}
	})
	run("nearby-k", func() Query {
		return Query{Kind: Nearby, Lon: 13 + rng.Float64(), Lat: 52 + rng.Float64(), K: 10, Limit: 10}
	})
	run("nearby-k10000-limit10", func() Query {
		return Query{Kind: Nearby, Lon: 13 + rng.Float64(), Lat: 52 + rng.Float64(), K: 10000, Limit: 10}
	})
	run("nearby-k10000-limit10000", func() Query {
		return Query{Kind: Nearby, Lon: 13 + rng.Float64(), Lat: 52 + rng.Float64(), K: 10000, Limit: 10000}
	})
	run("nearby-k10000-radius5km", func() Query {
		return Query{Kind: Nearby, Lon: 13 + rng.Float64(), Lat: 52 + rng.Float64(), K: 10000, Radius: 5000, Limit: 10000}
	})
	run("bbox", func() Query {
		x, y := 13+rng.Float64(), 52+rng.Float64()
		return Query{Kind: BBox, BBox: geometry.Rect{Min: geometry.Point{X: x, Y: y}, Max: geometry.Point{X: x + 0.01, Y: y + 0.01}}, Limit: 100}
	})
}
