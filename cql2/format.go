package cql2

import (
	"strconv"
	"strings"
)

// Text encodes e as cql2-text, fully parenthesised: ParseText reads it
// back as e.
func Text(e Expr) string {
	var b strings.Builder
	writeExpr(&b, e)
	return b.String()
}

func writeExpr(b *strings.Builder, e Expr) {
	not := func(n bool) {
		if n {
			b.WriteString(" NOT")
		}
	}
	switch x := e.(type) {
	case Logic:
		b.WriteByte('(')
		for i, a := range x.Args {
			if i > 0 {
				b.WriteString(" " + strings.ToUpper(x.Op) + " ")
			}
			writeExpr(b, a)
		}
		b.WriteByte(')')
	case Not:
		b.WriteString("NOT (")
		writeExpr(b, x.X)
		b.WriteByte(')')
	case Compare:
		b.WriteByte('(')
		writeOperand(b, x.Left)
		b.WriteString(" " + x.Op + " ")
		writeOperand(b, x.Right)
		b.WriteByte(')')
	case Like:
		b.WriteByte('(')
		writeOperand(b, x.X)
		not(x.Not)
		b.WriteString(" LIKE ")
		if x.PatternCaseI {
			writeOperand(b, CaseI{X: String{V: x.Pattern}})
		} else {
			writeOperand(b, String{V: x.Pattern})
		}
		b.WriteByte(')')
	case Between:
		b.WriteByte('(')
		writeOperand(b, x.X)
		not(x.Not)
		b.WriteString(" BETWEEN ")
		writeOperand(b, x.Lo)
		b.WriteString(" AND ")
		writeOperand(b, x.Hi)
		b.WriteByte(')')
	case In:
		b.WriteByte('(')
		writeOperand(b, x.X)
		not(x.Not)
		b.WriteString(" IN (")
		for i, o := range x.List {
			if i > 0 {
				b.WriteString(", ")
			}
			writeOperand(b, o)
		}
		b.WriteString("))")
	case IsNull:
		b.WriteByte('(')
		writeOperand(b, x.X)
		b.WriteString(" IS")
		not(x.Not)
		b.WriteString(" NULL)")
	case Spatial:
		b.WriteString(strings.ToUpper(x.Op) + "(")
		writeOperand(b, x.Geom)
		b.WriteString(", ")
		writeOperand(b, x.With)
		b.WriteByte(')')
	default:
		panic("BUG: an expression of an unknown kind")
	}
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func writeOperand(b *strings.Builder, o Operand) {
	switch x := o.(type) {
	case Property:
		b.WriteString(`"` + strings.ReplaceAll(x.Name, `"`, `""`) + `"`)
	case String:
		b.WriteString("'" + strings.ReplaceAll(x.V, "'", "''") + "'")
	case Number:
		b.WriteString(num(x.V))
	case Bool:
		b.WriteString(strings.ToUpper(strconv.FormatBool(x.V)))
	case Point:
		b.WriteString("POINT(" + num(x.X) + " " + num(x.Y) + ")")
	case BBox:
		b.WriteString("BBOX(" + num(x.MinX) + ", " + num(x.MinY) + ", " + num(x.MaxX) + ", " + num(x.MaxY) + ")")
	case Geometry:
		writeWKT(b, x)
	case CaseI:
		b.WriteString("CASEI(")
		writeOperand(b, x.X)
		b.WriteByte(')')
	default:
		panic("BUG: an operand of an unknown kind")
	}
}
