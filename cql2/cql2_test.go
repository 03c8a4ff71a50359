package cql2

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"

	"github.com/tidwall/geojson"
	"github.com/tidwall/geojson/geometry"
)

func TestParseText(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		e, err := ParseText(in)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if got := Text(e); got != want {
			t.Fatalf("%s: read as %s, want %s", in, got, want)
		}
	}
	f("name = 'A'", `("name" = 'A')`)
	f(`"my name"='it''s'`, `("my name" = 'it''s')`)
	f("pop >= 10 AND pop < 1e3 or flag = TRUE", `((("pop" >= 10) AND ("pop" < 1000)) OR ("flag" = TRUE))`)
	f("NOT (a <> -2.5)", `NOT (("a" <> -2.5))`)
	f("a IS NOT NULL and b is null", `(("a" IS NOT NULL) AND ("b" IS NULL))`)
	f("name LIKE 'A%' AND name NOT LIKE '_b'", `(("name" LIKE 'A%') AND ("name" NOT LIKE '_b'))`)
	f("pop BETWEEN 1 AND 5", `("pop" BETWEEN 1 AND 5)`)
	f("pop NOT IN (1, 2,3)", `("pop" NOT IN (1, 2, 3))`)
	f("a = b", `("a" = "b")`)
	f("CASEI(name) = casei('ÄBC')", `(CASEI("name") = CASEI('ÄBC'))`)
	f("casei(name) LIKE CASEI('a%')", `(CASEI("name") LIKE CASEI('a%'))`)
	f("S_INTERSECTS(geometry, POINT(13.4 52.5))", `S_INTERSECTS("geometry", POINT(13.4 52.5))`)
	f("s_intersects(geometry,bbox(1,2,3,4)) and x=1", `(S_INTERSECTS("geometry", BBOX(1, 2, 3, 4)) AND ("x" = 1))`)
	f("S_WITHIN(geometry, POLYGON((0 0, 2 0, 2 2, 0 2, 0 0), (0.5 0.5, 1 0.5, 1 1, 0.5 0.5)))", `S_WITHIN("geometry", POLYGON((0 0, 2 0, 2 2, 0 2, 0 0), (0.5 0.5, 1 0.5, 1 1, 0.5 0.5)))`)
	f("S_DISJOINT(geometry, MULTIPOINT((1 2), (3 4)))", `S_DISJOINT("geometry", MULTIPOINT(1 2, 3 4))`)
	f("S_CONTAINS(geometry, LINESTRING(1 2, 3 4))", `S_CONTAINS("geometry", LINESTRING(1 2, 3 4))`)
	f("S_INTERSECTS(geometry, MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0))))", `S_INTERSECTS("geometry", MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0))))`)
}

func TestParseTextErrors(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		_, err := ParseText(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("%s: %v, want %q", in, err, want)
		}
	}
	f("name = ", "character 8: expected an operand, found the end")
	f("name 'A'", "character 6: expected a comparison")
	f("name = 'A", "a quote that is never closed")
	f("(a = 1", `expected ")"`)
	f("a = 1 b", "unexpected")
	f("a LIKE 5", "LIKE takes a 'string' pattern")
	f("a # 1", "unexpected character")
	f(strings.Repeat("(", 100)+"a=1"+strings.Repeat(")", 100), "nests deeper")
	f("AND = 1", "keyword AND")
}

func TestJSONRoundTrip(t *testing.T) {
	for _, in := range []string{
		`{"op":"and","args":[{"op":"=","args":[{"property":"name"},"A"]},{"op":"not","args":[{"op":"like","args":[{"property":"name"},"B%"]}]}]}`,
		`{"op":"in","args":[{"property":"pop"},[1,2,3]]}`,
		`{"op":"in","args":[{"op":"casei","args":[{"property":"road_class"}]},[{"op":"casei","args":["Οδος"]},{"op":"casei","args":["Straße"]}]]}`,
		`{"op":"like","args":[{"property":"name"},{"op":"casei","args":["FOO%"]}]}`,
		`{"op":"isNull","args":[{"property":"x"}]}`,
		`{"op":"between","args":[{"property":"pop"},1,5]}`,
		`{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[1,2,3,4]}]}`,
		`{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Point","coordinates":[1,2]}]}`,
		`{"op":"s_within","args":[{"property":"geometry"},{"type":"Polygon","coordinates":[[[0,0],[2,0],[2,2],[0,0]]]}]}`,
		`{"op":"s_disjoint","args":[{"type":"LineString","coordinates":[[0,0],[2,2]]},{"property":"geometry"}]}`,
	} {
		e, err := ParseJSON([]byte(in))
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		back, err := ParseText(Text(e))
		if err != nil || Text(back) != Text(e) {
			t.Fatalf("%s: text %s read back as %v %v", in, Text(e), back, err)
		}
		again, err := ParseJSON(JSON(e))
		if err != nil || Text(again) != Text(e) {
			t.Fatalf("%s: JSON %s read back as %v %v", in, JSON(e), again, err)
		}
	}
	for _, bad := range []string{`{"op":"=","args":[1]}`, `{"op":"xor","args":[1,2]}`, `[1]`, `{"op":"=","args":[{"property":1},2]}`} {
		if _, err := ParseJSON([]byte(bad)); err == nil {
			t.Fatalf("%s was read", bad)
		}
	}
}

// anyTypes lets a filter name any property, of any type.
func anyTypes(string) (Types, bool) { return 0, true }

func TestCompileErrors(t *testing.T) {
	q := func(name string) (Types, bool) {
		switch name {
		case "name":
			return TString, true
		case "pop":
			return TNumber, true
		}
		return 0, false
	}
	f := func(in, want string) {
		t.Helper()
		e, err := ParseText(in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Compile(e, q); err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("%s: %v, want %q", in, err, want)
		}
	}
	f("nope = 1", `character 1: unknown property "nope"`)
	f("name = 'a' and pop = 'x'", `character 16: "pop" (a number) cannot be compared with 'x' (a string)`)
	f("pop LIKE 'a%'", `property "pop" is a number, not a string`)
	f("S_INTERSECTS(name, POINT(1 2))", "compares the property geometry")
	f("S_INTERSECTS(geometry, POINT(200 2))", "outside")
	f("geometry = 1", "only be an argument of a spatial function")
	f("S_WITHIN(geometry, POLYGON((0 0, 1 0, 1 1)))", "not valid")
	f("S_CONTAINS(geometry, LINESTRING(0 0, 500 1))", "outside")
}

// eval is the reference: the expression over decoded properties, written
// apart from the compiler.
func eval(e Expr, props map[string]any, pt geometry.Point, located bool) bool {
	var get func(o Operand) (any, bool)
	get = func(o Operand) (any, bool) {
		switch x := o.(type) {
		case CaseI:
			v, ok := get(x.X)
			if s, isStr := v.(string); isStr {
				return strings.Map(unicode.ToLower, s), ok
			}
			return v, ok
		case Property:
			v, ok := props[x.Name]
			return v, ok && v != nil
		case String:
			return x.V, true
		case Number:
			return x.V, true
		case Bool:
			return x.V, true
		}
		return nil, false
	}
	cmp := func(op string, a, b any) bool {
		switch x := a.(type) {
		case string:
			y, ok := b.(string)
			if !ok {
				return false
			}
			c := strings.Compare(x, y)
			return map[string]bool{"=": c == 0, "<>": c != 0, "<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0}[op]
		case float64:
			y, ok := b.(float64)
			if !ok {
				return false
			}
			return map[string]bool{"=": x == y, "<>": x != y, "<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]
		case bool:
			y, ok := b.(bool)
			return ok && (op == "=" && x == y || op == "<>" && x != y)
		}
		return false
	}
	switch x := e.(type) {
	case Logic:
		for _, a := range x.Args {
			if r := eval(a, props, pt, located); r == (x.Op == "or") {
				return r
			}
		}
		return x.Op == "and"
	case Not:
		return !eval(x.X, props, pt, located)
	case Compare:
		a, ok1 := get(x.Left)
		b, ok2 := get(x.Right)
		return ok1 && ok2 && cmp(x.Op, a, b)
	case Like:
		a, ok := get(x.X)
		s, isStr := a.(string)
		pat := x.Pattern
		if x.PatternCaseI {
			pat = strings.Map(unicode.ToLower, pat)
		}
		return (ok && isStr && refLike([]rune(s), []rune(pat))) != x.Not
	case Between:
		a, ok := get(x.X)
		lo, _ := get(x.Lo)
		hi, _ := get(x.Hi)
		return (ok && cmp(">=", a, lo) && cmp("<=", a, hi)) != x.Not
	case In:
		a, ok := get(x.X)
		if !ok {
			return x.Not
		}
		for _, o := range x.List {
			if b, _ := get(o); cmp("=", a, b) {
				return !x.Not
			}
		}
		return x.Not
	case IsNull:
		_, ok := get(x.X)
		return ok == x.Not
	case Spatial:
		if b, ok := x.With.(BBox); ok {
			return located && pt.X >= b.MinX && pt.X <= b.MaxX && pt.Y >= b.MinY && pt.Y <= b.MaxY
		}
		// A box as a POLYGON with half-integer corners: no point of the
		// integer grid lies on its edge.
		var box struct{ Coordinates [][][2]float64 }
		json.Unmarshal([]byte(x.With.(Geometry).GeoJSON), &box)
		r := box.Coordinates[0]
		inside := pt.X > r[0][0] && pt.X < r[2][0] && pt.Y > r[0][1] && pt.Y < r[2][1]
		switch x.Op {
		case "s_within", "s_intersects":
			return located && inside
		case "s_disjoint":
			return located && !inside
		}
		return false // a point contains no polygon
	}
	panic("unknown")
}

// refLike is LIKE by brute force over every split, in characters.
func refLike(s, p []rune) bool {
	if len(p) == 0 {
		return len(s) == 0
	}
	switch p[0] {
	case '%':
		for i := 0; i <= len(s); i++ {
			if refLike(s[i:], p[1:]) {
				return true
			}
		}
		return false
	case '_':
		return len(s) > 0 && refLike(s[1:], p[1:])
	}
	return len(s) > 0 && s[0] == p[0] && refLike(s[1:], p[1:])
}

var names = []string{"name", "pop", "flag", "other"}

func randOperand(rng *rand.Rand, prop bool) Operand {
	if prop || rng.IntN(3) == 0 {
		return Property{Name: names[rng.IntN(len(names))]}
	}
	switch rng.IntN(3) {
	case 0:
		return String{V: string(rune('a' + rng.IntN(4)))}
	case 1:
		return Number{V: float64(rng.IntN(10))}
	}
	return Bool{V: rng.IntN(2) == 0}
}

func randExpr(rng *rand.Rand, depth int) Expr {
	if depth > 0 && rng.IntN(3) == 0 {
		l := Logic{Op: []string{"and", "or"}[rng.IntN(2)]}
		for range 2 + rng.IntN(2) {
			l.Args = append(l.Args, randExpr(rng, depth-1))
		}
		return l
	}
	x := randOperand(rng, true)
	switch rng.IntN(7) {
	case 0:
		return Not{X: randExpr(rng, depth-1)}
	case 1:
		l := Like{X: x, Pattern: []string{"a%", "%b", "_", "%", "a_%", "c", "A%", "%É"}[rng.IntN(8)], Not: rng.IntN(2) == 0, PatternCaseI: rng.IntN(3) == 0}
		if rng.IntN(2) == 0 {
			l.X = CaseI{X: x}
		}
		return l
	case 2:
		return Between{X: x, Lo: Number{V: float64(rng.IntN(5))}, Hi: Number{V: float64(3 + rng.IntN(6))}, Not: rng.IntN(2) == 0}
	case 3:
		return In{X: x, List: []Operand{randOperand(rng, false), randOperand(rng, false)}, Not: rng.IntN(2) == 0}
	case 4:
		return IsNull{X: x, Not: rng.IntN(2) == 0}
	case 5:
		if rng.IntN(2) == 0 {
			return Spatial{Op: "s_intersects", Geom: Property{Name: "geometry"}, With: BBox{MinX: 0, MinY: 0, MaxX: float64(rng.IntN(10)), MaxY: float64(rng.IntN(10))}}
		}
		x0, y0 := float64(rng.IntN(6))+0.5, float64(rng.IntN(6))+0.5
		x1, y1 := x0+float64(1+rng.IntN(6)), y0+float64(1+rng.IntN(6))
		poly := fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}`, x0, y0, x1, y0, x1, y1, x0, y1, x0, y0)
		op := []string{"s_intersects", "s_within", "s_contains", "s_disjoint"}[rng.IntN(4)]
		return Spatial{Op: op, Geom: Property{Name: "geometry"}, With: Geometry{GeoJSON: poly}}
	}
	if rng.IntN(4) == 0 {
		return Compare{Op: []string{"=", "<>", "<"}[rng.IntN(3)], Left: CaseI{X: x}, Right: CaseI{X: String{V: []string{"A", "AB", "É", "b"}[rng.IntN(4)]}}}
	}
	return Compare{Op: []string{"=", "<>", "<", "<=", ">", ">="}[rng.IntN(6)], Left: x, Right: randOperand(rng, false)}
}

func randProps(rng *rand.Rand) map[string]any {
	m := map[string]any{}
	for _, n := range names {
		switch rng.IntN(5) {
		case 0: // absent
		case 1:
			m[n] = nil
		case 2:
			m[n] = []string{"a", "ab", "b", "cb", "abc", "", `a"b`, "é", "AB", "Éa", `É"`}[rng.IntN(11)]
		case 3:
			m[n] = float64(rng.IntN(10))
		default:
			m[n] = rng.IntN(2) == 0
		}
	}
	return m
}

// Random filters over random features: the compiled filter, read back
// from its text and its JSON, agrees with the reference.
func TestFilterAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		e := randExpr(rng, 3)
		for _, enc := range []func(Expr) (Expr, error){
			func(e Expr) (Expr, error) { return ParseText(Text(e)) },
			func(e Expr) (Expr, error) { return ParseJSON(JSON(e)) },
		} {
			read, err := enc(e)
			if err != nil {
				t.Fatalf("%s: %v", Text(e), err)
			}
			f, err := Compile(read, anyTypes)
			if err != nil {
				t.Fatalf("%s: %v", Text(e), err)
			}
			for range 20 {
				props := randProps(rng)
				raw, _ := json.Marshal(props)
				pt := geometry.Point{X: float64(rng.IntN(12)), Y: float64(rng.IntN(12))}
				located := rng.IntN(8) > 0
				var geom geojson.Object
				if located {
					geom = geojson.NewPoint(pt)
				}
				if got, want := f.Match(string(raw), geom), eval(e, props, pt, located); got != want {
					t.Fatalf("%s on %s at %v: %v, want %v", Text(e), raw, pt, got, want)
				}
			}
		}
	}
}

// Matching a feature allocates nothing.
func TestMatchAllocs(t *testing.T) {
	e, _ := ParseText("CASEI(name) LIKE 'a%' AND pop BETWEEN 1 AND 5 OR flag = TRUE AND S_INTERSECTS(geometry, BBOX(0,0,10,10))")
	f, err := Compile(e, anyTypes)
	if err != nil {
		t.Fatal(err)
	}
	props, geom := `{"name":"ABC\u00c9","pop":3,"flag":false}`, geojson.NewPoint(geometry.Point{X: 1, Y: 1})
	if n := testing.AllocsPerRun(1000, func() { f.Match(props, geom) }); n != 0 {
		t.Fatalf("%.1f allocations per feature", n)
	}
	// The DE-9IM functions of a point feature: the locator, no overlay.
	for _, op := range []string{"S_WITHIN", "S_TOUCHES", "S_EQUALS", "S_CONTAINS", "S_CROSSES", "S_OVERLAPS"} {
		for _, lit := range []string{"POLYGON((0 0, 2 0, 2 2, 0 0))", "MULTILINESTRING((0 0, 2 2), (0 2, 2 0))", "MULTIPOINT(1 1, 2 2)", "BBOX(0, 0, 1, 1)"} {
			e, _ := ParseText(op + "(geometry, " + lit + ")")
			f, err := Compile(e, anyTypes)
			if err != nil {
				t.Fatal(err)
			}
			if n := testing.AllocsPerRun(1000, func() { f.Match(props, geom) }); n != 0 {
				t.Errorf("%s: %.1f allocations per point feature", Text(e), n)
			}
		}
	}
}

func FuzzParseText(f *testing.F) {
	for _, s := range []string{"name = 'A'", "a LIKE 'x%' AND NOT (b BETWEEN 1 AND 2)", "S_INTERSECTS(geometry, BBOX(1,2,3,4))", "x IN (1, 'a', TRUE) OR y IS NULL",
		"S_TOUCHES(geometry, GEOMETRYCOLLECTION(POINT(1 0), MULTILINESTRING((3 4, 4 4), (4 1, 1 3, 3 2, 4 1)), GEOMETRYCOLLECTION(POLYGON((0 0, 1 0, 0 1, 0 0)))))",
		"S_CROSSES(LINESTRING(0 0, 2 2), geometry) OR S_OVERLAPS(geometry, MULTIPOINT((1 1), (2 2)))"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseText(s)
		if err != nil {
			return
		}
		text := Text(e)
		back, err := ParseText(text)
		if err != nil || Text(back) != text {
			t.Fatalf("%q read as %s, which reads back as %v (%v)", s, text, back, err)
		}
		viaJSON, err := ParseJSON(JSON(e))
		if err != nil || Text(viaJSON) != text {
			t.Fatalf("%q: JSON %s reads back as %v (%v)", s, JSON(e), viaJSON, err)
		}
		if f, err := Compile(e, anyTypes); err == nil {
			for _, g := range fuzzFeatures {
				f.Match(`{"name":"A"}`, g)
			}
		}
	})
}

// fuzzFeatures are what a fuzzed filter is matched against: a point, a
// line and a polygon with a hole (a spatial function must not panic).
var fuzzFeatures = func() []geojson.Object {
	var out []geojson.Object
	for _, s := range []string{
		`{"type":"Point","coordinates":[1,1]}`,
		`{"type":"LineString","coordinates":[[0,0],[2,2],[4,0]]}`,
		`{"type":"Polygon","coordinates":[[[0,0],[4,0],[4,4],[0,4],[0,0]],[[1,1],[1,2],[2,2],[2,1],[1,1]]]}`,
	} {
		g, err := geojson.Parse(s, nil)
		if err != nil {
			panic(err)
		}
		out = append(out, g)
	}
	return out
}()

func FuzzParseJSON(f *testing.F) {
	f.Add([]byte(`{"op":"and","args":[{"op":"=","args":[{"property":"a"},1]},{"op":"isNull","args":[{"property":"b"}]}]}`))
	f.Add([]byte(`{"op":"s_equals","args":[{"property":"geometry"},{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,1]},{"type":"LineString","coordinates":[[0,0],[2,2]]}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseJSON(b)
		if err != nil {
			return
		}
		text := Text(e)
		back, err := ParseText(text)
		if err != nil || Text(back) != text {
			t.Fatalf("%s read as %s, which reads back as %v (%v)", b, text, back, err)
		}
		if f, err := Compile(e, anyTypes); err == nil {
			for _, g := range fuzzFeatures {
				f.Match(`{"name":"A"}`, g)
			}
		}
	})
}

var _ = fmt.Sprint
