package cql2

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// The JSON encoding (cql2-json): {"op": ..., "args": [...]}, properties as
// {"property": name}, spatial literals as GeoJSON points and {"bbox": [...]}.

// ParseJSON reads a cql2-json filter.
func ParseJSON(b []byte) (Expr, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, &Error{Pos: "JSON", Reason: "not JSON: " + err.Error()}
	}
	if dec.More() {
		return nil, &Error{Pos: "JSON", Reason: "data after the filter"}
	}
	return exprJSON(v, "$", 0)
}

func jsonErr(path, format string, args ...any) *Error {
	return &Error{Pos: path, Reason: sprintf(format, args...)}
}

func exprJSON(v any, path string, depth int) (Expr, error) {
	if depth > maxDepth {
		return nil, jsonErr(path, "the filter nests deeper than %d", maxDepth)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, jsonErr(path, "expected {\"op\": ..., \"args\": [...]}")
	}
	op, _ := m["op"].(string)
	args, ok := m["args"].([]any)
	if op == "" || !ok || len(m) != 2 {
		return nil, jsonErr(path, "expected exactly the members \"op\" (a string) and \"args\" (an array)")
	}
	at := func(i int) string { return path + ".args[" + strconv.Itoa(i) + "]" }
	arity := func(n int) error {
		if len(args) != n {
			return jsonErr(path, "%q takes %d arguments, got %d", op, n, len(args))
		}
		return nil
	}
	operands := func(n int) ([]Operand, error) {
		if err := arity(n); err != nil {
			return nil, err
		}
		out := make([]Operand, n)
		for i := range args {
			o, err := operandJSON(args[i], at(i))
			if err != nil {
				return nil, err
			}
			out[i] = o
		}
		return out, nil
	}
	low := strings.ToLower(op)
	switch low {
	case "and", "or":
		if len(args) < 2 {
			return nil, jsonErr(path, "%q takes at least 2 arguments", op)
		}
		l := Logic{Op: low}
		for i, a := range args {
			e, err := exprJSON(a, at(i), depth+1)
			if err != nil {
				return nil, err
			}
			l.Args = append(l.Args, e)
		}
		return l, nil
	case "not":
		if err := arity(1); err != nil {
			return nil, err
		}
		e, err := exprJSON(args[0], at(0), depth+1)
		return Not{X: e}, err
	case "=", "<>", "<", "<=", ">", ">=":
		o, err := operands(2)
		if err != nil {
			return nil, err
		}
		return Compare{Op: op, Left: o[0], Right: o[1]}, nil
	case "like":
		o, err := operands(2)
		if err != nil {
			return nil, err
		}
		if ci, ok := o[1].(CaseI); ok {
			if pat, ok := ci.X.(String); ok {
				return Like{X: o[0], Pattern: pat.V, PatternCaseI: true}, nil
			}
		}
		pat, ok := o[1].(String)
		if !ok {
			return nil, jsonErr(at(1), "the pattern of like must be a string, or casei of one")
		}
		return Like{X: o[0], Pattern: pat.V}, nil
	case "between":
		o, err := operands(3)
		if err != nil {
			return nil, err
		}
		return Between{X: o[0], Lo: o[1], Hi: o[2]}, nil
	case "in":
		if err := arity(2); err != nil {
			return nil, err
		}
		x, err := operandJSON(args[0], at(0))
		if err != nil {
			return nil, err
		}
		list, ok := args[1].([]any)
		if !ok || len(list) == 0 {
			return nil, jsonErr(at(1), "the second argument of in must be a non-empty array")
		}
		in := In{X: x}
		for i, a := range list {
			o, err := operandJSON(a, at(1)+"["+strconv.Itoa(i)+"]")
			if err != nil {
				return nil, err
			}
			in.List = append(in.List, o)
		}
		return in, nil
	case "isnull":
		o, err := operands(1)
		if err != nil {
			return nil, err
		}
		return IsNull{X: o[0]}, nil
	}
	if spatialOps[low] {
		o, err := operands(2)
		if err != nil {
			return nil, err
		}
		return Spatial{Op: low, Geom: o[0], With: o[1]}, nil
	}
	return nil, jsonErr(path, "unknown op %q", op)
}

func operandJSON(v any, path string) (Operand, error) {
	switch x := v.(type) {
	case string:
		return String{V: x}, nil
	case bool:
		return Bool{V: x}, nil
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return nil, jsonErr(path, "%s is not a number a float64 can hold", x)
		}
		return Number{V: f}, nil
	case map[string]any:
		if x["op"] == "casei" && len(x) == 2 {
			args, ok := x["args"].([]any)
			if !ok || len(args) != 1 {
				return nil, jsonErr(path, "casei takes 1 argument")
			}
			o, err := operandJSON(args[0], path+".args[0]")
			if err != nil {
				return nil, err
			}
			return CaseI{X: o}, nil
		}
		if name, ok := x["property"].(string); ok && len(x) == 1 {
			return Property{Name: name, Pos: path}, nil
		}
		if box, ok := x["bbox"].([]any); ok && len(x) == 1 {
			v, err := numbers(box, 4, path+".bbox")
			if err != nil {
				return nil, err
			}
			return BBox{MinX: v[0], MinY: v[1], MaxX: v[2], MaxY: v[3]}, nil
		}
		if t, _ := x["type"].(string); t != "" && t != "Point" {
			return geometryJSON(x, path)
		}
		if x["type"] == "Point" && len(x) == 2 {
			c, _ := x["coordinates"].([]any)
			v, err := numbers(c, 2, path+".coordinates")
			if err != nil {
				return nil, err
			}
			return Point{X: v[0], Y: v[1]}, nil
		}
		return nil, jsonErr(path, "expected {\"property\": name}, {\"bbox\": [4 numbers]} or a GeoJSON Point")
	}
	return nil, jsonErr(path, "expected a string, number, boolean, property or spatial literal")
}

func numbers(a []any, n int, path string) ([]float64, error) {
	if len(a) != n {
		return nil, jsonErr(path, "expected %d numbers", n)
	}
	out := make([]float64, n)
	for i, v := range a {
		num, ok := v.(json.Number)
		if !ok {
			return nil, jsonErr(path, "expected %d numbers", n)
		}
		f, err := num.Float64()
		if err != nil {
			return nil, jsonErr(path, "%s is not a number a float64 can hold", num)
		}
		out[i] = f
	}
	return out, nil
}

// JSON encodes e as cql2-json.
func JSON(e Expr) []byte {
	b, _ := json.Marshal(jsonOf(e))
	return b
}

func jsonOf(e Expr) any {
	op := func(name string, args ...any) map[string]any { return map[string]any{"op": name, "args": args} }
	neg := func(not bool, m map[string]any) any {
		if not {
			return op("not", m)
		}
		return m
	}
	switch x := e.(type) {
	case Logic:
		args := make([]any, len(x.Args))
		for i, a := range x.Args {
			args[i] = jsonOf(a)
		}
		return op(x.Op, args...)
	case Not:
		return op("not", jsonOf(x.X))
	case Compare:
		return op(x.Op, operandOf(x.Left), operandOf(x.Right))
	case Like:
		var pat any = x.Pattern
		if x.PatternCaseI {
			pat = op("casei", x.Pattern)
		}
		return neg(x.Not, op("like", operandOf(x.X), pat))
	case Between:
		return neg(x.Not, op("between", operandOf(x.X), operandOf(x.Lo), operandOf(x.Hi)))
	case In:
		list := make([]any, len(x.List))
		for i, o := range x.List {
			list[i] = operandOf(o)
		}
		return neg(x.Not, op("in", operandOf(x.X), list))
	case IsNull:
		return neg(x.Not, op("isNull", operandOf(x.X)))
	case Spatial:
		return op(x.Op, operandOf(x.Geom), operandOf(x.With))
	}
	panic("BUG: an expression of an unknown kind")
}

func operandOf(o Operand) any {
	switch x := o.(type) {
	case Property:
		return map[string]any{"property": x.Name}
	case String:
		return x.V
	case Number:
		return x.V
	case Bool:
		return x.V
	case Point:
		return map[string]any{"type": "Point", "coordinates": []float64{x.X, x.Y}}
	case BBox:
		return map[string]any{"bbox": []float64{x.MinX, x.MinY, x.MaxX, x.MaxY}}
	case Geometry:
		return json.RawMessage(x.GeoJSON)
	case CaseI:
		return map[string]any{"op": "casei", "args": []any{operandOf(x.X)}}
	}
	panic("BUG: an operand of an unknown kind")
}
