package store

import (
	"math"

	"github.com/tidwall/geojson/geometry"

	"github.com/geometryos/daemon1/internal/rtree"
)

// spatialIndex is a collection's spatial index: an R-tree of bounding boxes
// in float32. Its nodes hold 64 boxes whether full or not, so halving a
// box's size cuts the largest part of a point feature's memory (about 40
// bytes of ~210). The boxes are rounded outwards, so each still contains
// its geometry: the tree only proposes candidates, which exact predicates
// on the float64 geometries then test, and a node's box distance stays a
// lower bound for nearby.
type spatialIndex = rtree.RTreeGN[float32, *Feature]

// buildIndex builds c's spatial index anew from its features, in one bulk
// load: after a replay, which filled only the id tree.
func (c *Collection) buildIndex() {
	c.mu.Lock()
	defer c.mu.Unlock()
	entries := make([]rtree.Entry[float32, *Feature], 0, c.ids.Len())
	c.ids.Scan(func(_ string, f *Feature) bool {
		if f.geom != nil {
			lo, hi := box(f.geom.Rect())
			entries = append(entries, rtree.Entry[float32, *Feature]{Min: lo, Max: hi, Data: f})
		}
		return true
	})
	c.tree.Load(entries)
}

// box is r rounded outwards to float32.
func box(r geometry.Rect) (lo, hi [2]float32) {
	return [2]float32{down(r.Min.X), down(r.Min.Y)}, [2]float32{up(r.Max.X), up(r.Max.Y)}
}

func down(v float64) float32 {
	f := float32(v)
	if float64(f) > v {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return f
}

func up(v float64) float32 {
	f := float32(v)
	if float64(f) < v {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return f
}
