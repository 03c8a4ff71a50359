package store

import (
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/geometryos/daemon1/store/aof"
)

// The records of the log, each with its encoder, decoder and apply side by
// side. The committer encodes a batch's records into the log and, once the
// log says they are durable, applies the same record values; replay (and,
// in a fleet, a follower) decodes them and applies them by the same code.
// The payload layouts are format: changing one breaks every existing file.

// record is one change to the store.
type record interface {
	op() aof.Op
	// appendPayload appends the record's payload (appendRecord frames it).
	appendPayload(b []byte) []byte
	// apply makes the change in the store; run by one goroutine at a time
	// (the committer, or replay), in log order.
	apply(s *Store) error
}

// appendRecord appends r framed as an append-only file record.
func appendRecord(b []byte, r record) []byte {
	b, start := aof.Begin(b, r.op())
	return aof.Finish(r.appendPayload(b), start)
}

// decodeRecord decodes one record's payload; features says how many
// features it carries (for the replay report).
func decodeRecord(op aof.Op, payload []byte) (rec record, features int, err error) {
	r := reader{b: payload}
	name := string(r.str())
	switch op {
	case opCreate:
		rec = &createRecord{name: name, title: string(r.str()), desc: string(r.str()), version: r.uvarint()}
	case opDrop:
		rec = &dropRecord{name: name}
	case opPut:
		f, err := r.feature()
		if err != nil {
			return nil, 0, err
		}
		rec, features = &putRecord{collection: name, f: f}, 1
	case opDelete:
		rec = &deleteRecord{collection: name, version: r.uvarint(), id: string(r.str())}
	case opBulk:
		count := r.uvarint()
		if r.err != nil || count > uint64(len(payload)) {
			return nil, 0, errShort
		}
		fs := make([]*Feature, count)
		for i := range fs {
			if fs[i], err = r.feature(); err != nil {
				return nil, 0, err
			}
		}
		rec, features = &bulkRecord{collection: name, fs: fs}, len(fs)
	case opFloor:
		if name != "" {
			return nil, 0, fmt.Errorf("a floor record names collection %q", name)
		}
		rec = &floorRecord{floor: r.uvarint()}
	case opAt:
		if name != "" {
			return nil, 0, fmt.Errorf("a position record names collection %q", name)
		}
		rec = &atRecord{pos: r.uvarint()}
	case opKey:
		k := &keyRecord{collection: name, key: string(r.str()), r: &Remembered{}}
		copy(k.r.Sum[:], r.bytes(sha256.Size))
		k.r.At = time.Unix(0, int64(r.uvarint()))
		k.r.Answer = append([]byte(nil), r.str()...)
		rec = k
	default:
		return nil, 0, fmt.Errorf("unknown operation %d", op)
	}
	if r.err == nil && len(r.b) > 0 {
		return nil, 0, fmt.Errorf("%d bytes after the record's fields", len(r.b))
	}
	return rec, features, r.err
}

// collectionOf is the collection a record names, as the log left it.
func (s *Store) collectionOf(name string) (*Collection, error) {
	if c := s.Collection(name); c != nil {
		return c, nil
	}
	return nil, fmt.Errorf("collection %q does not exist", name)
}

// createRecord makes a collection, or sets its title and description:
// name, title, description, the collection's last version.
type createRecord struct {
	name, title, desc string
	version           uint64
	c                 *Collection // the committer's: the collection it made (nil: make one)
}

func (r *createRecord) op() aof.Op { return opCreate }

func (r *createRecord) appendPayload(b []byte) []byte {
	b = appendString(b, r.name)
	b = appendString(b, r.title)
	b = appendString(b, r.desc)
	return appendUvarint(b, r.version)
}

func (r *createRecord) apply(s *Store) error {
	c := s.Collection(r.name)
	switch {
	case c != nil:
		c.setMeta(r.title, r.desc)
	case r.c != nil:
		c = r.c
		s.add(c)
	default:
		c = newCollection(s, r.name, r.title, r.desc)
		s.add(c)
	}
	c.version = max(c.version, r.version)
	return nil
}

// dropRecord removes a collection with its features: name.
type dropRecord struct{ name string }

func (r *dropRecord) op() aof.Op                    { return opDrop }
func (r *dropRecord) appendPayload(b []byte) []byte { return appendString(b, r.name) }

func (r *dropRecord) apply(s *Store) error {
	c, err := s.collectionOf(r.name)
	if err == nil {
		s.remove(c)
	}
	return err
}

// putRecord creates or replaces a feature: collection, feature.
type putRecord struct {
	collection string
	f          *Feature
	created    *bool // not logged: where a live put notes whether it was new
}

func (r *putRecord) op() aof.Op { return opPut }

func (r *putRecord) appendPayload(b []byte) []byte {
	return appendFeature(appendString(b, r.collection), r.f)
}

func (r *putRecord) apply(s *Store) error {
	c, err := s.collectionOf(r.collection)
	if err != nil {
		return err
	}
	created := c.put(r.f)
	if r.created != nil {
		*r.created = created
	}
	c.version = max(c.version, r.f.version)
	return nil
}

// deleteRecord removes a feature: collection, the delete's version, id.
type deleteRecord struct {
	collection string
	version    uint64
	id         string
}

func (r *deleteRecord) op() aof.Op { return opDelete }

func (r *deleteRecord) appendPayload(b []byte) []byte {
	b = appendString(b, r.collection)
	b = appendUvarint(b, r.version)
	return appendString(b, r.id)
}

func (r *deleteRecord) apply(s *Store) error {
	c, err := s.collectionOf(r.collection)
	if err != nil {
		return err
	}
	c.delete(r.id, r.version)
	c.version = max(c.version, r.version)
	return nil
}

// bulkRecord inserts new features, seen whole or not at all: collection,
// count, features.
type bulkRecord struct {
	collection string
	fs         []*Feature
}

func (r *bulkRecord) op() aof.Op { return opBulk }

func (r *bulkRecord) appendPayload(b []byte) []byte {
	b = appendString(b, r.collection)
	b = appendUvarint(b, uint64(len(r.fs)))
	for _, f := range r.fs {
		b = appendFeature(b, f)
	}
	return b
}

func (r *bulkRecord) apply(s *Store) error {
	c, err := s.collectionOf(r.collection)
	if err != nil {
		return err
	}
	for _, f := range r.fs {
		c.version = max(c.version, f.version)
	}
	c.insert(r.fs)
	return nil
}

// floorRecord heads a compacted file: "" (no collection), then the highest
// version a dropped collection gave out, which the compacted file would
// otherwise forget. A collection made anew starts above it, so that an
// ETag never names two contents of one feature over the store's life.
type floorRecord struct{ floor uint64 }

func (r *floorRecord) op() aof.Op { return opFloor }

func (r *floorRecord) appendPayload(b []byte) []byte {
	return appendUvarint(appendString(b, ""), r.floor)
}

func (r *floorRecord) apply(s *Store) error {
	s.dropFloor = max(s.dropFloor, r.floor)
	return nil
}

// keyRecord remembers the answer of a write made once (once.go):
// collection, key, the request's fingerprint, when (Unix nanoseconds), the
// answer.
type keyRecord struct {
	collection, key string
	r               *Remembered
}

func (r *keyRecord) op() aof.Op { return opKey }

func (r *keyRecord) appendPayload(b []byte) []byte {
	b = appendString(b, r.collection)
	b = appendString(b, r.key)
	b = append(b, r.r.Sum[:]...)
	b = appendUvarint(b, uint64(r.r.At.UnixNano()))
	return appendString(b, r.r.Answer)
}

func (r *keyRecord) apply(s *Store) error {
	s.keys.put(r.key, r.r, s.opts.MaxKeys)
	return nil
}

// atRecord heads a replica's snapshot: "" (no collection), then the
// position in the shared log of the last batch the snapshot holds; the
// replica follows the log from the one after.
type atRecord struct{ pos uint64 }

func (r *atRecord) op() aof.Op { return opAt }

func (r *atRecord) appendPayload(b []byte) []byte {
	return appendUvarint(appendString(b, ""), r.pos)
}

func (r *atRecord) apply(s *Store) error {
	s.applied.Store(r.pos)
	return nil
}
