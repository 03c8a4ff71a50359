package store

import (
	"errors"
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
// scan. Every write goes through the store's committer goroutine (see
// commit.go), which validates it, logs it, and applies it after the log
// says it is durable, holding mu exclusively only to apply: microseconds
// for one feature, one chunk of a bulk insert at a time.
//
// A bulk insert is seen whole or not at all without copying the trees: its
// features carry versions above visible until the last is in, and readers
// skip such features while pending > 0. (The R-tree's own copy-on-write is
// not used: in tidwall/rtree v1.10.0 a copied node keeps the old copy id,
// so after one Copy every later write copies its whole path again, about
// 5 KB per write, for good.)
type Collection struct {
	name string
	s    *Store

	// Only the committer touches these.
	version uint64 // the last version given to a write
	dropped bool

	mu          sync.RWMutex
	title, desc string
	ids         *btree.Map[string, *Feature]
	tree        *spatialIndex
	visible     uint64                 // features of higher versions are not visible yet
	pending     int                    // how many such features the trees hold
	props       map[string]*propCounts // the properties' types (queryables.go)
}

// bulkChunk is how many features of a bulk insert go in under one hold of
// the readers' lock.
const bulkChunk = 512

func newCollection(s *Store, name, title, desc string) *Collection {
	return &Collection{s: s, name: name, title: title, desc: desc,
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

// setMeta applies a durable change of title and description.
func (c *Collection) setMeta(title, desc string) {
	c.mu.Lock()
	c.title, c.desc = title, desc
	c.mu.Unlock()
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
func (c *Collection) Create(in *Input) (f *Feature, err error) {
	f, _, err = c.CreateOnce(in, nil)
	return f, err
}

// CreateOnce is Create made at most once for o's key (nil o: Create): a
// retry gets the first write's answer as replay, and f is nil.
func (c *Collection) CreateOnce(in *Input, o *Once) (f *Feature, replay *Remembered, err error) {
	err = c.s.do(func(b *batch) error {
		if !b.live(c) {
			return ErrNoCollection
		}
		if o != nil {
			r, err := b.once(o)
			if r != nil || err != nil {
				replay = r
				return err // a retry is answered once the batch is durable
			}
		}
		id := in.ID
		if id == "" {
			id = b.freeID(c)
		} else if _, ok := b.get(c, id); ok {
			return ErrExists
		}
		f = in.featureAs(id, c.nextVersion())
		b.put(c, f)
		if o != nil {
			b.remember(c, o, o.Answer(f, BulkResult{Inserted: 1}))
		}
		return nil
	})
	return f, replay, err
}

// Put creates or replaces the feature in.ID if match allows; created says
// which.
func (c *Collection) Put(in *Input, match Match) (f *Feature, created bool, err error) {
	err = c.s.do(c.put1(in, match, &f, &created))
	return f, created, err
}

// PutAsync is Put without waiting: then gets Put's results, from the
// committer (see Store.submit: it must be quick and not call the store).
// An error means the write was not taken, and then is not called.
func (c *Collection) PutAsync(in *Input, match Match, then func(f *Feature, created bool, err error)) error {
	var f *Feature
	var created bool
	return c.s.submit(c.put1(in, match, &f, &created), func(err error) { then(f, created, err) })
}

// put1 is the intent of Put, which stores its results in f and created.
func (c *Collection) put1(in *Input, match Match, f **Feature, created *bool) func(b *batch) error {
	return func(b *batch) error {
		if !b.live(c) {
			return ErrNoCollection
		}
		if match == nil {
			// Nothing to check: whether it creates the feature is known
			// when it is applied, which saves a search of the id tree.
			*f = in.feature(c.nextVersion())
			b.putNoting(c, *f, created)
			return nil
		}
		cur, _ := b.get(c, in.ID)
		if !match(cur) {
			return ErrPrecondition
		}
		*f, *created = in.feature(c.nextVersion()), cur == nil
		b.put(c, *f)
		return nil
	}
}

// Update replaces the existing feature id with what change makes of it (a
// merge patch), if match allows. change runs in the committer, so no other
// write comes between reading the feature and replacing it; its error is
// returned as is.
func (c *Collection) Update(id string, match Match, change func(cur *Feature) (*Input, error)) (f *Feature, err error) {
	err = c.s.do(func(b *batch) error {
		cur, err := b.existing(c, id, match)
		if err != nil {
			return err
		}
		in, err := change(cur)
		if err != nil {
			return err
		}
		in.ID, in.Numeric = cur.ID(), cur.numeric
		f = in.feature(c.nextVersion())
		b.put(c, f)
		return nil
	})
	return f, err
}

// Delete removes the feature id if match allows.
func (c *Collection) Delete(id string, match Match) error {
	return c.s.do(func(b *batch) error {
		cur, err := b.existing(c, id, match)
		if err != nil {
			return err
		}
		b.delete(c, cur, c.nextVersion())
		return nil
	})
}

// InsertAll creates every feature of ins, or none: an id that exists
// (ErrExists) or repeats within ins (ErrDuplicateID) refuses the whole
// batch, and the index of the offending input is returned. Features without
// an id get one. Readers see either none of the batch or all of it; they
// wait for the lock only while a chunk of it goes in.
func (c *Collection) InsertAll(ins []*Input) (bad int, err error) {
	_, bad, _, err = c.Bulk(ins, IfExistsFail, nil)
	return bad, err
}

// IfExists says what a bulk insert does with a feature whose id is taken.
type IfExists uint8

const (
	IfExistsFail    IfExists = iota // refuse the whole insert (ErrExists)
	IfExistsSkip                    // keep the stored feature; insert the others
	IfExistsReplace                 // replace the stored feature (an upsert)
)

// ParseIfExists reads "fail", "skip" or "replace".
func ParseIfExists(s string) (IfExists, bool) {
	switch s {
	case "fail":
		return IfExistsFail, true
	case "skip":
		return IfExistsSkip, true
	case "replace":
		return IfExistsReplace, true
	}
	return 0, false
}

// BulkResult counts what a bulk insert did.
type BulkResult struct{ Inserted, Replaced, Skipped int }

// Bulk is InsertAll with a choice for the ids that exist, made at most
// once for o's key (nil o: no key; a retry gets the first write's answer
// as replay). An id repeated within ins refuses the whole batch in every
// mode (ErrDuplicateID). The features are checked and committed together,
// in one batch of the log: all or none. New features become visible
// together; replacements (IfExistsReplace) are applied just before them.
func (c *Collection) Bulk(ins []*Input, mode IfExists, o *Once) (res BulkResult, bad int, replay *Remembered, err error) {
	bad = -1
	err = c.s.do(func(b *batch) error {
		res = BulkResult{}
		if !b.live(c) {
			return ErrNoCollection
		}
		if o != nil {
			r, err := b.once(o)
			if r != nil || err != nil {
				replay = r
				return err
			}
		}
		seen := make(map[string]int, len(ins))
		var fresh, replace []*Input
		for i, in := range ins {
			if in.ID != "" {
				if _, ok := seen[in.ID]; ok {
					bad = i
					return ErrDuplicateID
				}
				seen[in.ID] = i
				if _, ok := b.get(c, in.ID); ok {
					switch mode {
					case IfExistsFail:
						bad = i
						return ErrExists
					case IfExistsSkip:
						res.Skipped++
					case IfExistsReplace:
						replace = append(replace, in)
					}
					continue
				}
			}
			fresh = append(fresh, in)
		}
		for _, in := range replace {
			b.put(c, in.featureAs(in.ID, c.nextVersion()))
		}
		fs := make([]*Feature, len(fresh))
		for i, in := range fresh {
			id := in.ID
			if id == "" {
				id = b.freeIDExcept(c, seen)
				seen[id] = i
			}
			fs[i] = in.featureAs(id, c.nextVersion())
		}
		if len(fs) > 0 {
			b.insertAll(c, fs)
		}
		res.Inserted, res.Replaced = len(fs), len(replace)
		if o != nil {
			b.remember(c, o, o.Answer(nil, res))
		}
		return nil
	})
	return res, bad, replay, err
}

// insert applies a durable bulk insert of new features: chunk by chunk,
// hidden until whole. The two trees of a chunk are filled at once, one by
// another goroutine: they share nothing, and replaying a file is mostly
// this.
func (c *Collection) insert(fs []*Feature) {
	c.mu.Lock()
	if c.s.indexLater { // replaying: nobody reads yet, and the index comes later
		for _, f := range fs {
			c.ids.Load(f.ID(), f) // Set, with a short cut for ids in order
			c.noteProps(f, 1)
			c.visible = max(c.visible, f.version)
		}
		c.mu.Unlock()
		return
	}
	before := c.visible // readers see nothing newer until the end
	c.mu.Unlock()
	var wg sync.WaitGroup
	for i := 0; i < len(fs); i += bulkChunk {
		chunk := fs[i:min(i+bulkChunk, len(fs))]
		c.mu.Lock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, f := range chunk {
				c.ids.Set(f.ID(), f)
			}
		}()
		for _, f := range chunk {
			c.noteProps(f, 1)
			if f.geom != nil {
				lo, hi := box(f.geom.Rect())
				c.tree.Insert(lo, hi, f)
			}
		}
		wg.Wait()
		c.pending += len(chunk)
		c.mu.Unlock()
	}
	c.mu.Lock()
	c.visible, c.pending = before, 0
	for _, f := range fs {
		c.visible = max(c.visible, f.version)
	}
	c.mu.Unlock()
}

// delete applies a durable delete of the feature id (if there is one),
// the delete's version being version.
func (c *Collection) delete(id string, version uint64) {
	c.mu.Lock()
	if f, ok := c.ids.Delete(id); ok {
		c.noteProps(f, -1)
		if f.geom != nil && !c.s.indexLater {
			lo, hi := box(f.geom.Rect())
			c.tree.Delete(lo, hi, f)
		}
	}
	c.visible = max(c.visible, version)
	c.mu.Unlock()
}

// put applies a durable put of f over the feature of its id, if any, and
// reports whether there was none.
func (c *Collection) put(f *Feature) (created bool) {
	c.mu.Lock()
	created = c.set(f) == nil
	c.mu.Unlock()
	return created
}

// set puts f in the trees in place of the feature of its id, if any, and
// makes f visible (InsertAll takes that back until its batch is whole).
// Call it under mu. It returns the feature f replaced, or nil.
func (c *Collection) set(f *Feature) (old *Feature) {
	// One search of the id tree: Set hands back what it replaced.
	old, _ = c.ids.Set(f.ID(), f)
	if old != nil {
		c.noteProps(old, -1)
	}
	c.noteProps(f, 1)
	if !c.s.indexLater { // replaying: the index comes later
		if old != nil && old.geom != nil {
			min, max := box(old.geom.Rect())
			c.tree.Delete(min, max, old)
		}
		if f.geom != nil {
			min, max := box(f.geom.Rect())
			c.tree.Insert(min, max, f)
		}
	}
	c.visible = f.version
	return old
}

func (c *Collection) nextVersion() uint64 {
	c.version++
	return c.version
}

// GetBytes is Get for an id in a request buffer.
func (c *Collection) GetBytes(id []byte) (*Feature, bool) {
	c.mu.RLock()
	f, ok := c.ids.Get(string(id))
	ok = ok && !c.hidden(f)
	c.mu.RUnlock()
	return f, ok
}
