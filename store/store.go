package store

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// MaxNameBytes bounds a collection name.
const MaxNameBytes = 64

// Store is the set of collections.
type Store struct {
	opts Options

	mu   sync.RWMutex
	cols map[string]*Collection

	log     Log
	applied atomic.Uint64 // the position in log of the last batch applied
	// A replica's (replica.go): the shared log's batches, and whether the
	// store stopped applying them; the snapshot's file.
	feed         <-chan Entry
	diverged     bool
	snapshotPath string
	snapshotAt   atomic.Uint64 // the position of the last snapshot written (or loaded)
	waitMu       sync.Mutex
	advanced     chan struct{} // closed when applied moves (made by a waiter)

	intents     chan *intent
	closed      chan struct{}
	stopped     chan struct{}
	closeOnce   sync.Once
	sendMu      sync.RWMutex // sending an intent (read) against Close (write)
	shut        bool         // Close was called: no more intents
	readOnly    atomic.Pointer[string]
	rewriting   *rewrite // under the committer
	rewriteDone chan *rewrite
	rewriteBase int64 // the file's size after the last rewrite (or replay)
	// dropFloor is the highest version a dropped collection gave out: a
	// collection made anew starts above it. The committer's (and replay's).
	dropFloor uint64
	keys      keys // answers of writes made once: the committer's (and replay's)
	// indexLater: the file is being replayed, and the collections' spatial
	// indexes are built once it is (replay.go), not one insert at a time.
	indexLater  bool
	nextRewrite time.Time
	stats       Stats

	lateMu    sync.Mutex // AckBeforeDurable only
	late      []byte
	lateTimer *time.Timer
}

// New makes an empty Store that keeps its writes in memory only.
func New() *Store {
	s := newStore(Options{})
	go s.commit()
	return s
}

// newStore makes a Store whose committer is not started yet.
func newStore(o Options) *Store {
	s := &Store{opts: o.withDefaults(), cols: map[string]*Collection{},
		intents: make(chan *intent, maxBatch), closed: make(chan struct{}), stopped: make(chan struct{}),
		rewriteDone: make(chan *rewrite, 1)}
	s.log = fileLog{s}
	return s
}

// Close stops the committer: writes waiting or coming get ErrClosed. It
// does not close the log (see Durable.Close).
func (s *Store) Close() {
	s.closeOnce.Do(func() {
		// No write is sent after this: those sent before are answered.
		s.sendMu.Lock()
		s.shut = true
		s.sendMu.Unlock()
		close(s.closed)
	})
	<-s.stopped
}

// CheckName checks a collection name: 1–MaxNameBytes letters, digits, '_',
// '-' or '.', not starting with '.' (names appear in paths and file names).
func CheckName(name string) error {
	if len(name) == 0 || len(name) > MaxNameBytes {
		return fmt.Errorf("a collection name must be 1 to %d bytes long, got %d", MaxNameBytes, len(name))
	}
	if name[0] == '.' {
		return fmt.Errorf("a collection name must not start with '.': %q", name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.') {
			return fmt.Errorf("a collection name may hold only letters, digits, '_', '-' and '.': %q", name)
		}
	}
	return nil
}

// Collection returns the collection name, or nil.
func (s *Store) Collection(name string) *Collection {
	s.mu.RLock()
	c := s.cols[name]
	s.mu.RUnlock()
	return c
}

// CollectionBytes is Collection for a name in a request buffer; it does
// not allocate.
func (s *Store) CollectionBytes(name []byte) *Collection {
	s.mu.RLock()
	c := s.cols[string(name)]
	s.mu.RUnlock()
	return c
}

// Create makes the collection name unless it exists; created says which.
// An existing collection takes the title and description given, when not
// empty.
func (s *Store) Create(name, title, desc string) (c *Collection, created bool, err error) {
	if err := CheckName(name); err != nil {
		return nil, false, err
	}
	err = s.do(func(b *batch) error {
		if c = b.collection(name); c != nil {
			t, d := c.Meta()
			if (title == "" || title == t) && (desc == "" || desc == d) {
				return nil // nothing changes: nothing to log
			}
			b.create(c, cmp.Or(title, t), cmp.Or(desc, d), false)
			return nil
		}
		c, created = newCollection(s, name, title, desc), true
		c.version = b.versionFloor()
		b.create(c, title, desc, true)
		return nil
	})
	return c, created, err
}

// Drop removes the collection name with its features; it reports whether
// there was one.
func (s *Store) Drop(name string) (bool, error) {
	found := false
	err := s.do(func(b *batch) error {
		c := b.collection(name)
		if c == nil {
			return nil
		}
		found = true
		b.drop(c)
		return nil
	})
	return found, err
}

// add and remove apply a durable create and drop.
func (s *Store) add(c *Collection) {
	s.mu.Lock()
	s.cols[c.name] = c
	s.mu.Unlock()
}

func (s *Store) remove(c *Collection) {
	s.mu.Lock()
	if s.cols[c.name] == c {
		delete(s.cols, c.name)
	}
	s.mu.Unlock()
	s.dropFloor = max(s.dropFloor, c.version)
}

// Collections returns every collection, by name.
func (s *Store) Collections() []*Collection {
	s.mu.RLock()
	cs := make([]*Collection, 0, len(s.cols))
	for _, c := range s.cols {
		cs = append(cs, c)
	}
	s.mu.RUnlock()
	slices.SortFunc(cs, func(a, b *Collection) int { return strings.Compare(a.name, b.name) })
	return cs
}

// Counts counts the collections and features, for the metrics.
func (s *Store) Counts() (collections, features int) {
	for _, c := range s.Collections() {
		collections++
		features += c.Len()
	}
	return collections, features
}
