package rtree

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// randomEntries are n boxes in [0,1000)² (points when small is false half
// the time), their data their index.
func randomEntries(rng *rand.Rand, n int) []Entry[float32, int] {
	es := make([]Entry[float32, int], n)
	for i := range es {
		x, y := rng.Float32()*1000, rng.Float32()*1000
		w, h := float32(0), float32(0)
		if rng.IntN(2) == 0 {
			w, h = rng.Float32()*20, rng.Float32()*20
		}
		es[i] = Entry[float32, int]{Min: [2]float32{x, y}, Max: [2]float32{x + w, y + h}, Data: i}
	}
	return es
}

// check walks the tree and fails on a broken invariant: every count within
// bounds, every node's entries sorted by min x (searches stop early on
// that), every parent's box exactly its child's, every leaf at one depth,
// and the tree's count and box its contents'.
func check[T any](t *testing.T, tr *RTreeGN[float32, T]) {
	t.Helper()
	if tr.root == nil {
		if tr.count != 0 {
			t.Fatalf("empty root, count %d", tr.count)
		}
		return
	}
	leafDepth := -1
	var walk func(n *node[float32, T], depth int) int
	walk = func(n *node[float32, T], depth int) int {
		if n.count < 1 || n.count > maxEntries {
			t.Fatalf("a node holds %d entries", n.count)
		}
		for i := 1; i < int(n.count); i++ {
			if n.rects[i].min[0] < n.rects[i-1].min[0] {
				t.Fatal("a node's entries are not sorted by min x")
			}
		}
		if n.leaf() {
			if leafDepth == -1 {
				leafDepth = depth
			} else if leafDepth != depth {
				t.Fatalf("leaves at depths %d and %d", leafDepth, depth)
			}
			return int(n.count)
		}
		total := 0
		for i, c := range n.children()[:n.count] {
			if c.rect() != n.rects[i] {
				t.Fatalf("a child's box %v, its parent says %v", c.rect(), n.rects[i])
			}
			total += walk(c, depth+1)
		}
		return total
	}
	if got := walk(tr.root, 0); got != tr.count {
		t.Fatalf("%d items in the nodes, count %d", got, tr.count)
	}
	if tr.rect != tr.root.rect() {
		t.Fatalf("tree box %v, root's %v", tr.rect, tr.root.rect())
	}
}

// search is what the tree finds in a box, sorted.
func search(tr *RTreeGN[float32, int], min, max [2]float32) []int {
	var got []int
	tr.Search(min, max, func(_, _ [2]float32, d int) bool {
		got = append(got, d)
		return true
	})
	slices.Sort(got)
	return got
}

// brute is what a search of es in a box must find.
func brute(es []Entry[float32, int], min, max [2]float32) []int {
	var want []int
	q := rect[float32]{min, max}
	for _, e := range es {
		if r := (rect[float32]{e.Min, e.Max}); r.intersects(&q) {
			want = append(want, e.Data)
		}
	}
	slices.Sort(want)
	return want
}

func TestLoadSearchesAsInserts(t *testing.T) {
	for _, n := range []int{0, 1, 63, 64, 65, 4096, 4097, 50_000} {
		rng := rand.New(rand.NewPCG(uint64(n), 1))
		es := randomEntries(rng, n)
		orig := slices.Clone(es)
		var tr RTreeGN[float32, int]
		tr.Load(es)
		check(t, &tr)
		if tr.Len() != n {
			t.Fatalf("n=%d: Len %d", n, tr.Len())
		}
		for q := 0; q < 200; q++ {
			x, y := rng.Float32()*1000, rng.Float32()*1000
			min, max := [2]float32{x, y}, [2]float32{x + rng.Float32()*100, y + rng.Float32()*100}
			if got, want := search(&tr, min, max), brute(orig, min, max); !slices.Equal(got, want) {
				t.Fatalf("n=%d: search %v–%v found %d items, want %d", n, min, max, len(got), len(want))
			}
		}
	}
}

// Nearby over a loaded tree gives the items in order of distance, all of
// them.
func TestLoadNearby(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	es := randomEntries(rng, 20_000)
	orig := slices.Clone(es)
	var tr RTreeGN[float32, int]
	tr.Load(es)
	target := [2]float32{500, 500}
	last, seen := float64(-1), 0
	box := BoxDist[float32, int](target, target, nil)
	dist := func(min, max [2]float32, d int, item bool) float64 { return float64(box(min, max, d, item)) }
	tr.Nearby(dist, func(min, max [2]float32, d int, dist float64) bool {
		if dist < last {
			t.Fatalf("distance %g after %g", dist, last)
		}
		if e := orig[d]; e.Min != min || e.Max != max {
			t.Fatalf("item %d comes with box %v–%v, was %v–%v", d, min, max, e.Min, e.Max)
		}
		last = dist
		seen++
		return true
	})
	if seen != len(orig) {
		t.Fatalf("nearby gave %d of %d items", seen, len(orig))
	}
}

// A loaded tree takes inserts and deletes like any other, and Load
// replaces what was there.
func TestLoadThenUpdate(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	es := randomEntries(rng, 10_000)
	live := slices.Clone(es)
	var tr RTreeGN[float32, int]
	tr.Insert([2]float32{1, 1}, [2]float32{1, 1}, -1) // replaced by Load
	tr.Load(es)
	for i := 0; i < 5000; i++ {
		j := rng.IntN(len(live))
		e := live[j]
		tr.Delete(e.Min, e.Max, e.Data)
		x, y := rng.Float32()*1000, rng.Float32()*1000
		live[j] = Entry[float32, int]{Min: [2]float32{x, y}, Max: [2]float32{x, y}, Data: e.Data}
		tr.Insert(live[j].Min, live[j].Max, e.Data)
	}
	for i := 0; i < 2000; i++ { // shrink it, emptying nodes
		e := live[len(live)-1]
		live = live[:len(live)-1]
		tr.Delete(e.Min, e.Max, e.Data)
	}
	check(t, &tr)
	all := [2]float32{-1, -1}
	if got, want := search(&tr, all, [2]float32{2000, 2000}), brute(live, all, [2]float32{2000, 2000}); !slices.Equal(got, want) {
		t.Fatalf("after updates the tree holds %d items, want %d", len(got), len(want))
	}
}

// Inserting one at a time builds a tree that check accepts too: the
// invariants it checks are upstream's, not the loader's own.
func TestCheckAcceptsInserts(t *testing.T) {
	var tr RTreeGN[float32, int]
	for _, e := range randomEntries(rand.New(rand.NewPCG(5, 5)), 20_000) {
		tr.Insert(e.Min, e.Max, e.Data)
	}
	check(t, &tr)
}

func BenchmarkLoad(b *testing.B) {
	es := randomEntries(rand.New(rand.NewPCG(1, 1)), 1_000_000)
	buf := make([]Entry[float32, int], len(es))
	b.ReportAllocs()
	for b.Loop() {
		copy(buf, es)
		var tr RTreeGN[float32, int]
		tr.Load(buf)
	}
}

func BenchmarkInsert(b *testing.B) {
	es := randomEntries(rand.New(rand.NewPCG(1, 1)), 1_000_000)
	b.ReportAllocs()
	for b.Loop() {
		var tr RTreeGN[float32, int]
		for _, e := range es {
			tr.Insert(e.Min, e.Max, e.Data)
		}
	}
}

func TestRadixSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	fs := []float32{0, -0.0, 1, -1, 1e-30, -1e-30, 3.4e38, -3.4e38, 180, -180, 0.5}
	for range 10_000 {
		fs = append(fs, (rng.Float32()-0.5)*1000)
	}
	keys := make([]key, len(fs))
	for i, f := range fs {
		keys[i] = key{sortable(f), uint32(i)}
	}
	radixSort(keys)
	for i := 1; i < len(keys); i++ {
		a, b := fs[keys[i-1].i], fs[keys[i].i]
		if a > b {
			t.Fatalf("%g sorted before %g", a, b)
		}
		if a == b && keys[i-1].i > keys[i].i && sortable(a) == sortable(b) {
			t.Fatalf("equal keys out of their order (the sort must be stable)")
		}
	}
}
