package store

import (
	"fmt"
	"strconv"

	json "github.com/goccy/go-json"
	"github.com/tidwall/geojson"
	"github.com/tidwall/geojson/geometry"
)

// GeometryError says what is wrong with a geometry and where, in words a
// client can act on: Path is a JSON path into the geometry object
// ("coordinates[0][3]", "geometries[1].coordinates"), Reason what to fix.
// The API answers it with 422 and /problems/invalid-geometry.
type GeometryError struct {
	Path   string
	Reason string
}

func (e *GeometryError) Error() string {
	if e.Path == "" {
		return e.Reason
	}
	return e.Path + ": " + e.Reason
}

// DefaultMaxVertices caps the positions of one geometry unless the caller
// says otherwise.
const DefaultMaxVertices = 100000

// maxCollectionDepth bounds GeometryCollections nested in one another
// (RFC 7946 §3.1.8 discourages nesting them at all).
const maxCollectionDepth = 8

var parseOptions = &geojson.ParseOptions{
	IndexChildren:     64,
	IndexGeometry:     64,
	IndexGeometryKind: geometry.QuadTree,
	RequireValid:      true,
	DisableCircleType: true, // a Tile38 extension, not GeoJSON
}

// ParseGeometry checks raw as a GeoJSON geometry object (RFC 7946 §3.1):
// one of Point, MultiPoint, LineString, MultiLineString, Polygon (with
// holes), MultiPolygon, GeometryCollection; positions of longitude, latitude
// and an optional altitude, in WGS 84 ranges; lines of at least two
// positions; closed rings of at least four. It returns the geometry, ready
// for spatial predicates, or a *GeometryError.
//
// A geometry of more than maxVertices positions is refused before it is
// decoded (0: DefaultMaxVertices): its cost grows with its size, and it
// would be indexed whole.
func ParseGeometry(raw []byte, maxVertices int) (geojson.Object, error) {
	if p, ok := parsePlainPoint(raw); ok {
		return p, nil
	}
	return parseGeometry(raw, maxVertices)
}

// parseGeometry is ParseGeometry without the plain point's short cut.
func parseGeometry(raw []byte, maxVertices int) (geojson.Object, error) {
	if maxVertices <= 0 {
		maxVertices = DefaultMaxVertices
	}
	if n := countPositions(raw); n > maxVertices {
		return nil, &GeometryError{Reason: fmt.Sprintf("has %d positions, more than the %d accepted (daemon1's -max-vertices): simplify it or split it", n, maxVertices)}
	}
	if err := checkGeometry(raw, "", 0); err != nil {
		return nil, err
	}
	obj, err := geojson.Parse(string(raw), parseOptions)
	if err != nil {
		// The checks above should have caught whatever geojson refuses.
		return nil, &GeometryError{Reason: "not a valid GeoJSON geometry: " + err.Error()}
	}
	return obj, nil
}

type rawGeometry struct {
	Type        *string           `json:"type"`
	Coordinates json.RawMessage   `json:"coordinates"`
	Geometries  []json.RawMessage `json:"geometries"`
}

func checkGeometry(raw []byte, path string, depth int) error {
	var g rawGeometry
	if err := json.Unmarshal(raw, &g); err != nil {
		return &GeometryError{Path: path, Reason: "must be a GeoJSON geometry object: " + err.Error()}
	}
	if g.Type == nil {
		return &GeometryError{Path: join(path, "type"), Reason: "is missing"}
	}
	typ := *g.Type
	if typ == "GeometryCollection" {
		if depth >= maxCollectionDepth {
			return &GeometryError{Path: path, Reason: fmt.Sprintf("GeometryCollections are nested more than %d deep", maxCollectionDepth)}
		}
		if g.Geometries == nil {
			return &GeometryError{Path: join(path, "geometries"), Reason: "is missing: a GeometryCollection needs an array of geometries"}
		}
		for i, child := range g.Geometries {
			if err := checkGeometry(child, index(join(path, "geometries"), i), depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	c := &coords{path: join(path, "coordinates"), raw: g.Coordinates}
	if len(g.Coordinates) == 0 || string(g.Coordinates) == "null" {
		return &GeometryError{Path: c.path, Reason: "is missing"}
	}
	switch typ {
	case "Point":
		var p []float64
		if err := c.decode(&p, "a position [longitude, latitude]"); err != nil {
			return err
		}
		return checkPosition(p, c.path)
	case "MultiPoint":
		var ps [][]float64
		if err := c.decode(&ps, "an array of positions"); err != nil {
			return err
		}
		return checkPositions(ps, c.path)
	case "LineString":
		var ps [][]float64
		if err := c.decode(&ps, "an array of positions"); err != nil {
			return err
		}
		return checkLine(ps, c.path)
	case "MultiLineString":
		var ls [][][]float64
		if err := c.decode(&ls, "an array of lines (arrays of positions)"); err != nil {
			return err
		}
		for i, l := range ls {
			if err := checkLine(l, index(c.path, i)); err != nil {
				return err
			}
		}
		return nil
	case "Polygon":
		var rings [][][]float64
		if err := c.decode(&rings, "an array of linear rings (arrays of positions)"); err != nil {
			return err
		}
		return checkPolygon(rings, c.path, "polygon")
	case "MultiPolygon":
		var polys [][][][]float64
		if err := c.decode(&polys, "an array of polygons (arrays of linear rings)"); err != nil {
			return err
		}
		for i, rings := range polys {
			if err := checkPolygon(rings, index(c.path, i), "polygon "+strconv.Itoa(i)); err != nil {
				return err
			}
		}
		return nil
	}
	return &GeometryError{Path: join(path, "type"), Reason: fmt.Sprintf("%q is not a geometry type: want Point, MultiPoint, LineString, "+
		"MultiLineString, Polygon, MultiPolygon or GeometryCollection", typ)}
}

// coords decodes a coordinates member into the nesting its type needs.
type coords struct {
	path string
	raw  json.RawMessage
}

func (c *coords) decode(dst any, want string) error {
	// Only brackets, numbers and separators: json would read null as 0.
	for _, b := range c.raw {
		if !coordByte[b] {
			return &GeometryError{Path: c.path, Reason: "must be " + want + " of numbers"}
		}
	}
	if err := json.Unmarshal(c.raw, dst); err != nil {
		return &GeometryError{Path: c.path, Reason: "must be " + want + " of numbers"}
	}
	return nil
}

var coordByte = func() (set [256]bool) {
	for _, b := range []byte("[],.+-eE0123456789 \t\r\n") {
		set[b] = true
	}
	return set
}()

func checkPosition(p []float64, path string) error {
	switch {
	case len(p) < 2:
		return &GeometryError{Path: path, Reason: fmt.Sprintf("a position needs longitude and latitude, got %d number(s)", len(p))}
	case len(p) > 3:
		return &GeometryError{Path: path, Reason: fmt.Sprintf("a position has at most 3 numbers (longitude, latitude, altitude), got %d", len(p))}
	case p[0] < -180 || p[0] > 180:
		return &GeometryError{Path: path, Reason: fmt.Sprintf("longitude %g is outside [-180, 180]", p[0])}
	case p[1] < -90 || p[1] > 90:
		return &GeometryError{Path: path, Reason: fmt.Sprintf("latitude %g is outside [-90, 90]", p[1])}
	}
	return nil
}

func checkPositions(ps [][]float64, path string) error {
	for i, p := range ps {
		if err := checkPosition(p, index(path, i)); err != nil {
			return err
		}
	}
	return nil
}

func checkLine(ps [][]float64, path string) error {
	if len(ps) < 2 {
		return &GeometryError{Path: path, Reason: fmt.Sprintf("a line needs at least 2 positions, got %d", len(ps))}
	}
	return checkPositions(ps, path)
}

// checkPolygon checks the linear rings of a polygon (RFC 7946 §3.1.6): the
// exterior ring first, then holes; each closed, of at least 4 positions.
func checkPolygon(rings [][][]float64, path, name string) error {
	if len(rings) == 0 {
		return &GeometryError{Path: path, Reason: name + " has no rings: it needs at least its exterior ring"}
	}
	for i, ring := range rings {
		rpath := index(path, i)
		if err := checkPositions(ring, rpath); err != nil {
			return err
		}
		if len(ring) < 4 {
			return &GeometryError{Path: rpath, Reason: fmt.Sprintf("%s ring %d has %d positions: a linear ring needs at least 4, the last equal to the first", name, i, len(ring))}
		}
		first, last := ring[0], ring[len(ring)-1]
		if first[0] != last[0] || first[1] != last[1] || len(first) != len(last) || len(first) == 3 && first[2] != last[2] {
			return &GeometryError{Path: rpath, Reason: fmt.Sprintf("%s ring %d is not closed: its last position %v must equal its first %v", name, i, last, first)}
		}
	}
	return nil
}

func join(path, member string) string {
	if path == "" {
		return member
	}
	return path + "." + member
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }
