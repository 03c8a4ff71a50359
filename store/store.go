package store

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// MaxNameBytes bounds a collection name.
const MaxNameBytes = 64

// Store is the set of collections.
type Store struct {
	mu   sync.RWMutex
	cols map[string]*Collection
}

// New makes an empty Store.
func New() *Store { return &Store{cols: map[string]*Collection{}} }

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
	s.mu.Lock()
	defer s.mu.Unlock()
	if c = s.cols[name]; c != nil {
		c.mu.Lock()
		if title != "" {
			c.title = title
		}
		if desc != "" {
			c.desc = desc
		}
		c.mu.Unlock()
		return c, false, nil
	}
	c = newCollection(name, title, desc)
	s.cols[name] = c
	return c, true, nil
}

// Drop removes the collection name with its features; it reports whether
// there was one.
func (s *Store) Drop(name string) bool {
	s.mu.Lock()
	c, ok := s.cols[name]
	delete(s.cols, name)
	s.mu.Unlock()
	if ok {
		// After the map: a long bulk insert holding wmu must not hold up
		// every lookup of the store.
		c.wmu.Lock()
		c.dropped = true
		c.wmu.Unlock()
	}
	return ok
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

// Stats counts the collections and features, for the metrics.
func (s *Store) Stats() (collections, features int) {
	for _, c := range s.Collections() {
		collections++
		features += c.Len()
	}
	return collections, features
}
