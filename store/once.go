package store

import (
	"crypto/sha256"
	"errors"
	"time"
)

// A write that must happen at most once, however often a client retries
// it (a POST with an Idempotency-Key), names itself with a Once. The first
// time, the write is made and its answer is remembered in the same batch
// as the write, so the two are durable together (an opKey record after the
// write's). A later write with the same key and the same request is not
// made again: it gets the remembered answer. The same key with another
// request is refused (ErrKeyReused). Keys are remembered for
// Options.KeyTTL and at most Options.MaxKeys of them, the oldest forgotten
// first; replay and compaction keep them.

// Once names a write that must happen at most once.
type Once struct {
	Key string
	// Sum fingerprints the request, so that a key sent again with another
	// request is told apart from a retry.
	Sum [sha256.Size]byte
	// Answer makes the answer to remember from the write's outcome: the
	// feature created (a single create) or what a bulk insert did. It runs
	// in the committer, once the write has its versions.
	Answer func(f *Feature, res BulkResult) []byte
}

// Remembered is the answer of a write made once.
type Remembered struct {
	Sum    [sha256.Size]byte
	At     time.Time
	Answer []byte
}

// ErrKeyReused refuses a write whose key was used for another request.
var ErrKeyReused = errors.New("the idempotency key was used for another request")

// Defaults of the Options that bound the keys remembered.
const (
	DefaultKeyTTL  = 24 * time.Hour
	DefaultMaxKeys = 100000
)

// keys remembers the answers of writes made once; the committer's (and
// replay's) alone.
type keys struct {
	byKey map[string]*Remembered
	order []string // oldest first, from head
	head  int
}

// get returns the live answer remembered for key, or nil.
func (ks *keys) get(key string, ttl time.Duration, now time.Time) *Remembered {
	r := ks.byKey[key]
	if r == nil || now.Sub(r.At) > ttl {
		return nil
	}
	return r
}

// put remembers r under key, forgetting the oldest past max.
func (ks *keys) put(key string, r *Remembered, max int) {
	if ks.byKey == nil {
		ks.byKey = map[string]*Remembered{}
	}
	if _, ok := ks.byKey[key]; !ok {
		ks.order = append(ks.order, key)
	}
	ks.byKey[key] = r
	for len(ks.byKey) > max && ks.head < len(ks.order) {
		delete(ks.byKey, ks.order[ks.head])
		ks.order[ks.head] = ""
		ks.head++
	}
	if ks.head > 1024 && ks.head > len(ks.order)/2 {
		ks.order = append(ks.order[:0], ks.order[ks.head:]...)
		ks.head = 0
	}
}

// live calls fn with every key not yet expired, oldest first.
func (ks *keys) live(ttl time.Duration, now time.Time, fn func(key string, r *Remembered)) {
	for _, k := range ks.order[ks.head:] {
		if r := ks.byKey[k]; r != nil && now.Sub(r.At) <= ttl {
			fn(k, r)
		}
	}
}

// once checks o against the keys remembered (and those of this batch): it
// returns the answer to give again for a retry, ErrKeyReused for a key
// used for another request, or nil, nil for a write to make.
func (b *batch) once(o *Once) (*Remembered, error) {
	r := b.keys[o.Key]
	if r == nil {
		r = b.s.keys.get(o.Key, b.s.opts.KeyTTL, time.Now())
	}
	switch {
	case r == nil:
		return nil, nil
	case r.Sum != o.Sum:
		return nil, ErrKeyReused
	}
	return r, nil
}

// remember stages the answer of a write made once: recorded after the
// write's own records, applied with them.
func (b *batch) remember(c *Collection, o *Once, answer []byte) {
	r := &Remembered{Sum: o.Sum, At: time.Now(), Answer: answer}
	b.log(&keyRecord{collection: c.name, key: o.Key, r: r})
	if b.keys == nil {
		b.keys = map[string]*Remembered{}
	}
	b.keys[o.Key] = r
}
