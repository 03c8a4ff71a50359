package store

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	gojson "github.com/goccy/go-json"
	"github.com/tidwall/geojson"
)

// MaxIDBytes bounds a feature id.
const MaxIDBytes = 256

// Feature is one stored feature. It is immutable once stored: a write
// replaces it with a new Feature, so a reader may keep using the one it got.
//
// Its layout is for memory (a point feature costs about 48 bytes here plus
// its data and its parsed point): the id, the geometry's JSON and the
// properties' JSON share one string.
type Feature struct {
	data    string // the id, the geometry's JSON (none for a plain 2D point), the properties' JSON
	version uint64
	geom    geojson.Object
	geomEnd uint32 // data[idLen:geomEnd] is the geometry's JSON
	idLen   uint16
	numeric bool // the id was sent as a JSON number, and is answered as one
}

// ID returns the feature's id as text.
func (f *Feature) ID() string { return f.data[:f.idLen] }

// NumericID reports whether the id was sent as a JSON number.
func (f *Feature) NumericID() bool { return f.numeric }

// Version is the feature's version: it changes with every write to the
// feature (the API's ETag).
func (f *Feature) Version() uint64 { return f.version }

// Geometry returns the parsed geometry, for predicates, or nil for an
// unlocated feature (its geometry is null: listed, never found by a
// spatial query).
func (f *Feature) Geometry() geojson.Object { return f.geom }

// nullGeometry is the geometry JSON of an unlocated feature.
const nullGeometry = "null"

// Point returns the coordinates of a plain 2D point feature; ok is false
// for any other geometry, whose JSON GeometryJSON returns.
func (f *Feature) Point() (lon, lat float64, ok bool) {
	if f.geomEnd != uint32(f.idLen) {
		return 0, 0, false
	}
	c := f.geom.Center()
	return c.X, c.Y, true
}

// GeometryJSON returns the geometry's JSON as the client sent it
// (compacted), or "" for a plain 2D point (see Point).
func (f *Feature) GeometryJSON() string { return f.data[f.idLen:f.geomEnd] }

// Properties returns the properties' JSON (compacted; an object), or ""
// for null properties.
func (f *Feature) Properties() string { return f.data[f.geomEnd:] }

// Input is a parsed, validated feature ready to be stored.
type Input struct {
	ID      string // "" means: assign one
	Numeric bool
	Geom    geojson.Object
	// GeomJSON and Props are compacted JSON; Props is nil for null.
	GeomJSON []byte
	Props    []byte
}

func (in *Input) feature(version uint64) *Feature { return in.featureAs(in.ID, version) }

// featureAs is the feature of in under id (one the store made for it: in
// is left as it is, for a write checked again is run again).
func (in *Input) featureAs(id string, version uint64) *Feature {
	_, isPoint := in.Geom.(*geojson.Point)
	geomJSON := in.GeomJSON
	if isPoint && isPlainPoint(geomJSON) {
		geomJSON = nil
	}
	return newFeature(id, in.Numeric, in.Geom, geomJSON, in.Props, version)
}

// newFeature lays a feature out; geomJSON is nil for a plain 2D point.
func newFeature(id string, numeric bool, geom geojson.Object, geomJSON, props []byte, version uint64) *Feature {
	data := make([]byte, 0, len(id)+len(geomJSON)+len(props))
	data = append(append(append(data, id...), geomJSON...), props...)
	f := Feature{data: string(data), version: version, geom: geom, numeric: numeric,
		idLen: uint16(len(id)), geomEnd: uint32(len(id) + len(geomJSON))}
	if p, ok := geom.(*geojson.Point); ok {
		// A point lives beside its feature: a search that measures many
		// points misses the cache once per point, not twice.
		pf := &pointFeature{Feature: f, pt: *p}
		pf.geom = &pf.pt
		return &pf.Feature
	}
	return &f
}

// pointFeature is a point feature and its point in one allocation.
type pointFeature struct {
	Feature
	pt geojson.Point
}

// isPlainPoint reports whether a Point's compact JSON has only the members
// type and coordinates, and two numbers: then it is kept as its two
// coordinates alone and encoded from them (the same numbers, in their
// shortest form), which saves most of a point feature's memory. Two colons
// and two commas say exactly that, since a Point's type is the fixed
// string "Point".
func isPlainPoint(b []byte) bool {
	return bytes.Count(b, []byte(":")) == 2 && bytes.Count(b, []byte(",")) == 2
}

// InputError is a feature the store refuses: Path says where (a JSON path
// into the request body) and Reason what to fix. Geometry problems come as
// a *GeometryError instead.
type InputError struct {
	Path   string
	Reason string
}

func (e *InputError) Error() string {
	if e.Path == "" {
		return e.Reason
	}
	return e.Path + ": " + e.Reason
}

type rawFeature struct {
	Type       *string            `json:"type"`
	ID         gojson.RawMessage  `json:"id"`
	Geometry   gojson.RawMessage  `json:"geometry"`
	Properties gojson.RawMessage  `json:"properties"`
	Features   *gojson.RawMessage `json:"features"`
}

// ParseFeature parses raw as a GeoJSON Feature (RFC 7946 §3.2) with a
// geometry, or null for an unlocated feature (stored and listed, but not
// indexed: no spatial query finds it), and
// properties that are an object or null. path prefixes error paths
// ("features[3]" inside a bulk insert). It returns an *InputError or a
// *GeometryError (with path prefixed) for what it refuses.
// Its geometry may hold at most maxVertices positions (0: the default).
func ParseFeature(raw []byte, path string, maxVertices int) (*Input, error) {
	var rf rawFeature
	if err := gojson.Unmarshal(raw, &rf); err != nil {
		return nil, &InputError{Path: path, Reason: "must be a GeoJSON Feature object: " + err.Error()}
	}
	return rf.input(path, maxVertices)
}

func (rf *rawFeature) input(path string, maxVertices int) (*Input, error) {
	if rf.Type == nil || *rf.Type != "Feature" {
		got := "missing"
		if rf.Type != nil {
			got = strconv.Quote(*rf.Type)
		}
		return nil, &InputError{Path: join(path, "type"), Reason: fmt.Sprintf("must be \"Feature\", got %s", got)}
	}
	in := &Input{}
	if err := parseID(rf.ID, in); err != nil {
		return nil, &InputError{Path: join(path, "id"), Reason: err.Error()}
	}
	switch {
	case len(rf.Geometry) == 0:
		return nil, &InputError{Path: join(path, "geometry"), Reason: "is missing: give a geometry, or null for an unlocated feature"}
	case string(rf.Geometry) == "null":
		in.GeomJSON = []byte(nullGeometry) // unlocated (RFC 7946 §3.2)
	default:
		g, err := ParseGeometry(rf.Geometry, maxVertices)
		if err != nil {
			ge := err.(*GeometryError)
			return nil, &GeometryError{Path: join(join(path, "geometry"), ge.Path), Reason: ge.Reason}
		}
		in.Geom = g
		in.GeomJSON = compact(rf.Geometry)
	}
	var err error
	if in.Props, err = properties(rf.Properties, join(path, "properties")); err != nil {
		return nil, err
	}
	return in, nil
}

// properties checks the properties member raw (one JSON value, known to
// parse) and returns it compacted, or nil for null.
func properties(raw []byte, path string) ([]byte, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] != '{' {
		return nil, &InputError{Path: path, Reason: "must be an object or null"}
	}
	if err := CheckJSON(raw, path); err != nil {
		return nil, err
	}
	return compact(raw), nil
}

// parseID reads a feature id: a string of 1–MaxIDBytes bytes, or a number
// (kept as its text, answered as a number). Absent or null: none.
func parseID(raw []byte, in *Input) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if err := CheckJSON(raw, ""); err != nil {
		return errors.New(err.(*InputError).Reason) // before decoding replaces bad bytes
	}
	switch raw[0] {
	case '"':
		var s string
		if err := gojson.Unmarshal(raw, &s); err != nil {
			return fmt.Errorf("must be a string or a number: %v", err)
		}
		in.ID = s
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		in.ID, in.Numeric = string(compact(raw)), true
	default:
		return fmt.Errorf("must be a string or a number, got %s", clip(raw))
	}
	return CheckID(in.ID)
}

// CheckID checks a feature id: 1 to MaxIDBytes bytes of UTF-8 text with
// no control characters (ids appear in paths, headers and logs).
func CheckID(id string) error {
	if len(id) == 0 || len(id) > MaxIDBytes {
		return fmt.Errorf("must be 1 to %d bytes long, got %d", MaxIDBytes, len(id))
	}
	if !utf8.ValidString(id) {
		return errors.New("must be UTF-8 text (RFC 8259 §8.1)")
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c < 0x20 || c == 0x7f {
			return fmt.Errorf("must not hold control characters, found %q at byte %d", c, i)
		}
	}
	return nil
}

// compact returns raw, one well-formed JSON value, without insignificant
// white space, as a new slice (raw may point into a request buffer). It
// keeps members, their order and number texts as sent, as json.Compact
// does, without checking the syntax again (the parse did).
func compact(raw []byte) []byte {
	out := make([]byte, 0, len(raw))
	run, inString := 0, false // raw[run:i] is yet to be copied
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case inString && c == '\\':
			i++ // the escaped byte cannot end the string
		case c == '"':
			inString = !inString
		case !inString && (c == ' ' || c == '\t' || c == '\r' || c == '\n'):
			out = append(out, raw[run:i]...)
			run = i + 1
		}
	}
	return append(out, raw[run:]...)
}

func clip(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}
