package codec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	json "github.com/goccy/go-json"
)

// WKB (OGC Simple Features, "well-known binary") is how the binary
// protocol carries geometry. Read: either byte order, the seven types in
// 2D or with Z (ISO codes 1001–1007, or EWKB's Z flag); written:
// little-endian, ISO codes. M coordinates and EWKB SRIDs are refused: the
// coordinates are CRS84 longitude, latitude (and height).

// WKB geometry types.
const (
	wkbPoint = 1 + iota
	wkbLineString
	wkbPolygon
	wkbMultiPoint
	wkbMultiLineString
	wkbMultiPolygon
	wkbCollection
)

var wkbNames = [...]string{"", "Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon", "GeometryCollection"}

// maxWKBDepth bounds how deep geometry collections nest.
const maxWKBDepth = 8

// WKBPointLen is the length of a 2D point in WKB.
const WKBPointLen = 21

// AppendWKBPoint appends a 2D point as little-endian WKB (21 bytes).
func AppendWKBPoint(dst []byte, x, y float64) []byte {
	dst = append(dst, 1)
	dst = binary.LittleEndian.AppendUint32(dst, wkbPoint)
	dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(x))
	return binary.LittleEndian.AppendUint64(dst, math.Float64bits(y))
}

// WKBError says where a WKB geometry is malformed.
type WKBError struct {
	Offset int // of the byte where reading failed
	Reason string
}

func (e *WKBError) Error() string { return fmt.Sprintf("WKB at byte %d: %s", e.Offset, e.Reason) }

// AppendGeoJSONFromWKB appends the GeoJSON geometry of the WKB in b, which
// must be exactly one geometry. It returns a *WKBError for what it
// refuses; coordinates are only checked to be finite (the store checks
// their ranges, as it does for GeoJSON).
func AppendGeoJSONFromWKB(dst, b []byte) ([]byte, error) {
	r := wkbReader{b: b}
	dst = r.geometry(dst, 0)
	if r.err == nil && r.off != len(b) {
		r.fail(r.off, "bytes after the geometry")
	}
	if r.err != nil {
		return dst, r.err
	}
	return dst, nil
}

type wkbReader struct {
	b   []byte
	off int
	le  bool
	err *WKBError
}

func (r *wkbReader) fail(at int, format string, args ...any) {
	if r.err == nil {
		r.err = &WKBError{Offset: at, Reason: fmt.Sprintf(format, args...)}
	}
}

func (r *wkbReader) u32() uint32 {
	if r.err != nil || len(r.b)-r.off < 4 {
		r.fail(r.off, "it ends in the middle of a number")
		return 0
	}
	v := r.b[r.off : r.off+4]
	r.off += 4
	if r.le {
		return binary.LittleEndian.Uint32(v)
	}
	return binary.BigEndian.Uint32(v)
}

func (r *wkbReader) f64() float64 {
	at := r.off
	if r.err != nil || len(r.b)-r.off < 8 {
		r.fail(r.off, "it ends in the middle of a coordinate")
		return 0
	}
	v := r.b[r.off : r.off+8]
	r.off += 8
	var f float64
	if r.le {
		f = math.Float64frombits(binary.LittleEndian.Uint64(v))
	} else {
		f = math.Float64frombits(binary.BigEndian.Uint64(v))
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		r.fail(at, "a coordinate is not a finite number (an empty point, NaN, cannot be stored)")
		return 0
	}
	return f
}

// count reads a count of items at least min bytes each, which must fit
// in what is left: a huge count fails here, before anything is built.
func (r *wkbReader) count(min int) int {
	at := r.off
	n := r.u32()
	if r.err == nil && uint64(n)*uint64(min) > uint64(len(r.b)-r.off) {
		r.fail(at, "a count of %d does not fit in the %d bytes left", n, len(r.b)-r.off)
		return 0
	}
	return int(n)
}

// header reads a byte order and a type; it returns the type (1–7) and
// whether the coordinates have Z.
func (r *wkbReader) header() (typ int, z bool) {
	if r.off >= len(r.b) {
		r.fail(r.off, "it ends where a geometry should begin")
		return 0, false
	}
	switch r.b[r.off] {
	case 0:
		r.le = false
	case 1:
		r.le = true
	default:
		r.fail(r.off, "byte order %d: must be 0 (big-endian) or 1 (little-endian)", r.b[r.off])
		return 0, false
	}
	r.off++
	at := r.off
	t := r.u32()
	if t&0x20000000 != 0 {
		r.fail(at, "EWKB with an SRID is not supported: coordinates are CRS84; send OGC WKB")
		return 0, false
	}
	if t&0x40000000 != 0 {
		r.fail(at, "M coordinates are not supported")
		return 0, false
	}
	if t&0x80000000 != 0 {
		z, t = true, t&^0x80000000
	}
	switch {
	case t >= 1000 && t < 2000:
		z, t = true, t-1000
	case t >= 2000 && t < 4000:
		r.fail(at, "M coordinates are not supported (type %d)", t)
		return 0, false
	}
	if t < wkbPoint || t > wkbCollection {
		r.fail(at, "unknown geometry type %d", t)
		return 0, false
	}
	return int(t), z
}

func (r *wkbReader) position(dst []byte, z bool) []byte {
	dst = append(dst, '[')
	x, y := r.f64(), r.f64()
	if r.err != nil {
		return dst
	}
	dst = append(AppendFloat(dst, x), ',')
	dst = AppendFloat(dst, y)
	if z {
		if h := r.f64(); r.err == nil {
			dst = AppendFloat(append(dst, ','), h)
		}
	}
	return append(dst, ']')
}

func posLen(z bool) int {
	if z {
		return 24
	}
	return 16
}

// array reads a count of items at least size bytes each and appends them
// as a JSON array, each appended by item.
func (r *wkbReader) array(dst []byte, size int, item func(dst []byte) []byte) []byte {
	n := r.count(size)
	dst = append(dst, '[')
	for i := 0; i < n && r.err == nil; i++ {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = item(dst)
	}
	return append(dst, ']')
}

// positions appends a JSON array of positions.
func (r *wkbReader) positions(dst []byte, z bool) []byte {
	return r.array(dst, posLen(z), func(dst []byte) []byte { return r.position(dst, z) })
}

// rings appends a polygon's coordinates: an array of rings.
func (r *wkbReader) rings(dst []byte, z bool) []byte {
	return r.array(dst, 4, func(dst []byte) []byte { return r.positions(dst, z) })
}

// geometry appends one geometry, at depth in geometry collections.
func (r *wkbReader) geometry(dst []byte, depth int) []byte {
	typ, z := r.header()
	if r.err != nil {
		return dst
	}
	dst = append(dst, `{"type":"`...)
	dst = append(dst, wkbNames[typ]...)
	if typ == wkbCollection {
		if depth >= maxWKBDepth {
			r.fail(r.off, "geometry collections nest deeper than %d", maxWKBDepth)
			return dst
		}
		dst = append(dst, `","geometries":`...)
		dst = r.array(dst, 5, func(dst []byte) []byte { return r.geometry(dst, depth+1) })
		return append(dst, '}')
	}
	dst = append(dst, `","coordinates":`...)
	switch typ {
	case wkbPoint:
		dst = r.position(dst, z)
	case wkbLineString:
		dst = r.positions(dst, z)
	case wkbPolygon:
		dst = r.rings(dst, z)
	default: // the multi types: geometries of the single type
		single := typ - 3
		dst = r.array(dst, 5, func(dst []byte) []byte {
			at := r.off
			t, pz := r.header()
			switch {
			case r.err != nil:
			case t != single || pz != z:
				r.fail(at, "a %s holds a %s%s: each part must be a %s of the same dimensions", wkbNames[typ], wkbNames[t], zName(pz), wkbNames[single])
			case single == wkbPoint:
				dst = r.position(dst, z)
			case single == wkbLineString:
				dst = r.positions(dst, z)
			default:
				dst = r.rings(dst, z)
			}
			return dst
		})
	}
	return append(dst, '}')
}

func zName(z bool) string {
	if z {
		return " Z"
	}
	return ""
}

// geoJSONGeometry is a GeoJSON geometry as AppendWKBFromGeoJSON reads it.
type geoJSONGeometry struct {
	Type        string            `json:"type"`
	Coordinates json.RawMessage   `json:"coordinates"`
	Geometries  []json.RawMessage `json:"geometries"`
}

// AppendWKBFromGeoJSON appends the little-endian WKB of a GeoJSON geometry
// (as the store keeps it: valid, compact). A geometry with any position of
// three coordinates is written with Z (ISO codes); a missing Z is 0.
func AppendWKBFromGeoJSON(dst, geom []byte) ([]byte, error) {
	var g geoJSONGeometry
	if err := json.Unmarshal(geom, &g); err != nil {
		return dst, fmt.Errorf("cannot read GeoJSON geometry: %w", err)
	}
	typ := 0
	for i, name := range wkbNames {
		if i > 0 && name == g.Type {
			typ = i
		}
	}
	if typ == 0 {
		return dst, fmt.Errorf("cannot write a GeoJSON %q as WKB", g.Type)
	}
	if typ == wkbCollection {
		dst = append(dst, 1)
		dst = binary.LittleEndian.AppendUint32(dst, wkbCollection)
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(g.Geometries)))
		for _, sub := range g.Geometries {
			var err error
			if dst, err = AppendWKBFromGeoJSON(dst, sub); err != nil {
				return dst, err
			}
		}
		return dst, nil
	}
	var c coords
	if err := json.Unmarshal(g.Coordinates, &c); err != nil {
		return dst, fmt.Errorf("cannot read the coordinates of a GeoJSON %s: %w", g.Type, err)
	}
	z := c.hasZ()
	return appendWKBCoords(dst, typ, z, &c), nil
}

// coords is a coordinates member of any depth: a position (Pos), or an
// array of coords (Parts).
type coords struct {
	Pos   []float64
	Parts []coords
}

func (c *coords) UnmarshalJSON(b []byte) error {
	if len(b) > 1 && b[0] == '[' {
		i := 1
		for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
			i++
		}
		if i < len(b) && b[i] == '[' {
			return json.Unmarshal(b, &c.Parts)
		}
	}
	return json.Unmarshal(b, &c.Pos)
}

func (c *coords) hasZ() bool {
	if len(c.Pos) >= 3 {
		return true
	}
	for i := range c.Parts {
		if c.Parts[i].hasZ() {
			return true
		}
	}
	return false
}

func appendWKBHeader(dst []byte, typ int, z bool) []byte {
	if z {
		typ += 1000
	}
	return binary.LittleEndian.AppendUint32(append(dst, 1), uint32(typ))
}

func appendWKBPos(dst []byte, p []float64, z bool) []byte {
	for i := 0; i < 2; i++ {
		v := 0.0
		if i < len(p) {
			v = p[i]
		}
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(v))
	}
	if z {
		h := 0.0
		if len(p) >= 3 {
			h = p[2]
		}
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(h))
	}
	return dst
}

func appendWKBCoords(dst []byte, typ int, z bool, c *coords) []byte {
	dst = appendWKBHeader(dst, typ, z)
	switch typ {
	case wkbPoint:
		return appendWKBPos(dst, c.Pos, z)
	case wkbLineString:
		return appendWKBPositions(dst, c, z)
	case wkbPolygon:
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(c.Parts)))
		for i := range c.Parts {
			dst = appendWKBPositions(dst, &c.Parts[i], z)
		}
		return dst
	}
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(c.Parts)))
	for i := range c.Parts {
		dst = appendWKBCoords(dst, typ-3, z, &c.Parts[i])
	}
	return dst
}

func appendWKBPositions(dst []byte, c *coords, z bool) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(c.Parts)))
	for i := range c.Parts {
		dst = appendWKBPos(dst, c.Parts[i].Pos, z)
	}
	return dst
}

// ErrNotWKB is returned by ReadWKBPoint for WKB that is not a 2D point.
var ErrNotWKB = errors.New("not a 2D WKB point")

// ReadWKBPoint reads a 2D WKB point of either byte order, with finite
// coordinates.
func ReadWKBPoint(b []byte) (x, y float64, err error) {
	if len(b) != WKBPointLen {
		return 0, 0, ErrNotWKB
	}
	var order binary.ByteOrder = binary.LittleEndian
	switch b[0] {
	case 0:
		order = binary.BigEndian
	case 1:
	default:
		return 0, 0, ErrNotWKB
	}
	if order.Uint32(b[1:]) != wkbPoint {
		return 0, 0, ErrNotWKB
	}
	x, y = math.Float64frombits(order.Uint64(b[5:])), math.Float64frombits(order.Uint64(b[13:]))
	if math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) {
		return 0, 0, ErrNotWKB
	}
	return x, y, nil
}
