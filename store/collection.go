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

// Collection is a named set of features with its spatial spatialIndex.
//
// Locking: mu guards the trees and the metadata; readers hold it shared,
// in chunks (see ascend), so a waiting writer is never stuck behind a long
// scan. wmu serialises writers, which validate and prepare a change before
// taking mu, and hold mu exclusively only to apply it: microseconds for
// one feature, a pointer swap for a bulk insert.
type Collection struct {
	name string

	wmu     sync.Mutex
	version uint64 // the last version given to a write; under wmu
	dropped bool   // under wmu: writes to a dropped collection fail

	mu          sync.RWMutex
	title, desc string
	ids         *btree.Map[string, *Feature]
	tree        *spatialIndex
}

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
	return c.ids.Len()
}

// Bounds returns the bounding box of every feature; ok is false when the
// collection is empty.
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
	c.set(c.ids, c.tree, nil, f)
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
	c.set(c.ids, c.tree, cur, f)
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
	c.set(c.ids, c.tree, cur, f)
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
	c.nextVersion()
	c.mu.Lock()
	c.ids.Delete(id)
	min, max := box(cur.geom.Rect())
	c.tree.Delete(min, max, cur)
	c.mu.Unlock()
	return nil
}

// InsertAll creates every feature of ins, or none: an id that exists
// (ErrExists) or repeats within ins (ErrDuplicateID) refuses the whole
// batch, and the spatialIndex of the offending input is returned. Features without
// an id get one. Readers see either none of the batch or all of it: it is
// built on copy-on-write copies of the trees, swapped in at once.
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
	c.mu.Lock()
	ids, tree := c.ids.Copy(), c.tree.Copy()
	c.mu.Unlock()
	for _, in := range ins {
		if in.ID == "" {
			in.ID = c.freeIDIn(ids)
		}
		c.set(ids, tree, nil, in.feature(c.nextVersion()))
	}
	c.mu.Lock()
	c.ids, c.tree = ids, tree
	c.mu.Unlock()
	return -1, nil
}

// set replaces old (nil: none) with f in the trees.
func (c *Collection) set(ids *btree.Map[string, *Feature], tree *spatialIndex, old, f *Feature) {
	if old != nil {
		min, max := box(old.geom.Rect())
		tree.Delete(min, max, old)
	}
	ids.Set(f.ID(), f)
	min, max := box(f.geom.Rect())
	tree.Insert(min, max, f)
}

func (c *Collection) nextVersion() uint64 {
	c.version++
	return c.version
}

// freeID makes an id for a feature sent without one: the collection's next
// version in hex, with a suffix in the unlikely case a client took it.
func (c *Collection) freeID() string { return c.freeIDIn(c.ids) }

func (c *Collection) freeIDIn(ids *btree.Map[string, *Feature]) string {
	base := "f" + strconv.FormatUint(c.version+1, 16)
	id := base
	for i := 1; ; i++ {
		if _, taken := ids.Get(id); !taken {
			return id
		}
		id = fmt.Sprintf("%s-%d", base, i)
	}
}

// GetBytes is Get for an id in a request buffer.
func (c *Collection) GetBytes(id []byte) (*Feature, bool) {
	c.mu.RLock()
	f, ok := c.ids.Get(string(id))
	c.mu.RUnlock()
	return f, ok
}
