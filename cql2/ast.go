// Package cql2 reads OGC CQL2 filters (OGC 21-065: the text and the JSON
// encodings) into one expression tree, and compiles a tree into a
// predicate over a feature's properties (compact JSON) and geometry that
// allocates nothing per feature.
//
// Supported: Basic CQL2 (comparisons, IS NULL, AND, OR, NOT), Advanced
// Comparison Operators (LIKE, BETWEEN, IN), Case-insensitive Comparison
// (CASEI), Property-Property comparisons, and Spatial Functions: the eight
// DE-9IM predicates (S_INTERSECTS, S_EQUALS, S_DISJOINT, S_TOUCHES,
// S_WITHIN, S_OVERLAPS, S_CROSSES, S_CONTAINS) of the geometry with a
// POINT, BBOX, LINESTRING, POLYGON, MULTI* or GEOMETRYCOLLECTION literal
// (relate.go). Properties are the top-level members of a feature's
// properties; "geometry" names its geometry.
package cql2

import "fmt"

// Expr is a boolean expression.
type Expr interface{ expr() }

// Operand is a property, a literal, or a spatial literal.
type Operand interface{ operand() }

// Logic is AND or OR of two or more expressions.
type Logic struct {
	Op   string // "and" or "or"
	Args []Expr
}

// Not negates an expression.
type Not struct{ X Expr }

// Compare is a binary comparison: = <> < <= > >=.
type Compare struct {
	Op          string
	Left, Right Operand
}

// Like matches a property's string against a pattern (% any run, _ one
// character, \ escapes). PatternCaseI: the pattern is CASEI('…').
type Like struct {
	X            Operand
	Pattern      string
	PatternCaseI bool
	Not          bool
}

// CaseI is CASEI(x): x's string with its case folded (each character
// lowered), for case-insensitive comparisons.
type CaseI struct{ X Operand }

func (CaseI) operand() {}

// Between tests lo ≤ x ≤ hi.
type Between struct {
	X, Lo, Hi Operand
	Not       bool
}

// In tests membership in a list of literals.
type In struct {
	X    Operand
	List []Operand
	Not  bool
}

// IsNull tests that a property is absent or null.
type IsNull struct {
	X   Operand
	Not bool
}

// Spatial is a spatial function of the geometry and a spatial literal.
type Spatial struct {
	Op   string // "s_intersects", "s_equals", "s_disjoint", "s_touches", "s_within", "s_overlaps", "s_crosses", "s_contains"
	Geom Operand
	With Operand
}

// spatialOps are the spatial functions read.
var spatialOps = map[string]bool{
	"s_intersects": true, "s_equals": true, "s_disjoint": true, "s_touches": true,
	"s_within": true, "s_overlaps": true, "s_crosses": true, "s_contains": true,
}

// Property names a feature's property (or its geometry: "geometry"). Pos
// is where it was read (a character, or a JSON path), for errors.
type Property struct{ Name, Pos string }

// String is a string literal.
type String struct{ V string }

// Number is a numeric literal.
type Number struct{ V float64 }

// Bool is a boolean literal.
type Bool struct{ V bool }

// Point is a point literal: POINT(x y), {"type":"Point",...}.
type Point struct{ X, Y float64 }

// BBox is a box literal: BBOX(minx, miny, maxx, maxy), {"bbox": [...]}.
type BBox struct{ MinX, MinY, MaxX, MaxY float64 }

func (Logic) expr()       {}
func (Not) expr()         {}
func (Compare) expr()     {}
func (Like) expr()        {}
func (Between) expr()     {}
func (In) expr()          {}
func (IsNull) expr()      {}
func (Spatial) expr()     {}
func (Property) operand() {}
func (String) operand()   {}
func (Number) operand()   {}
func (Bool) operand()     {}
func (Point) operand()    {}
func (BBox) operand()     {}

// Error is a filter that cannot be read or used: Pos is the byte offset
// in the text (or the JSON path) where it goes wrong.
type Error struct {
	Pos    string
	Reason string
}

func (e *Error) Error() string { return fmt.Sprintf("filter at %s: %s", e.Pos, e.Reason) }
