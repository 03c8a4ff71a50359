package cql2

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Geometry literals beyond POINT and BBOX: WKT in the text encoding
// (LINESTRING, POLYGON, MULTIPOINT, MULTILINESTRING, MULTIPOLYGON and
// GEOMETRYCOLLECTION), a GeoJSON geometry in the JSON encoding. The tree
// keeps them as compact GeoJSON, written alike by both readers.

// Geometry is a geometry literal, as compact GeoJSON.
type Geometry struct{ GeoJSON string }

func (Geometry) operand() {}

// wktTypes are the WKT keywords read, with their GeoJSON type and the
// depth of their coordinates (1: a position list, 2: a list of lists…).
var wktTypes = map[string]struct {
	typ   string
	depth int
}{
	"LINESTRING": {"LineString", 1}, "POLYGON": {"Polygon", 2}, "MULTIPOINT": {"MultiPoint", 1},
	"MULTILINESTRING": {"MultiLineString", 2}, "MULTIPOLYGON": {"MultiPolygon", 3},
}

// wkt reads the coordinates of a WKT geometry of kind kw after its keyword.
func (p *textParser) wkt(kw string) Operand {
	t := wktTypes[kw]
	var b strings.Builder
	b.WriteString(`{"type":"` + t.typ + `","coordinates":`)
	p.wktList(&b, t.depth, kw == "MULTIPOINT")
	b.WriteString("}")
	return Geometry{GeoJSON: b.String()}
}

// collection reads the members of a GEOMETRYCOLLECTION after its keyword,
// "(" geometry { "," geometry } ")", as GeoJSON; a member may be a
// collection, depth being how deep this one is.
func (p *textParser) collection(b *strings.Builder, depth int) {
	if depth > maxDepth {
		p.fail("GEOMETRYCOLLECTION nested more than %d deep", maxDepth)
		return
	}
	b.WriteString(`{"type":"GeometryCollection","geometries":[`)
	p.expect("(")
	for i := 0; p.err == nil; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		t := p.tok
		kw := strings.ToUpper(t.text)
		switch {
		case t.kind != tWord:
			p.fail("expected a geometry in GEOMETRYCOLLECTION, found %s", describe(t))
		case kw == "POINT":
			p.next()
			x, y := p.point()
			b.WriteString(pointJSON(x, y))
		case kw == "GEOMETRYCOLLECTION":
			p.next()
			p.collection(b, depth+1)
		case wktTypes[kw].typ != "":
			p.next()
			b.WriteString(p.wkt(kw).(Geometry).GeoJSON)
		default:
			p.fail("expected a geometry in GEOMETRYCOLLECTION, found %s", describe(t))
		}
		if !p.punct(",") {
			break
		}
		p.next()
	}
	p.expect(")")
	b.WriteString("]}")
}

// point reads "(" x y ")".
func (p *textParser) point() (x, y float64) {
	p.expect("(")
	x, y = p.number(), p.number()
	p.expect(")")
	return x, y
}

func pointJSON(x, y float64) string {
	return `{"type":"Point","coordinates":[` + num(x) + "," + num(y) + "]}"
}

// wktList reads "(" items ")" at depth (1: positions "x y"), appending
// the GeoJSON array. MULTIPOINT's points may be parenthesised one by one.
func (p *textParser) wktList(b *strings.Builder, depth int, multipoint bool) {
	p.expect("(")
	b.WriteByte('[')
	for i := 0; p.err == nil; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		if depth == 1 {
			paren := multipoint && p.punct("(")
			if paren {
				p.next()
			}
			x, y := p.number(), p.number()
			b.WriteString("[" + num(x) + "," + num(y) + "]")
			if paren {
				p.expect(")")
			}
		} else {
			p.wktList(b, depth-1, false)
		}
		if !p.punct(",") {
			break
		}
		p.next()
	}
	p.expect(")")
	b.WriteByte(']')
}

// writeWKT writes a geometry literal as WKT.
func writeWKT(b *strings.Builder, g Geometry) {
	var v struct {
		Type        string            `json:"type"`
		Coordinates json.RawMessage   `json:"coordinates"`
		Geometries  []json.RawMessage `json:"geometries"`
	}
	if json.Unmarshal([]byte(g.GeoJSON), &v) != nil {
		panic("BUG: a geometry literal that is not GeoJSON")
	}
	switch v.Type {
	case "Point":
		var c [2]float64
		json.Unmarshal(v.Coordinates, &c)
		b.WriteString("POINT(" + num(c[0]) + " " + num(c[1]) + ")")
		return
	case "GeometryCollection":
		b.WriteString("GEOMETRYCOLLECTION(")
		for i, m := range v.Geometries {
			if i > 0 {
				b.WriteString(", ")
			}
			writeWKT(b, Geometry{GeoJSON: string(m)})
		}
		b.WriteByte(')')
		return
	}
	for kw, t := range wktTypes {
		if t.typ == v.Type {
			b.WriteString(kw)
			var c any
			json.Unmarshal(v.Coordinates, &c)
			writeWKTList(b, c, t.depth)
			return
		}
	}
	panic("BUG: a geometry literal of type " + v.Type)
}

func writeWKTList(b *strings.Builder, c any, depth int) {
	b.WriteByte('(')
	for i, item := range c.([]any) {
		if i > 0 {
			b.WriteString(", ")
		}
		if depth == 1 {
			pos := item.([]any)
			b.WriteString(num(pos[0].(float64)) + " " + num(pos[1].(float64)))
		} else {
			writeWKTList(b, item, depth-1)
		}
	}
	b.WriteByte(')')
}

// geometryJSON reads a GeoJSON geometry literal of the JSON encoding
// (points are Point; others are kept as compact GeoJSON).
func geometryJSON(x map[string]any, path string) (Operand, error) {
	if x["type"] == "GeometryCollection" {
		var b strings.Builder
		if err := collectionJSON(&b, x, path, 0); err != nil {
			return nil, err
		}
		return Geometry{GeoJSON: b.String()}, nil
	}
	return coordinatesJSON(x, path)
}

// collectionJSON writes a GeometryCollection's members as compact GeoJSON,
// depth being how deep in collections it is.
func collectionJSON(b *strings.Builder, x map[string]any, path string, depth int) error {
	list, ok := x["geometries"].([]any)
	if !ok || len(list) == 0 || len(x) != 2 {
		return jsonErr(path, "expected a GeometryCollection with a non-empty \"geometries\" array")
	}
	if depth > maxDepth {
		return jsonErr(path, "GeometryCollection nested more than %d deep", maxDepth)
	}
	b.WriteString(`{"type":"GeometryCollection","geometries":[`)
	for i, item := range list {
		if i > 0 {
			b.WriteByte(',')
		}
		at := path + ".geometries[" + strconv.Itoa(i) + "]"
		m, _ := item.(map[string]any)
		switch m["type"] {
		case "GeometryCollection":
			if err := collectionJSON(b, m, at, depth+1); err != nil {
				return err
			}
		case "Point":
			c, _ := m["coordinates"].([]any)
			v, err := numbers(c, 2, at+".coordinates")
			if err != nil {
				return err
			}
			if len(m) != 2 {
				return jsonErr(at, "expected a GeoJSON Point")
			}
			b.WriteString(pointJSON(v[0], v[1]))
		default:
			g, err := coordinatesJSON(m, at)
			if err != nil {
				return err
			}
			b.WriteString(g.(Geometry).GeoJSON)
		}
	}
	b.WriteString("]}")
	return nil
}

// coordinatesJSON reads a GeoJSON geometry with coordinates, other than
// a Point.
func coordinatesJSON(x map[string]any, path string) (Operand, error) {
	typ, _ := x["type"].(string)
	depth := -1
	for _, t := range wktTypes {
		if t.typ == typ {
			depth = t.depth
		}
	}
	if depth < 0 || len(x) != 2 {
		return nil, jsonErr(path, "expected a GeoJSON Point, LineString, Polygon, MultiPoint, MultiLineString, MultiPolygon or GeometryCollection")
	}
	var b strings.Builder
	b.WriteString(`{"type":"` + typ + `","coordinates":`)
	if err := coordsJSON(&b, x["coordinates"], depth, path+".coordinates"); err != nil {
		return nil, err
	}
	b.WriteString("}")
	return Geometry{GeoJSON: b.String()}, nil
}

func coordsJSON(b *strings.Builder, c any, depth int, path string) error {
	list, ok := c.([]any)
	if !ok || len(list) == 0 {
		return jsonErr(path, "expected a non-empty array")
	}
	b.WriteByte('[')
	for i, item := range list {
		if i > 0 {
			b.WriteByte(',')
		}
		at := path + "[" + strconv.Itoa(i) + "]"
		if depth == 1 {
			v, err := numbers(asList(item), 2, at)
			if err != nil {
				return err
			}
			b.WriteString("[" + num(v[0]) + "," + num(v[1]) + "]")
			continue
		}
		if err := coordsJSON(b, item, depth-1, at); err != nil {
			return err
		}
	}
	b.WriteByte(']')
	return nil
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}
