package store

import (
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/tidwall/btree"
)

// The errors a write can end with besides bad input. The API maps each to
// its status.
var (
	ErrNoCollection = errors.New("no such collection")
	ErrNoFeature    = errors.New("no such feature")
	ErrExists       = errors.New("a feature with this id exists")
	ErrPrecondition = errors.New("the feature does not match the precondition")
	ErrDuplicateID  = errors.New("the same id appears twice")
)

// Collection is a named set of features with its spatial index.
//
// Locking: mu guards the trees and the metadata; readers hold it shared,
// in chunks (see ascend), so a waiting writer is never stuck behind a long
// scan. wmu serialises writers, which validate and prepare a change before
// taking mu, and hold mu exclusively only to apply it: microseconds for one
// feature, one chunk of a bulk insert at a time.
//
// A bulk insert is seen whole or not at all without copying the trees: its
// features carry versions above visible until the last is in, and readers
// skip such features while pending > 0. (The R-tree's own copy-on-write is
// not used: in tidwall/rtree v1.10.0 a copied node keeps the old copy id,
// so after one Copy every later write copies its whole path again, about
// 5 KB per write, for good.)
type Collection struct {
	name string

	wmu     sync.Mutex
	version uint64 // the last version given to a write; under wmu
	dropped bool   // under wmu: writes to a dropped collection fail

	mu          sync.RWMutex
	title, desc string
	ids         *btree.Map[string, *Feature]
	tree        *spatialIndex
	visible     uint64 // features of higher versions are not visible yet
	pending     int    // how many such features the trees hold
}

// bulkChunk is how many features of a bulk insert go in under one hold of
// the readers' lock.
const bulkChunk = 512

func newCollection(name, title, desc string) *Collection {
	return &Collection{name: name, title: title, desc: desc,
		ids: new(btree.Map[string, *Feature]), tree: new(spatialIndex)}
}

// Name returns the collection's name (its id in the API).
func (c *Collection) Name() string { return c.name }

// Meta returns the collection's title and description.
func (c *Collection) Meta() (title, desc string) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.title, c.desc
}

// Len returns the number of features.
func (c *Collection) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.ids.Len() - c.pending
}

// hidden reports whether f belongs to a bulk insert still in progress;
// call it under mu.
func (c *Collection) hidden(f *Feature) bool { return c.pending > 0 && f.version > c.visible }

// Bounds returns the bounding box of every feature (including those of a
// bulk insert in progress); ok is false when the collection is empty.
func (c *Collection) Bounds() (min, max [2]float64, ok bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.tree.Len() == 0 {
		return min, max, false
	}
	lo, hi := c.tree.Bounds()
	return [2]float64{float64(lo[0]), float64(lo[1])}, [2]float64{float64(hi[0]), float64(hi[1])}, true
}

// Get returns the feature with id.
func (c *Collection) Get(id string) (*Feature, bool) {
	c.mu.RLock()
	f, ok := c.ids.Get(id)
	ok = ok && !c.hidden(f)
	c.mu.RUnlock()
	return f, ok
}

// Match decides whether a conditional write may go ahead, given the current
// feature (nil when there is none). nil means unconditional.
type Match func(cur *Feature) bool

// Create stores a new feature; an Input without an id gets one. It answers
// ErrExists when the id is taken.
func (c *Collection) Create(in *Input) (*Feature, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.dropped {
		return nil, ErrNoCollection
	}
	if in.ID == "" {
		in.ID = c.freeID()
	} else if _, ok := c.ids.Get(in.ID); ok {
		return nil, ErrExists
	}
	f := in.feature(c.nextVersion())
	c.mu.Lock()
	c.set(nil, f)
	c.mu.Unlock()
	return f, nil
}

// Put creates or replaces the feature in.ID if match allows; created says
// which.
func (c *Collection) Put(in *Input, match Match) (f *Feature, created bool, err error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.dropped {
		return nil, false, ErrNoCollection
	}
	cur, _ := c.ids.Get(in.ID)
	if match != nil && !match(cur) {
		return nil, false, ErrPrecondition
	}
	f = in.feature(c.nextVersion())
	c.mu.Lock()
	c.set(cur, f)
	c.mu.Unlock()
	return f, cur == nil, nil
}

// Update replaces the existing feature id with what change makes of it (a
// merge patch), if match allows. change runs under the writers' lock, so no
// other write comes between reading the feature and replacing it; its error
// is returned as is.
func (c *Collection) Update(id string, match Match, change func(cur *Feature) (*Input, error)) (*Feature, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.dropped {
		return nil, ErrNoCollection
	}
	cur, ok := c.ids.Get(id)
	if match != nil && !match(cur) {
		return nil, ErrPrecondition
	}
	if !ok {
		return nil, ErrNoFeature
	}
	in, err := change(cur)
	if err != nil {
		return nil, err
	}
	in.ID, in.Numeric = cur.ID(), cur.numeric
	f := in.feature(c.nextVersion())
	c.mu.Lock()
	c.set(cur, f)
	c.mu.Unlock()
	return f, nil
}

// Delete removes the feature id if match allows.
func (c *Collection) Delete(id string, match Match) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.dropped {
		return ErrNoCollection
	}
	cur, ok := c.ids.Get(id)
	if match != nil && !match(cur) {
		return ErrPrecondition
	}
	if !ok {
		return ErrNoFeature
	}
	c.mu.Lock()
	c.ids.Delete(id)
	min, max := box(cur.geom.Rect())
	c.tree.Delete(min, max, cur)
	c.visible = c.nextVersion()
	c.mu.Unlock()
	return nil
}

// InsertAll creates every feature of ins, or none: an id that exists
// (ErrExists) or repeats within ins (ErrDuplicateID) refuses the whole
// batch, and the index of the offending input is returned. Features without
// an id get one. Readers see either none of the batch or all of it; they
// wait for the lock only while a chunk of it goes in.
func (c *Collection) InsertAll(ins []*Input) (bad int, err error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.dropped {
		return -1, ErrNoCollection
	}
	seen := make(map[string]int, len(ins))
	for i, in := range ins {
		if in.ID == "" {
			continue
		}
		if _, ok := c.ids.Get(in.ID); ok {
			return i, ErrExists
		}
		if _, ok := seen[in.ID]; ok {
			return i, ErrDuplicateID
		}
		seen[in.ID] = i
	}
	before := c.version // readers see nothing newer until the end
	for i := 0; i < len(ins); i += bulkChunk {
		chunk := ins[i:min(i+bulkChunk, len(ins))]
		fs := make([]*Feature, len(chunk))
		for j, in := range chunk {
			if in.ID == "" {
				in.ID = c.freeID()
			}
			fs[j] = in.feature(c.nextVersion())
		}
		c.mu.Lock()
		for _, f := range fs {
			c.set(nil, f)
		}
		c.pending += len(fs)
		c.visible = before // set moved it on; the batch stays hidden
		c.mu.Unlock()
	}
	c.mu.Lock()
	c.visible, c.pending = c.version, 0
	c.mu.Unlock()
	return -1, nil
}

// set replaces old (nil: none) with f in the trees and makes f visible
// (InsertAll takes that back until its batch is whole). Call it under mu.
func (c *Collection) set(old, f *Feature) {
	if old != nil {
		min, max := box(old.geom.Rect())
		c.tree.Delete(min, max, old)
	}
	c.ids.Set(f.ID(), f)
	min, max := box(f.geom.Rect())
	c.tree.Insert(min, max, f)
	c.visible = f.version
}

func (c *Collection) nextVersion() uint64 {
	c.version++
	return c.version
}

// freeID makes an id for a feature sent without one: the collection's next
// version in hex, with a suffix in the unlikely case a client took it.
// Call it under wmu.
func (c *Collection) freeID() string {
	base := "f" + strconv.FormatUint(c.version+1, 16)
	id := base
	for i := 1; ; i++ {
		if _, taken := c.ids.Get(id); !taken {
			return id
		}
		id = fmt.Sprintf("%s-%d", base, i)
	}
}

// GetBytes is Get for an id in a request buffer.
func (c *Collection) GetBytes(id []byte) (*Feature, bool) {
	c.mu.RLock()
	f, ok := c.ids.Get(string(id))
	ok = ok && !c.hidden(f)
	c.mu.RUnlock()
	return f, ok
}
