package rtree

import (
	"cmp"
	"math"
	"runtime"
	"slices"
	"sync"
)

// This file is daemon1's addition to the fork: a bulk load.

// Entry is an item and its bounding box, for Load.
type Entry[N numeric, T any] struct {
	Min, Max [2]N
	Data     T
}

// Load replaces the tree's contents with entries, building the tree from
// the bottom up instead of one Insert at a time: sort-tile-recursive
// packing (Leutenegger, Edgington and Lopez, 1997) sorts the boxes by the
// x of their centres into vertical slices, each slice by y, and cuts the
// result into full nodes, level by level. For a million points that is a
// few sorts instead of a million descents and thousands of splits, and the
// nodes come out full and tight. The tree is an ordinary tree afterwards:
// Insert, Delete and the searches work on it as on any other. Load
// reorders entries (its caller's slice) and keeps no reference to it.
func (tr *RTreeGN[N, T]) Load(entries []Entry[N, T]) {
	tr.Clear()
	if len(entries) == 0 {
		return
	}
	if tr.qpool == nil {
		tr.qpool = &sync.Pool{New: func() any { return &queue[N, T]{} }}
	}
	level := tr.loadLeaves(entries)
	for len(level) > 1 {
		strOrder(level)
		up := make([]packed[N, T], 0, (len(level)+maxEntries-1)/maxEntries)
		for start := 0; start < len(level); start += maxEntries {
			run := level[start:min(start+maxEntries, len(level))]
			n := tr.newNode(false)
			children := n.children()
			for i, c := range run {
				n.rects[i], children[i] = c.r, c.n
			}
			n.count = int16(len(run))
			n.sort()
			up = append(up, packed[N, T]{n.rect(), n})
		}
		level = up
	}
	tr.root = level[0].n
	tr.rect = level[0].r
	tr.count = len(entries)
}

// loadLeaves packs entries into full leaves in sort-tile-recursive order:
// the entries stay where they are, their keys are sorted, and the slices
// are cut into leaves in parallel.
func (tr *RTreeGN[N, T]) loadLeaves(entries []Entry[N, T]) []packed[N, T] {
	keys := make([]key, len(entries))
	for i := range entries {
		keys[i] = key{sortable(float32(entries[i].Min[0]) + float32(entries[i].Max[0])), uint32(i)}
	}
	radixSort(keys)
	leaves := make([]packed[N, T], (len(entries)+maxEntries-1)/maxEntries)
	perSlice := maxEntries * int(math.Ceil(math.Sqrt(float64(len(leaves)))))
	parallel(len(entries), perSlice, func(start, end int) {
		slice := keys[start:end]
		for j := range slice {
			e := &entries[slice[j].i]
			slice[j].k = sortable(float32(e.Min[1]) + float32(e.Max[1]))
		}
		radixSort(slice)
		for off := 0; off < len(slice); off += maxEntries {
			run := slice[off:min(off+maxEntries, len(slice))]
			// A node keeps its entries by min x (searches stop early on it).
			for j := range run {
				run[j].k = sortable(float32(entries[run[j].i].Min[0]))
			}
			slices.SortFunc(run, func(a, b key) int { return cmp.Compare(a.k, b.k) })
			n := tr.newNode(true)
			items := n.items()
			for j, k := range run {
				n.rects[j], items[j] = entries[k.i].box(), entries[k.i].Data
			}
			n.count = int16(len(run))
			leaves[(start+off)/maxEntries] = packed[N, T]{n.rect(), n}
		}
	})
	return leaves
}

// parallel calls fn for each [start, end) of n in steps of step, on as
// many goroutines as GOMAXPROCS.
func parallel(n, step int, fn func(start, end int)) {
	var wg sync.WaitGroup
	work := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for start := range work {
				fn(start, min(start+step, n))
			}
		}()
	}
	for start := 0; start < n; start += step {
		work <- start
	}
	close(work)
	wg.Wait()
}

func (e Entry[N, T]) box() rect[N] { return rect[N]{e.Min, e.Max} }

// packed is a node and its box, as its parent will hold them.
type packed[N numeric, T any] struct {
	r rect[N]
	n *node[N, T]
}

func (c packed[N, T]) box() rect[N] { return c.r }

// boxed is what strOrder sorts: entries, then the nodes of each level.
type boxed[N numeric] interface{ box() rect[N] }

// strOrder puts es in sort-tile-recursive order for nodes of maxEntries:
// vertical slices of whole nodes by the x of the boxes' centres, each
// slice by y. The slices are sorted in parallel.
func strOrder[N numeric, E boxed[N]](es []E) {
	keys := make([]key, len(es))
	tmp := make([]E, len(es))
	order(es, tmp, keys, 0)
	nodes := (len(es) + maxEntries - 1) / maxEntries
	perSlice := maxEntries * int(math.Ceil(math.Sqrt(float64(nodes))))
	parallel(len(es), perSlice, func(start, end int) {
		order(es[start:end], tmp[start:end], keys[start:end], 1)
	})
}

// key is a box's sort key on one axis (twice its centre as float32 bits
// that sort as unsigned integers: the order only shapes the tree, so
// float32's precision is plenty) and where the box was.
type key struct {
	k, i uint32
}

// order sorts es by the centres of their boxes on axis: a radix sort of
// their keys (tmp and keys are as long as es), since comparison sorts were
// most of a load's time.
func order[N numeric, E boxed[N]](es, tmp []E, keys []key, axis int) {
	for i := range es {
		r := es[i].box()
		keys[i] = key{sortable(float32(r.min[axis]) + float32(r.max[axis])), uint32(i)}
	}
	radixSort(keys)
	for i, k := range keys {
		tmp[i] = es[k.i]
	}
	copy(es, tmp)
}

// sortable maps a float32 to a uint32 of the same order (IEEE 754: flip
// the sign bit of a positive number, every bit of a negative one).
func sortable(f float32) uint32 {
	b := math.Float32bits(f)
	if b>>31 != 0 {
		return ^b
	}
	return b | 1<<31
}

// radixSort sorts keys by k: four stable passes of a byte each.
func radixSort(keys []key) {
	buf := make([]key, len(keys))
	src, dst := keys, buf
	for shift := 0; shift < 32; shift += 8 {
		var count [257]int
		for _, k := range src {
			count[(k.k>>shift)&0xff+1]++
		}
		for i := 1; i < len(count); i++ {
			count[i] += count[i-1]
		}
		for _, k := range src {
			b := (k.k >> shift) & 0xff
			dst[count[b]] = k
			count[b]++
		}
		src, dst = dst, src
	}
	// Four passes: the sorted keys are back in keys.
}
