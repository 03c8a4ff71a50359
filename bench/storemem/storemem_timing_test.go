package storemem

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/geometryos/daemon1/store"
)

// BenchmarkPointFeatureMemory stores n point features (ids "pt-0000001"…,
// properties {"n":i}, spread over 1°×1°, as the Tile38 comparison in
// issue 4) and reports the live heap they add per feature: B/point. Each
// size runs once (-benchtime 1x); the figure does not depend on b.N.
func BenchmarkPointFeatureMemory(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			for range b.N {
				perPoint := measure(b, n)
				b.ReportMetric(perPoint, "B/point")
			}
		})
	}
}

func measure(b *testing.B, n int) float64 {
	// The baseline comes before the inputs: a stored feature keeps its
	// input's parsed geometry, and the rest of the input is garbage once
	// the references below are dropped.
	before := liveHeap()
	rng := rand.New(rand.NewPCG(1, 2))
	ins := make([]*store.Input, n)
	for i := range ins {
		raw := fmt.Appendf(nil, `{"type":"Feature","id":"pt-%07d","geometry":{"type":"Point","coordinates":[%.6f,%.6f]},"properties":{"n":%d}}`,
			i, 13+rng.Float64(), 52+rng.Float64(), i)
		in, err := store.ParseFeature(raw, "", 0)
		if err != nil {
			b.Fatal(err)
		}
		ins[i] = in
	}
	s := store.New()
	c, _, _ := s.Create("points", "", "")
	const batch = 10000
	for i := 0; i < n; i += batch {
		if _, err := c.InsertAll(ins[i:min(i+batch, n)]); err != nil {
			b.Fatal(err)
		}
	}
	clear(ins)
	ins = nil
	after := liveHeap()
	runtime.KeepAlive(s)
	return float64(after-before) / float64(n)
}

func liveHeap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
