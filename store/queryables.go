package store

import (
	"sort"

	"github.com/geometryos/daemon1/codec"
)

// A collection knows, for each top-level property name, how many of its
// features hold it with each JSON type: what a filter may name (the
// collection's queryables), kept current by every write as it is applied
// and rebuilt by a replay.

// JSONTypes is a set of JSON types (the bits of cql2.Types).
type JSONTypes uint8

// The JSON types of JSONTypes.
const (
	TypeString JSONTypes = 1 << iota
	TypeNumber
	TypeBool
	TypeOther // object or array
)

// propCounts counts a property's features by type: string, number,
// boolean, other, null.
type propCounts [5]int

// Property is a queryable property: its name and the types it has had.
type Property struct {
	Name  string
	Types JSONTypes // 0: only null so far
}

// typeIndex is where a raw JSON value counts in propCounts.
func typeIndex(val string) int {
	switch c := val[0]; {
	case c == '"':
		return 0
	case c == 't' || c == 'f':
		return 2
	case c == 'n':
		return 4
	case c == '{' || c == '[':
		return 3
	}
	return 1
}

// noteProps counts f's properties in (delta 1) or out (delta -1). Call it
// under mu.
func (c *Collection) noteProps(f *Feature, delta int) {
	p := f.Properties()
	if p == "" {
		return
	}
	var buf [64]byte // a key, unescaped: looked up in the map without a string made of it
	for m := codec.NewMembers(p); ; {
		rawKey, val, ok := m.Next()
		if !ok {
			return
		}
		key := codec.Unquote(buf[:0], rawKey)
		n := c.props[string(key)]
		if n == nil {
			if delta < 0 {
				continue // (cannot happen: it was counted in)
			}
			n = new(propCounts)
			if c.props == nil {
				c.props = map[string]*propCounts{}
			}
			c.props[string(key)] = n // a copy, not the feature's memory
		}
		n[typeIndex(val)] += delta
		if *n == (propCounts{}) {
			delete(c.props, string(key))
		}
	}
}

// PropertyTypes returns the types the property name has among the
// collection's features, and whether any feature has it.
func (c *Collection) PropertyTypes(name string) (JSONTypes, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n := c.props[name]
	if n == nil {
		return 0, false
	}
	return n.types(), true
}

func (n *propCounts) types() JSONTypes {
	var t JSONTypes
	for i, bit := range []JSONTypes{TypeString, TypeNumber, TypeBool, TypeOther} {
		if n[i] > 0 {
			t |= bit
		}
	}
	return t
}

// Queryables returns the collection's properties by name.
func (c *Collection) Queryables() []Property {
	c.mu.RLock()
	out := make([]Property, 0, len(c.props))
	for name, n := range c.props {
		out = append(out, Property{Name: name, Types: n.types()})
	}
	c.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
