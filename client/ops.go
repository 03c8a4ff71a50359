package client

import (
	"context"
	"encoding/json"

	"github.com/geometryos/daemon1/codec"
)

// Feature is a feature as the protocol carries it.
type Feature struct {
	ID         string
	Version    uint64          // the REST ETag's number; set in answers
	Geometry   []byte          // WKB; empty for a feature without one
	Properties json.RawMessage // a JSON object; empty for null
	Distance   float64         // metres, in the answers of Nearby
}

// Point is the WKB of a point (21 bytes).
func Point(lon, lat float64) []byte { return codec.AppendWKBPoint(nil, lon, lat) }

// Page is a page of a search: Next resumes after it ("" on the last page).
type Page struct {
	Features []Feature
	Next     string
}

// Ping sends payload and waits for it to come back.
func (c *Client) Ping(ctx context.Context, payload []byte) ([]byte, error) {
	call, err := c.do(ctx, codec.OpPing, payload)
	return call.Payload, err
}

// Get fetches one feature.
func (c *Client) Get(ctx context.Context, coll, id string) (Feature, error) {
	call, err := c.do(ctx, codec.OpGet, appendStrs(nil, coll, id))
	if err != nil {
		return Feature{}, err
	}
	in := codec.NewFields(call.Payload)
	f := Feature{ID: id, Version: in.U64()}
	f.Geometry, f.Properties = orNil(in.Bytes32()), orNil(in.Bytes32())
	return f, in.Done()
}

// Match is a write's expected current version (the REST If-Match): 0
// writes whatever is there.
type Match uint64

func appendMatch(dst []byte, m Match) []byte {
	if m == 0 {
		return append(dst, 0)
	}
	return codec.AppendU64(append(dst, 1), uint64(m))
}

// PutPayload is the payload of a put frame, for Go.
func PutPayload(coll string, f Feature, expect Match) []byte {
	b := appendMatch(nil, expect)
	b = appendStrs(b, coll, f.ID)
	b = codec.AppendBytes32(b, f.Geometry)
	return codec.AppendBytes32(b, f.Properties)
}

// PutAsync sends a put (create or replace) of f; Version reads its answer.
func (c *Client) PutAsync(ctx context.Context, coll string, f Feature, expect Match) *Call {
	return c.Go(ctx, codec.OpPut, PutPayload(coll, f, expect))
}

// Version is the version a write's answer carries, and whether it
// created its feature.
func (call *Call) Version() (version uint64, created bool, err error) {
	if call.Err != nil {
		return 0, false, call.Err
	}
	in := codec.NewFields(call.Payload)
	v := in.U64()
	return v, call.Status == codec.StatusCreated, in.Done()
}

// Put creates or replaces f, once durable; it returns f's new version.
func (c *Client) Put(ctx context.Context, coll string, f Feature, expect Match) (version uint64, created bool, err error) {
	call, err := c.do(ctx, codec.OpPut, PutPayload(coll, f, expect))
	if err != nil {
		return 0, false, err
	}
	return call.Version()
}

// PutAll pipelines a put of every feature and waits for all: errs[i] is
// the error of fs[i] (nil, for a success), err the first of them.
func (c *Client) PutAll(ctx context.Context, coll string, fs []Feature) (versions []uint64, errs []error, err error) {
	calls := make([]*Call, len(fs))
	for i := range fs {
		calls[i] = c.PutAsync(ctx, coll, fs[i], 0)
	}
	versions, errs = make([]uint64, len(fs)), make([]error, len(fs))
	for i, call := range calls {
		if errs[i] = call.Wait(ctx); errs[i] == nil {
			versions[i], _, errs[i] = call.Version()
		}
		if err == nil {
			err = errs[i]
		}
	}
	return versions, errs, err
}

// Delete deletes a feature.
func (c *Client) Delete(ctx context.Context, coll, id string, expect Match) error {
	_, err := c.do(ctx, codec.OpDelete, appendStrs(appendMatch(nil, expect), coll, id))
	return err
}

// Insert inserts fs, all or nothing (a feature without an ID gets one).
func (c *Client) Insert(ctx context.Context, coll string, fs []Feature) (int, error) {
	call, err := c.do(ctx, codec.OpInsert, appendBulk(nil, coll, fs))
	if err != nil {
		return 0, err
	}
	in := codec.NewFields(call.Payload)
	n := in.U32()
	return int(n), in.Done()
}

// IfExists says what InsertIf does with a feature whose id is taken.
type IfExists byte

// The modes of InsertIf (REST: POST …/items?if-exists=).
const (
	IfExistsFail    IfExists = 0 // the whole insert is refused (IsConflict)
	IfExistsSkip    IfExists = 1 // the stored feature stays
	IfExistsReplace IfExists = 2 // it is replaced (an upsert)
)

// Inserted counts what InsertIf did.
type Inserted struct{ Inserted, Skipped, Replaced int }

// InsertIf inserts fs, all or nothing, doing with the ids that are taken
// what mode says. Under IfExistsSkip or IfExistsReplace, sending the same
// features again changes nothing more: a retry after ErrConnLost is safe.
func (c *Client) InsertIf(ctx context.Context, coll string, mode IfExists, fs []Feature) (Inserted, error) {
	call, err := c.do(ctx, codec.OpInsertIf, appendBulk([]byte{byte(mode)}, coll, fs))
	if err != nil {
		return Inserted{}, err
	}
	in := codec.NewFields(call.Payload)
	r := Inserted{Inserted: int(in.U32()), Skipped: int(in.U32()), Replaced: int(in.U32())}
	return r, in.Done()
}

// appendBulk appends an insert's coll str16, n u32, n × (id, wkb, props).
func appendBulk(dst []byte, coll string, fs []Feature) []byte {
	dst = codec.AppendStr16(dst, coll)
	dst = codec.AppendU32(dst, uint32(len(fs)))
	for _, f := range fs {
		dst = codec.AppendStr16(dst, f.ID)
		dst = codec.AppendBytes32(dst, f.Geometry)
		dst = codec.AppendBytes32(dst, f.Properties)
	}
	return dst
}

// CreateCollection makes a collection (or retitles the one there is) and
// reports whether it made it.
func (c *Client) CreateCollection(ctx context.Context, coll, title, description string) (created bool, err error) {
	call, err := c.do(ctx, codec.OpCreateColl, appendStrs(nil, coll, title, description))
	return err == nil && call.Status == codec.StatusCreated, err
}

// DropCollection drops a collection and its features.
func (c *Client) DropCollection(ctx context.Context, coll string) error {
	_, err := c.do(ctx, codec.OpDropColl, appendStrs(nil, coll))
	return err
}

// Nearby finds the k nearest features to (lon, lat), nearest first,
// within radius metres (0: any distance); cursor resumes a Page's Next.
func (c *Client) Nearby(ctx context.Context, coll string, lon, lat float64, k int, radius float64, cursor string) (Page, error) {
	b := searchHead(coll, k, cursor)
	b = codec.AppendF64(codec.AppendF64(codec.AppendF64(b, lon), lat), radius)
	return c.search(ctx, codec.OpNearby, b)
}

// Within finds the features within a geometry (WKB).
func (c *Client) Within(ctx context.Context, coll string, wkb []byte, limit int, cursor string) (Page, error) {
	return c.search(ctx, codec.OpWithin, codec.AppendBytes32(searchHead(coll, limit, cursor), wkb))
}

// Intersects finds the features intersecting a geometry (WKB).
func (c *Client) Intersects(ctx context.Context, coll string, wkb []byte, limit int, cursor string) (Page, error) {
	return c.search(ctx, codec.OpIntersects, codec.AppendBytes32(searchHead(coll, limit, cursor), wkb))
}

// BBox finds the features intersecting a box.
func (c *Client) BBox(ctx context.Context, coll string, minLon, minLat, maxLon, maxLat float64, limit int, cursor string) (Page, error) {
	b := searchHead(coll, limit, cursor)
	for _, v := range []float64{minLon, minLat, maxLon, maxLat} {
		b = codec.AppendF64(b, v)
	}
	return c.search(ctx, codec.OpBBox, b)
}

func searchHead(coll string, limit int, cursor string) []byte {
	b := codec.AppendStr16(nil, coll)
	b = codec.AppendU32(b, uint32(max(limit, 0)))
	return codec.AppendStr16(b, cursor)
}

func (c *Client) search(ctx context.Context, op byte, payload []byte) (Page, error) {
	call, err := c.do(ctx, op, payload)
	if err != nil {
		return Page{}, err
	}
	return ReadPage(call.Payload, op == codec.OpNearby)
}

// ReadPage decodes a search answer's payload; nearby answers carry
// distances.
func ReadPage(payload []byte, nearby bool) (Page, error) {
	in := codec.NewFields(payload)
	n := in.U32()
	if uint64(n)*14 > uint64(len(in.Rest())) {
		return Page{}, codec.ErrShortPayload
	}
	p := Page{Features: make([]Feature, n)}
	for i := range p.Features {
		f := &p.Features[i]
		f.ID, f.Version = string(in.Str16()), in.U64()
		if nearby {
			f.Distance = in.F64()
		}
		f.Geometry, f.Properties = orNil(in.Bytes32()), orNil(in.Bytes32())
	}
	p.Next = string(in.Str16())
	return p, in.Done()
}

// orNil is b, or nil when empty: no geometry, null properties.
func orNil(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

func appendStrs(dst []byte, ss ...string) []byte {
	for _, s := range ss {
		dst = codec.AppendStr16(dst, s)
	}
	return dst
}
