package store

import (
	"math"

	"github.com/tidwall/geojson/geometry"
	"github.com/tidwall/rtree"
)

// spatialIndex is the spatial spatialIndex: an R-tree of bounding boxes in float32. Its
// nodes hold 64 boxes whether full or not, so halving a box's size cuts the
// largest part of a point feature's memory (about 40 bytes of ~210). The
// boxes are rounded outwards, so each still contains its geometry: the tree
// only proposes candidates, which exact predicates on the float64
// geometries then test, and a node's box distance stays a lower bound for
// nearby.
type spatialIndex = rtree.RTreeGN[float32, *Feature]

// box is r rounded outwards to float32.
func box(r geometry.Rect) (min, max [2]float32) {
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
