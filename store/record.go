package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/geometryos/daemon1/store/aof"
	"github.com/tidwall/geojson"
	"github.com/tidwall/geojson/geometry"
)

// The operations the append-only file records (records.go has each one's
// payload, decoder and apply). A put carries the whole feature as stored (a
// patch is recorded as its result), and every record carries the versions
// it gave out, so that replay rebuilds the same ETags, also from a
// compacted file. These numbers are format.
const (
	opCreate aof.Op = 1 // createRecord
	opDrop   aof.Op = 2 // dropRecord
	opPut    aof.Op = 3 // putRecord
	opDelete aof.Op = 4 // deleteRecord
	opBulk   aof.Op = 5 // bulkRecord
	opFloor  aof.Op = 6 // floorRecord
	opKey    aof.Op = 7 // keyRecord
	opAt     aof.Op = 8 // atRecord
)

// Feature flags in a record.
const (
	flagNumeric = 1 << iota // the id is a JSON number
	flagPoint               // a plain 2D point: two float64s instead of JSON
)

func appendUvarint(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }

func appendString[S ~string | ~[]byte](b []byte, s S) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendFeature appends f as a record's feature: version, flags, id, the
// point's two numbers or the geometry's JSON, the properties' JSON.
func appendFeature(b []byte, f *Feature) []byte {
	b = appendUvarint(b, f.version)
	var flags byte
	if f.numeric {
		flags |= flagNumeric
	}
	lon, lat, point := f.Point()
	if point {
		flags |= flagPoint
	}
	b = append(b, flags)
	b = appendString(b, f.ID())
	if point {
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(lon))
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(lat))
	} else {
		b = appendString(b, f.GeometryJSON())
	}
	return appendString(b, f.Properties())
}

// reader decodes a record's payload; the first error sticks.
type reader struct {
	b   []byte
	err error
}

var errShort = errors.New("record payload too short")

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errShort
		return 0
	}
	if n > 1 && r.b[n-1] == 0 {
		r.err = errors.New("a number is not in its shortest encoding")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.b) {
		r.err = errShort
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) str() []byte { return r.bytes(int(r.uvarint())) }

func (r *reader) byte() byte {
	if b := r.bytes(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *reader) float() float64 {
	if b := r.bytes(8); b != nil {
		return math.Float64frombits(binary.BigEndian.Uint64(b))
	}
	return 0
}

// feature decodes a feature written by appendFeature. Its geometry was
// checked when it was first written: only parsed here.
func (r *reader) feature() (*Feature, error) {
	version := r.uvarint()
	flags := r.byte()
	if flags&^(flagNumeric|flagPoint) != 0 && r.err == nil {
		r.err = fmt.Errorf("unknown feature flags %#x", flags)
	}
	id := r.str()
	var geom geojson.Object
	var geomJSON []byte
	if flags&flagPoint != 0 {
		lon, lat := r.float(), r.float()
		geom = geojson.NewPoint(geometry.Point{X: lon, Y: lat})
	} else {
		geomJSON = r.str()
	}
	props := r.str()
	if r.err != nil {
		return nil, r.err
	}
	if geomJSON != nil && string(geomJSON) != nullGeometry {
		var err error
		if geom, err = geojson.Parse(string(geomJSON), parseOptions); err != nil {
			return nil, fmt.Errorf("feature %q: %w", id, err)
		}
	}
	return newFeature(string(id), flags&flagNumeric != 0, geom, geomJSON, props, version), nil
}
