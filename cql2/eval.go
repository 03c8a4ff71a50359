package cql2

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/geometryos/daemon1/codec"
	"github.com/peterstace/simplefeatures/geom"
	"github.com/tidwall/geojson"
	"github.com/tidwall/geojson/geometry"
)

// Types is a set of JSON types a property has been seen with.
type Types uint8

// The JSON types of Types.
const (
	TString Types = 1 << iota
	TNumber
	TBool
	TOther // objects and arrays: present, comparable to nothing
)

// Queryables says which properties a filter may name, and with which
// types (0: any).
type Queryables func(name string) (Types, bool)

// Logic is two-valued: a comparison with a missing or null property, or
// with a value of another type, is false, and x NOT LIKE p is NOT (x LIKE
// p) — as the JSON encoding, which has only "not", must read it.

// Filter is a compiled filter. Match reads one feature; it allocates
// nothing (but for a string property written with escapes). A Filter is
// for one goroutine: it keeps scratch space between calls.
type Filter struct {
	match func(*env) bool
	env   env
}

// Match reports whether the feature with the compact JSON properties
// props ("" for null) and geometry geom (nil for none) passes.
func (f *Filter) Match(props string, geom geojson.Object) bool {
	f.env.props, f.env.geom = props, geom
	return f.match(&f.env)
}

type env struct {
	props   string
	geom    geojson.Object
	scratch [][]byte // one per property or CASEI operand: what it unescaped or folded
}

type kind uint8

const (
	kMissing kind = iota // absent, or null
	kString
	kNumber
	kBool
	kOther
)

// value is an operand's value for one feature.
type value struct {
	k kind
	s string
	n float64
	b bool
}

// Compile type-checks e against q and compiles it.
func Compile(e Expr, q Queryables) (*Filter, error) {
	c := compiler{q: q}
	m, err := c.expr(e)
	if err != nil {
		return nil, err
	}
	return &Filter{match: m, env: env{scratch: make([][]byte, c.slots)}}, nil
}

type compiler struct {
	q     Queryables
	slots int // scratch slots handed out to properties and CASEI
}

func (c *compiler) expr(e Expr) (func(*env) bool, error) {
	switch x := e.(type) {
	case Logic:
		fs := make([]func(*env) bool, len(x.Args))
		for i, a := range x.Args {
			f, err := c.expr(a)
			if err != nil {
				return nil, err
			}
			fs[i] = f
		}
		if x.Op == "and" {
			return func(v *env) bool {
				for _, f := range fs {
					if !f(v) {
						return false
					}
				}
				return true
			}, nil
		}
		return func(v *env) bool {
			for _, f := range fs {
				if f(v) {
					return true
				}
			}
			return false
		}, nil
	case Not:
		f, err := c.expr(x.X)
		if err != nil {
			return nil, err
		}
		return func(v *env) bool { return !f(v) }, nil
	case Compare:
		a, err := c.operand(x.Left, 0)
		if err != nil {
			return nil, err
		}
		b, err := c.operand(x.Right, 0)
		if err != nil {
			return nil, err
		}
		if err := c.comparable(x.Left, x.Right); err != nil {
			return nil, err
		}
		op := x.Op
		return func(v *env) bool { return compare(op, a(v), b(v)) }, nil
	case Like:
		a, err := c.operand(x.X, TString)
		if err != nil {
			return nil, err
		}
		pat, not := x.Pattern, x.Not
		if x.PatternCaseI {
			pat = string(fold(nil, pat))
		}
		return func(v *env) bool {
			s := a(v)
			return (s.k == kString && like(s.s, pat)) != not
		}, nil
	case Between:
		a, err := c.operand(x.X, 0)
		if err != nil {
			return nil, err
		}
		lo, err := c.operand(x.Lo, 0)
		if err != nil {
			return nil, err
		}
		hi, err := c.operand(x.Hi, 0)
		if err != nil {
			return nil, err
		}
		if err := c.comparable(x.X, x.Lo); err != nil {
			return nil, err
		}
		if err := c.comparable(x.X, x.Hi); err != nil {
			return nil, err
		}
		not := x.Not
		return func(v *env) bool {
			s := a(v)
			return (compare(">=", s, lo(v)) && compare("<=", s, hi(v))) != not
		}, nil
	case In:
		a, err := c.operand(x.X, 0)
		if err != nil {
			return nil, err
		}
		list := make([]func(*env) value, len(x.List))
		for i, o := range x.List {
			if list[i], err = c.operand(o, 0); err != nil {
				return nil, err
			}
			if err := c.comparable(x.X, o); err != nil {
				return nil, err
			}
		}
		not := x.Not
		return func(v *env) bool {
			s := a(v)
			for _, l := range list {
				if compare("=", s, l(v)) {
					return !not
				}
			}
			return not
		}, nil
	case IsNull:
		a, err := c.operand(x.X, 0)
		if err != nil {
			return nil, err
		}
		not := x.Not
		return func(v *env) bool { return (a(v).k == kMissing) != not }, nil
	case Spatial:
		return c.spatial(x)
	}
	panic("BUG: an expression of an unknown kind")
}

func (c *compiler) spatial(x Spatial) (func(*env) bool, error) {
	g, lit, op := x.Geom, x.With, x.Op
	if _, ok := g.(Property); !ok {
		g, lit = lit, g
		switch op { // a literal within the geometry: the geometry contains it
		case "s_within":
			op = "s_contains"
		case "s_contains":
			op = "s_within"
		} // the other six are symmetric
	}
	p, ok := g.(Property)
	if !ok || p.Name != "geometry" {
		return nil, &Error{Pos: posOf(x.Geom), Reason: strings.ToUpper(x.Op) + " compares the property geometry with a POINT or a BBOX"}
	}
	var obj geojson.Object
	var sf geom.Geometry
	switch l := lit.(type) {
	case Point:
		if !inRange(l.X, l.Y) {
			return nil, &Error{Pos: p.Pos, Reason: "POINT(" + num(l.X) + " " + num(l.Y) + ") is outside [-180, 180] × [-90, 90]"}
		}
		obj = geojson.NewPoint(geometry.Point{X: l.X, Y: l.Y})
		sf = pointOf(geometry.Point{X: l.X, Y: l.Y})
	case BBox:
		if !inRange(l.MinX, l.MinY) || !inRange(l.MaxX, l.MaxY) || l.MinX > l.MaxX || l.MinY > l.MaxY {
			return nil, &Error{Pos: p.Pos, Reason: "the BBOX must be minLon ≤ maxLon within [-180, 180], minLat ≤ maxLat within [-90, 90]"}
		}
		obj = geojson.NewRect(geometry.Rect{Min: geometry.Point{X: l.MinX, Y: l.MinY}, Max: geometry.Point{X: l.MaxX, Y: l.MaxY}})
		// A box of no width or height is a line or a point.
		sf = geom.NewEnvelope(geom.XY{X: l.MinX, Y: l.MinY}, geom.XY{X: l.MaxX, Y: l.MaxY}).AsGeometry()
	case Geometry:
		var err error
		if obj, err = geojson.Parse(l.GeoJSON, nil); err == nil {
			if r := obj.Rect(); !inRange(r.Min.X, r.Min.Y) || !inRange(r.Max.X, r.Max.Y) {
				return nil, &Error{Pos: p.Pos, Reason: "the geometry literal has coordinates outside [-180, 180] × [-90, 90]"}
			}
			if obj, err = geojson.Parse(l.GeoJSON, &geojson.ParseOptions{RequireValid: true}); err == nil {
				// simplefeatures checks more: a ring that crosses itself.
				sf, err = geom.UnmarshalGeoJSON([]byte(l.GeoJSON))
			}
		}
		if err != nil {
			return nil, &Error{Pos: p.Pos, Reason: "the geometry literal is not valid (a ring must close, have 4 positions or more, and not cross itself): " + err.Error()}
		}
	default:
		return nil, &Error{Pos: p.Pos, Reason: strings.ToUpper(x.Op) + " compares the geometry with a geometry literal"}
	}
	switch op {
	case "s_intersects":
		return func(v *env) bool { return v.geom != nil && v.geom.Intersects(obj) }, nil
	case "s_disjoint":
		return func(v *env) bool { return v.geom != nil && !v.geom.Intersects(obj) }, nil
	}
	r := newRelation(op, obj, sf)
	return func(v *env) bool { return v.geom != nil && r.match(v.geom) }, nil
}

func inRange(x, y float64) bool { return x >= -180 && x <= 180 && y >= -90 && y <= 90 }

func posOf(o Operand) string {
	if p, ok := o.(Property); ok && p.Pos != "" {
		return p.Pos
	}
	return "an operand"
}

// typesOf is what an operand can be: a literal's type, a property's
// queryable types (0: any).
func (c *compiler) typesOf(o Operand) Types {
	switch x := o.(type) {
	case String:
		return TString
	case Number:
		return TNumber
	case Bool:
		return TBool
	case Property:
		t, _ := c.q(x.Name)
		return t
	case CaseI:
		return TString
	}
	return 0
}

// comparable refuses a comparison of operands that can never be of one type.
func (c *compiler) comparable(a, b Operand) error {
	ta, tb := c.typesOf(a), c.typesOf(b)
	if ta == 0 || tb == 0 || ta&tb != 0 {
		return nil
	}
	at := a
	if _, ok := b.(Property); ok {
		at = b
	}
	return &Error{Pos: posOf(at), Reason: describeOperand(a) + " (" + typeNames(ta) + ") cannot be compared with " + describeOperand(b) + " (" + typeNames(tb) + ")"}
}

func describeOperand(o Operand) string {
	var b strings.Builder
	writeOperand(&b, o)
	return b.String()
}

func typeNames(t Types) string {
	var names []string
	for _, n := range []struct {
		t    Types
		name string
	}{{TString, "a string"}, {TNumber, "a number"}, {TBool, "a boolean"}, {TOther, "an object or array"}} {
		if t&n.t != 0 {
			names = append(names, n.name)
		}
	}
	return strings.Join(names, " or ")
}

// operand compiles an operand into its value for a feature; want, if not
// 0, is the type it must be able to have.
func (c *compiler) operand(o Operand, want Types) (func(*env) value, error) {
	switch x := o.(type) {
	case String:
		val := value{k: kString, s: x.V}
		return func(*env) value { return val }, nil
	case Number:
		val := value{k: kNumber, n: x.V}
		return func(*env) value { return val }, nil
	case Bool:
		val := value{k: kBool, b: x.V}
		return func(*env) value { return val }, nil
	case Point, BBox, Geometry:
		return nil, &Error{Pos: "a spatial literal", Reason: "a spatial literal can only be an argument of a spatial function (S_INTERSECTS, S_EQUALS, S_DISJOINT, S_TOUCHES, S_WITHIN, S_OVERLAPS, S_CROSSES, S_CONTAINS)"}
	case Property:
		if x.Name == "geometry" {
			return nil, &Error{Pos: x.Pos, Reason: "the geometry can only be an argument of a spatial function (S_INTERSECTS, S_EQUALS, S_DISJOINT, S_TOUCHES, S_WITHIN, S_OVERLAPS, S_CROSSES, S_CONTAINS)"}
		}
		t, ok := c.q(x.Name)
		if !ok {
			return nil, &Error{Pos: x.Pos, Reason: "unknown property " + strconv.Quote(x.Name) + ": GET the collection's queryables for the ones a filter may name"}
		}
		if want != 0 && t != 0 && t&want == 0 {
			return nil, &Error{Pos: x.Pos, Reason: "property " + strconv.Quote(x.Name) + " is " + typeNames(t) + ", not " + typeNames(want)}
		}
		name, slot := x.Name, c.slots
		c.slots++
		return func(v *env) value { return property(v, name, slot) }, nil
	case CaseI:
		if s, ok := x.X.(String); ok {
			val := value{k: kString, s: string(fold(nil, s.V))}
			return func(*env) value { return val }, nil
		}
		inner, err := c.operand(x.X, TString)
		if err != nil {
			return nil, err
		}
		slot := c.slots
		c.slots++
		return func(v *env) value {
			s := inner(v)
			if s.k != kString {
				return s
			}
			v.scratch[slot] = fold(v.scratch[slot][:0], s.s)
			b := v.scratch[slot]
			if len(b) == 0 {
				return value{k: kString}
			}
			return value{k: kString, s: unsafe.String(&b[0], len(b))} // used before the next feature overwrites it
		}, nil
	}
	panic("BUG: an operand of an unknown kind")
}

// property reads a property of the feature in v.
func property(v *env, name string, slot int) value {
	raw, ok := codec.Member(v.props, name)
	if !ok || raw == "" {
		return value{}
	}
	switch c := raw[0]; {
	case c == '"':
		if strings.IndexByte(raw, '\\') < 0 {
			return value{k: kString, s: raw[1 : len(raw)-1]}
		}
		v.scratch[slot] = codec.Unquote(v.scratch[slot][:0], raw)
		b := v.scratch[slot]
		if len(b) == 0 {
			return value{k: kString}
		}
		return value{k: kString, s: unsafe.String(&b[0], len(b))} // used before the next feature overwrites it
	case c == 't' || c == 'f':
		return value{k: kBool, b: c == 't'}
	case c == 'n':
		return value{}
	case c == '{' || c == '[':
		return value{k: kOther}
	}
	n, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		return value{k: kOther}
	}
	return value{k: kNumber, n: n}
}

// fold appends s with each character lowered: CASEI.
func fold(dst []byte, s string) []byte {
	for _, r := range s {
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
	}
	return dst
}

// compare applies op to a and b; values of different kinds, or missing,
// compare false (CQL2's unknown).
func compare(op string, a, b value) bool {
	if a.k != b.k || a.k == kMissing || a.k == kOther {
		return false
	}
	var c int
	switch a.k {
	case kString:
		c = strings.Compare(a.s, b.s)
	case kNumber:
		switch {
		case a.n < b.n:
			c = -1
		case a.n > b.n:
			c = 1
		}
	case kBool: // booleans are only equal or not
		if op != "=" && op != "<>" {
			return false
		}
		if a.b != b.b {
			c = 1
		}
	}
	switch op {
	case "=":
		return c == 0
	case "<>":
		return c != 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	}
	return c >= 0
}

// like matches s against a LIKE pattern: % is any run of characters, _
// one character, \ makes the next character literal.
func like(s, pat string) bool {
	// Iterative matching with one backtrack point, the last %.
	si, pi := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		if pi < len(pat) {
			switch c := pat[pi]; {
			case c == '%':
				starP, starS = pi, si
				pi++
				continue
			case c == '_':
				_, n := decodeRune(s[si:])
				si += n
				pi++
				continue
			case c == '\\' && pi+1 < len(pat):
				if s[si] == pat[pi+1] {
					si++
					pi += 2
					continue
				}
			default:
				if s[si] == c {
					si++
					pi++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		_, n := decodeRune(s[starS:])
		starS += n
		si, pi = starS, starP+1
	}
	for pi < len(pat) && pat[pi] == '%' {
		pi++
	}
	return pi == len(pat)
}
