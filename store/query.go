package store

import (
	"cmp"
	"math"
	"runtime"
	"slices"
	"time"

	"github.com/tidwall/geojson"
	"github.com/tidwall/geojson/geometry"
)

// Kind is what a Query asks.
type Kind uint8

const (
	All        Kind = iota // every feature
	BBox                   // features intersecting Query.BBox
	Intersects             // features intersecting Query.Geom
	Within                 // features within Query.Geom
	Nearby                 // the K nearest to (Lon, Lat), within Radius if > 0
)

// Query asks for one page of features.
type Query struct {
	Kind     Kind
	BBox     geometry.Rect
	Geom     geojson.Object
	Lon, Lat float64
	K        int
	Radius   float64 // metres; 0: unbounded
	Limit    int     // the page size; at least 1
	Cursor   Cursor  // where the previous page ended
	// StopAt, when set, is when the query stops and answers the page it
	// has, with a Next cursor to go on from: the request's budget less the
	// time to answer.
	StopAt time.Time
	// Filter, when set, is what a feature must pass beyond Kind (a CQL2
	// filter): a page may then come back short with a Next, as when
	// StopAt cuts it. It must not keep f.
	Filter func(f *Feature) bool
}

// Page is a query's answer. Reuse one with Reset.
type Page struct {
	Features []*Feature
	Dists    []float64 // for Nearby, the distance of each feature in metres
	Next     Cursor    // Set when there may be more
	Matched  int       // how many features match in all; -1 when not known
	Stopped  bool      // StopAt came before the page was full

	cands []*Feature
	hits  []hit
	rect  geojson.Rect
}

// hit is a feature found by nearby, with its distance.
type hit struct {
	f *Feature
	d float64
}

// Reset empties p for reuse, keeping its storage.
func (p *Page) Reset() {
	clear(p.Features)
	clear(p.cands)
	clear(p.hits)
	*p = Page{Features: p.Features[:0], Dists: p.Dists[:0], cands: p.cands[:0], hits: p.hits[:0], Matched: -1}
}

// Cut keeps the first n features of a page of q (n ≥ 1) and makes Next
// resume after them: for a page whose encoding would run past the budget.
func (p *Page) Cut(n int, q *Query) {
	if n < 1 || n >= len(p.Features) {
		return
	}
	last := p.Features[n-1]
	if q.Kind == Nearby {
		p.Next = Cursor{Set: true, Nearby: true, ID: last.ID(), Dist: p.Dists[n-1], Rank: q.Cursor.Rank + n}
		p.Dists = p.Dists[:n]
	} else {
		p.Next = Cursor{Set: true, ID: last.ID()} // pages are in id order
	}
	clear(p.Features[n:])
	p.Features = p.Features[:n]
	p.Stopped = true
}

// indexCap is how many index candidates a filtered query gathers before it
// pages through the id order instead. Under it, a page is found from the
// index, sorted by id, and the total matched is known; over it, the filter
// matches so much that walking ids from the cursor finds a page quickly.
// The same cap sends nearby from boxes to the best-first walk. A variable
// so that tests can take the other paths on small data.
var indexCap = 4096

// chunk is how many features a scan visits under one read lock and
// between two yields of its CPU (as yieldEvery), and how often it looks
// at the clock.
const chunk = 256

// Query fills p with the page q asks for.
func (c *Collection) Query(q *Query, p *Page) {
	p.Reset()
	if q.Limit < 1 {
		panic("BUG: a query needs a limit of at least 1")
	}
	switch q.Kind {
	case All:
		c.scan(q, p, q.Filter)
		if !p.Stopped && q.Filter == nil {
			p.Matched = c.Len()
		}
	case Nearby:
		c.nearby(q, p)
	default:
		match := c.predicate(q, p)
		if filter := q.Filter; filter != nil {
			spatial := match
			match = func(f *Feature) bool { return spatial(f) && filter(f) }
		}
		if !c.fromIndex(q, p, match) {
			c.scan(q, p, match)
		}
	}
}

func (c *Collection) predicate(q *Query, p *Page) func(f *Feature) bool {
	switch q.Kind {
	// An unlocated feature (nil geometry) matches no spatial query.
	case BBox:
		p.rect = *geojson.NewRect(q.BBox)
		return func(f *Feature) bool { return f.geom != nil && f.geom.Intersects(&p.rect) }
	case Intersects:
		return func(f *Feature) bool { return f.geom != nil && f.geom.Intersects(q.Geom) }
	case Within:
		return func(f *Feature) bool { return f.geom != nil && f.geom.Within(q.Geom) }
	}
	panic("BUG: no predicate for query kind")
}

// candidates puts the visible features whose boxes meet r into p.cands; it
// reports false if there are more than indexCap of them.
func (c *Collection) candidates(r geometry.Rect, p *Page) bool {
	lo, hi := box(r)
	cands, over := p.cands[:0], false
	c.mu.RLock()
	c.tree.Search(lo, hi, func(_, _ [2]float32, f *Feature) bool {
		if len(cands) == indexCap {
			over = true
			return false
		}
		if !c.hidden(f) {
			cands = append(cands, f)
		}
		return true
	})
	c.mu.RUnlock()
	p.cands = cands
	return !over
}

func (q *Query) rect() geometry.Rect {
	if q.Kind == BBox {
		return q.BBox
	}
	return q.Geom.Rect()
}

// fromIndex answers from the R-tree when the query's box holds at most
// indexCap features: sorted by id, tested from the cursor on until the
// page is full (then on, to count the matches) or StopAt passes (then the
// next page starts after the last id tested). It reports false, having
// done nothing, when the box holds more.
func (c *Collection) fromIndex(q *Query, p *Page, match func(*Feature) bool) bool {
	if !c.candidates(q.rect(), p) {
		return false
	}
	cands := p.cands
	// Features never change once stored: no lock is needed to test them.
	// In id order, so that a page cut short by the budget ends at the
	// last id tested and the next page goes on from there.
	slices.SortFunc(cands, func(a, b *Feature) int { return cmp.Compare(a.ID(), b.ID()) })
	start := 0
	if q.Cursor.Set {
		i, found := slices.BinarySearchFunc(cands, q.Cursor.ID, func(f *Feature, id string) int { return cmp.Compare(f.ID(), id) })
		if found {
			i++
		}
		start = i
	}
	matched, last := 0, ""
	for i, f := range cands[start:] {
		if i%64 == 63 && !q.StopAt.IsZero() && time.Now().After(q.StopAt) {
			p.Stopped = true
			if !p.Next.Set {
				p.Next = Cursor{Set: true, ID: cmp.Or(last, q.Cursor.ID)}
			}
			return true
		}
		if !match(f) {
			if len(p.Features) < q.Limit {
				last = f.ID() // the next page need not test it again
			}
			continue
		}
		matched++
		if len(p.Features) == q.Limit {
			if !p.Next.Set {
				p.Next = Cursor{Set: true, ID: last} // one more exists
			}
			continue // on, to count what matches
		}
		p.Features = append(p.Features, f)
		last = f.ID()
	}
	// What the earlier pages had, for numberMatched, if time allows.
	for i, f := range cands[:start] {
		if i%64 == 63 && !q.StopAt.IsZero() && time.Now().After(q.StopAt) {
			return true
		}
		if match(f) {
			matched++
		}
	}
	p.Matched = matched
	return true
}

// scan walks features in id order from the cursor, keeping those match
// accepts (all if nil), until the page is full, the collection ends or
// StopAt passes.
func (c *Collection) scan(q *Query, p *Page, match func(*Feature) bool) {
	last, visited := q.Cursor.ID, 0
	c.ascend(q.Cursor.ID, func(f *Feature) bool {
		if visited++; visited%64 == 0 && !q.StopAt.IsZero() && time.Now().After(q.StopAt) {
			p.Stopped = true
			return false
		}
		if match == nil || match(f) {
			if len(p.Features) == q.Limit {
				// One more exists: the page ends at the last one kept.
				p.Next = Cursor{Set: true, ID: last}
				return false
			}
			p.Features = append(p.Features, f)
		}
		last = f.ID()
		return true
	})
	if p.Stopped {
		p.Next = Cursor{Set: true, ID: last}
	}
}

// ascend calls fn with each feature whose id sorts after `after` (all, if
// after is ""), in id order, until fn returns false. It holds the read lock
// for chunk features at a time and resumes after the last id, so writers
// get in between chunks, and yields the CPU there (yieldEvery).
func (c *Collection) ascend(after string, fn func(f *Feature) bool) {
	for {
		n, stopped := 0, false
		c.mu.RLock()
		c.ids.Ascend(after, func(id string, f *Feature) bool {
			if id == after {
				return true
			}
			if n == chunk {
				return false
			}
			n++
			after = id
			if c.hidden(f) {
				return true
			}
			if !fn(f) {
				stopped = true
				return false
			}
			return true
		})
		c.mu.RUnlock()
		if stopped || n < chunk {
			return
		}
		runtime.Gosched() // (chunk is yieldEvery features: see there)
	}
}

// nearby finds the page of the K nearest features after the cursor, in
// (distance, id) order: ties are broken by id so that pages never repeat or
// skip a feature.
func (c *Collection) nearby(q *Query, p *Page) {
	want := min(q.Limit, q.K-q.Cursor.Rank)
	if want <= 0 {
		p.Matched = q.Cursor.Rank
		return
	}
	if q.Radius > 0 {
		// Where the circle is dense, measuring all of it (for an exact
		// numberMatched) costs with the density: a circle that should hold
		// the page at the mean density answers first, if it holds it, and
		// how many match is left unknown (it is optional).
		if r := c.guessRadius(q.Cursor.Rank + want); r > 0 && r < q.Radius/2 {
			if c.nearbyInBox(q, p, want, r, false) {
				return
			}
			p.Reset()
		}
		if c.nearbyInBox(q, p, want, q.Radius, true) {
			return
		}
	}
	// Without a radius, try circles that should hold the page at the
	// collection's mean density, growing fourfold while they hold too few
	// and their boxes few enough features; else walk the tree best first.
	if q.Radius == 0 {
		r := c.guessRadius(q.Cursor.Rank + want)
		if cur := q.Cursor; cur.Set && r > 0 && r < 2*cur.Dist {
			r = 2 * cur.Dist // a circle within the cursor's holds nothing new
		}
		for ; r > 0 && r < EarthRadius; r *= 4 {
			p.Reset()
			if c.nearbyInBox(q, p, want, r, false) {
				return
			}
			if len(p.cands) >= indexCap {
				break
			}
		}
		p.Reset()
	}
	hits, more, resume := c.walkNearby(q, p, want)
	sortHits(hits) // the index gives distance order already: this settles ties
	if len(hits) > want {
		hits, more = hits[:want], true
	}
	p.keep(hits)
	cur := q.Cursor
	rank := cur.Rank + len(p.Features)
	switch {
	case more && rank < q.K && len(p.Features) > 0:
		last := len(p.Features) - 1
		p.Next = Cursor{Set: true, Nearby: true, ID: p.Features[last].ID(), Dist: p.Dists[last], Rank: rank}
	case more && rank < q.K:
		p.Next = resume // stopped before finding anything: go on from where it stopped
	case !more:
		p.Matched = rank
	}
}

// nearbyInBox answers a nearby query from the features in the box around
// the circle of radius metres, when there are at most indexCap of them:
// measure each, keep those within the radius, sort by (distance, id).
// Cheaper than the best-first walk, which measures every entry of every
// node it opens. With the query's own radius (final), the answer is whole
// and how many match is known. With a trial radius, the answer stands only
// if the circle holds the whole page: whatever lies outside is farther.
// It reports false when it cannot answer, having filled p.cands.
func (c *Collection) nearbyInBox(q *Query, p *Page, want int, radius float64, final bool) bool {
	if !c.candidates(circleBox(q.Lon, q.Lat, radius), p) {
		return false
	}
	cur, hits, within := q.Cursor, p.hits[:0], 0
	for _, f := range p.cands {
		d := Distance(f.geom, q.Lon, q.Lat)
		if d > radius || q.Filter != nil && !q.Filter(f) {
			continue
		}
		within++
		if cur.passed(d, f) {
			continue
		}
		hits = append(hits, hit{f, d})
	}
	p.hits = hits
	if !final && len(hits) < want {
		return false
	}
	sortHits(hits)
	hits = hits[:min(len(hits), want)]
	p.keep(hits)
	total := q.K // at most; known only within the query's own radius
	if final {
		total = min(within, q.K)
		p.Matched = total
	}
	if rank := cur.Rank + len(hits); rank < total && len(hits) > 0 {
		last := hits[len(hits)-1]
		p.Next = Cursor{Set: true, Nearby: true, ID: last.f.ID(), Dist: last.d, Rank: rank}
	}
	return true
}

// guessRadius is the radius in metres of a circle that holds about 2n
// features if they are spread evenly over the collection's bounds; 0 for an
// empty collection.
func (c *Collection) guessRadius(n int) float64 {
	c.mu.RLock()
	count := c.tree.Len()
	lo, hi := c.tree.Bounds()
	c.mu.RUnlock()
	if count == 0 {
		return 0
	}
	const metresPerDegree = EarthRadius * rad
	midLat := (float64(lo[1]) + float64(hi[1])) / 2
	w := float64(hi[0]-lo[0]) * metresPerDegree * math.Cos(midLat*rad)
	h := float64(hi[1]-lo[1]) * metresPerDegree
	area := math.Max(w*h, 1)
	return math.Max(1, math.Sqrt(2*float64(n)*area/(math.Pi*float64(count))))
}

// sortHits orders nearby results by (distance, id): ties are broken by id
// so that pages never repeat or skip a feature.
func sortHits(hits []hit) {
	slices.SortFunc(hits, func(a, b hit) int {
		if a.d != b.d { // ids only on ties: reading one is a cache miss
			return cmp.Compare(a.d, b.d)
		}
		return cmp.Compare(a.f.ID(), b.f.ID())
	})
}

// keep makes hits the page's features and distances.
func (p *Page) keep(hits []hit) {
	for _, h := range hits {
		p.Features = append(p.Features, h.f)
		p.Dists = append(p.Dists, h.d)
	}
}

// passed reports whether a nearby result at distance d was on a page
// before the cursor.
func (c Cursor) passed(d float64, f *Feature) bool {
	return c.Set && (d < c.Dist || d == c.Dist && f.ID() <= c.ID)
}

// walkChunk is how many features the best-first walk of a nearby search
// visits under one read lock, at the least: it pauses only between two
// distances, so that resuming can pass everything up to the last one.
const walkChunk = 4096

// yieldEvery is how many features a long walk visits between yields of
// its CPU: a search on a worker must not keep an event loop waiting for a
// CPU for long (on one core, the loop runs only when the worker yields).
const yieldEvery = 256

// walkNearby walks the R-tree best first from the query's point for the
// hits after the cursor that the filter accepts, until it has want of them
// (and every other at the last one's distance), the radius is passed, the
// tree ends, or StopAt passes, which it checks every 64 features it visits,
// filtered or not. It stops only between two distances, having visited
// every feature up to the last, and only once it has gone past the
// cursor: a page cut short with no hit goes on from there (resume), so
// that paging always progresses. It holds the collection's read lock for
// about walkChunk features at a time: between chunks a writer gets in, and
// the walk starts again from the root, skipping what lies nearer than
// where it paused (whole nodes, where they lie entirely nearer, as for
// the cursor's). It reports whether more hits may lie beyond those it
// returns.
func (c *Collection) walkNearby(q *Query, p *Page, want int) (hits []hit, more bool, resume Cursor) {
	reach := circleBox(q.Lon, q.Lat, q.Radius)
	cur, hits := q.Cursor, p.hits[:0]
	visited, late, past := 0, false, false
	seen := math.Inf(-1) // every feature nearer than this, or as near, was visited
	prune := seen        // a node lying wholly nearer than this is left out
	if cur.Set {
		prune = cur.Dist
	}
	// With a radius, whatever lies outside the circle's bounding box is
	// too far: comparing boxes spares the trigonometry for most of the
	// index the search looks at. +Inf sorts it after every answer, and the
	// search stops at the first result beyond the radius. NaN leaves a
	// node out of the walk.
	dist := func(min, max [2]float32, f *Feature, item bool) float64 {
		if float64(max[0]) < reach.Min.X || float64(min[0]) > reach.Max.X || float64(max[1]) < reach.Min.Y || float64(min[1]) > reach.Max.Y {
			return math.Inf(1)
		}
		if item {
			if d := Distance(f.geom, q.Lon, q.Lat); d >= prune {
				return d
			}
			return math.NaN()
		}
		if prune > 0 && farthest(q.Lon, q.Lat, min, max) < prune {
			return math.NaN()
		}
		return RectDistance(q.Lon, q.Lat, float64(min[0]), float64(min[1]), float64(max[0]), float64(max[1]))
	}
	last, lastID := math.Inf(-1), "" // the farthest distance visited, and the greatest id there
	paused := false                  // the lock was let go at least once
	for done := false; !done; {
		done = true
		inChunk := 0
		c.mu.RLock()
		c.tree.Nearby(dist, func(_, _ [2]float32, f *Feature, d float64) bool {
			if q.Radius > 0 && d > q.Radius {
				return false
			}
			if d <= seen {
				return true // visited before the pause
			}
			if d > last {
				switch {
				case late && past:
					more = true // out of time: stop here, every feature up to last visited
					return false
				case inChunk >= walkChunk:
					done = false // pause here, and let a writer in
					return false
				}
				last, lastID = d, ""
			}
			inChunk++
			if id := f.ID(); id > lastID {
				lastID = id
			}
			if visited++; visited%64 == 0 {
				if !late && !q.StopAt.IsZero() && time.Now().After(q.StopAt) {
					late, p.Stopped = true, true
				}
				if visited%yieldEvery == 0 {
					runtime.Gosched()
				}
			}
			if cur.passed(d, f) {
				return true
			}
			past = true
			if c.hidden(f) || q.Filter != nil && !q.Filter(f) {
				return true
			}
			n := len(hits)
			if (n >= want || late) && n > 0 && d > hits[n-1].d {
				// Everything at the last distance kept is in: the page is whole.
				more = true
				return false
			}
			hits = append(hits, hit{f, d})
			return true
		})
		c.mu.RUnlock()
		seen = last
		prune = max(prune, last)
		paused = paused || !done
	}
	if paused {
		hits = distinct(hits)
	}
	p.hits = hits
	if more && len(hits) == 0 {
		resume = Cursor{Set: true, Nearby: true, ID: lastID, Dist: last, Rank: cur.Rank}
	}
	return hits, more, resume
}

// distinct keeps the first hit of each id: a feature moved by a write
// while a walk paused may be met again, farther, after it.
func distinct(hits []hit) []hit {
	seen := make(map[string]struct{}, len(hits))
	out := hits[:0]
	for _, h := range hits {
		if _, dup := seen[h.f.ID()]; !dup {
			seen[h.f.ID()] = struct{}{}
			out = append(out, h)
		}
	}
	return out
}

// farthest is an upper bound of the distance in metres from (lon, lat) to
// any position in the box min–max: the distance to its centre plus a path
// from there to any corner, along a meridian and then a parallel (no
// shorter than the great circle), a hair longer for rounding.
func farthest(lon, lat float64, min, max [2]float32) float64 {
	lo0, la0, lo1, la1 := float64(min[0]), float64(min[1]), float64(max[0]), float64(max[1])
	toCentre := Haversine(lon, lat, (lo0+lo1)/2, (la0+la1)/2)
	cos := 1.0 // the widest parallel of the box: at the equator if it spans it
	if la0 > 0 || la1 < 0 {
		cos = math.Cos(math.Min(math.Abs(la0), math.Abs(la1)) * rad)
	}
	half := EarthRadius * ((la1-la0)/2 + (lo1-lo0)/2*cos) * rad
	return (toCentre + half) * (1 + 1e-9)
}
