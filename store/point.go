package store

import (
	"strconv"
	"unicode/utf8"

	gojson "github.com/goccy/go-json"

	"github.com/tidwall/geojson"
	"github.com/tidwall/geojson/geometry"
)

// Most features written are plain 2D points, and most of the cost of
// writing one was checking its geometry three times over (counting
// positions, checking types and ranges, then geojson's own parse). A
// geometry of exactly the form {"type":"Point","coordinates":[lon,lat]}
// (members in either order, white space anywhere JSON allows it, numbers
// in range) is read here in one pass. Anything else — a third number, a
// bbox, a foreign member, an error to explain — is left to ParseGeometry,
// which gives the same answer for what this accepts (FuzzPlainPoint).

// NewPointInput is the input of a feature id whose geometry is the 2D
// point (lon, lat) and whose properties are the JSON text props (an
// object, or null; empty means null), held to the rules ParseFeature
// applies and refused in the same words, without a GeoJSON text to read
// first: for the binary protocol, whose points come as coordinates.
func NewPointInput(id string, lon, lat float64, props []byte) (*Input, error) {
	if err := CheckID(id); err != nil {
		return nil, &InputError{Path: "id", Reason: err.Error()}
	}
	if !utf8.ValidString(id) {
		return nil, &InputError{Path: "id", Reason: "must be UTF-8"}
	}
	if err := checkPosition([]float64{lon, lat}, "geometry.coordinates"); err != nil {
		return nil, err
	}
	props = props[skipSpace(props, 0):]
	if len(props) > 0 && !gojson.Valid(props) {
		return nil, &InputError{Path: "properties", Reason: "must be an object or null: it is not one JSON value"}
	}
	for len(props) > 0 && isSpace(props[len(props)-1]) {
		props = props[:len(props)-1]
	}
	p, err := properties(props, "properties")
	if err != nil {
		return nil, err
	}
	return &Input{ID: id, Geom: geojson.NewPoint(geometry.Point{X: lon, Y: lat}), Props: p}, nil
}

// parsePlainPoint reads raw as a plain 2D Point geometry; ok is false when
// raw is anything else, or a point ParseGeometry must refuse.
func parsePlainPoint(raw []byte) (p *geojson.Point, ok bool) {
	s := scanner{raw: raw}
	var x, y float64
	typed, located := false, false
	if !s.byte('{') {
		return nil, false
	}
	for i := 0; i < 2; i++ {
		if i == 1 && !s.byte(',') {
			return nil, false
		}
		switch {
		case !typed && s.literal(`"type"`):
			if !s.byte(':') || !s.literal(`"Point"`) {
				return nil, false
			}
			typed = true
		case !located && s.literal(`"coordinates"`):
			if !s.byte(':') || !s.byte('[') {
				return nil, false
			}
			if x, ok = s.number(); !ok || !s.byte(',') {
				return nil, false
			}
			if y, ok = s.number(); !ok || !s.byte(']') {
				return nil, false
			}
			located = true
		default:
			return nil, false
		}
	}
	if !s.byte('}') || !s.end() {
		return nil, false
	}
	if x < -180 || x > 180 || y < -90 || y > 90 { // NaN cannot get here
		return nil, false
	}
	return geojson.NewPoint(geometry.Point{X: x, Y: y}), true
}

// scanner reads JSON tokens, skipping the white space before each.
type scanner struct {
	raw []byte
	i   int
}

func (s *scanner) space() { s.i = skipSpace(s.raw, s.i) }

// byte reads c.
func (s *scanner) byte(c byte) bool {
	s.space()
	if s.i < len(s.raw) && s.raw[s.i] == c {
		s.i++
		return true
	}
	return false
}

// literal reads lit as it is (a key or a string without escapes).
func (s *scanner) literal(lit string) bool {
	s.space()
	if len(s.raw)-s.i >= len(lit) && string(s.raw[s.i:s.i+len(lit)]) == lit {
		s.i += len(lit)
		return true
	}
	return false
}

// end reports whether only white space is left.
func (s *scanner) end() bool {
	s.space()
	return s.i == len(s.raw)
}

// number reads a JSON number (RFC 8259 §6) that a float64 holds.
func (s *scanner) number() (float64, bool) {
	s.space()
	start := s.i
	s.count(1, "-")
	switch n := s.count(0, "0123456789"); {
	case n == 0, n > 1 && s.raw[s.i-n] == '0':
		return 0, false
	}
	if s.count(1, ".") == 1 && s.count(0, "0123456789") == 0 {
		return 0, false
	}
	if s.count(1, "eE") == 1 {
		s.count(1, "+-")
		if s.count(0, "0123456789") == 0 {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(string(s.raw[start:s.i]), 64)
	return f, err == nil
}

// count reads up to limit (0: any number of) bytes that are in set and
// says how many it read.
func (s *scanner) count(limit int, set string) int {
	n := 0
	for s.i < len(s.raw) && (limit == 0 || n < limit) && containsByte(set, s.raw[s.i]) {
		s.i++
		n++
	}
	return n
}

func containsByte(set string, c byte) bool {
	for i := 0; i < len(set); i++ {
		if set[i] == c {
			return true
		}
	}
	return false
}
