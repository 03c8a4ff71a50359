package cql2

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Geometry literals beyond POINT and BBOX: WKT in the text encoding
// (LINESTRING, POLYGON, MULTIPOINT, MULTILINESTRING, MULTIPOLYGON), a
// GeoJSON geometry in the JSON encoding. The tree keeps them as compact
// GeoJSON.

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
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if json.Unmarshal([]byte(g.GeoJSON), &v) != nil {
		panic("BUG: a geometry literal that is not GeoJSON")
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
	typ, _ := x["type"].(string)
	depth := -1
	for _, t := range wktTypes {
		if t.typ == typ {
			depth = t.depth
		}
	}
	if depth < 0 || len(x) != 2 {
		return nil, jsonErr(path, "expected a GeoJSON Point, LineString, Polygon, MultiPoint, MultiLineString or MultiPolygon")
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
