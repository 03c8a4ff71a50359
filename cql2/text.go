package cql2

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// The text encoding (cql2-text), read by recursive descent:
//
//	expr    = and { OR and }
//	and     = not { AND not }
//	not     = [NOT] primary
//	primary = "(" expr ")" | S_INTERSECTS "(" operand "," operand ")"
//	        | operand ( cmp operand | [NOT] LIKE string | [NOT] BETWEEN operand AND operand
//	        |           [NOT] IN "(" operand { "," operand } ")" | IS [NOT] NULL )
//	operand = property | "quoted property" | 'string' | number | TRUE | FALSE
//	        | POINT "(" number number ")" | BBOX "(" number "," number "," number "," number ")"
//	        | LINESTRING … | POLYGON … | MULTIPOINT … | MULTILINESTRING … | MULTIPOLYGON …
//	        | GEOMETRYCOLLECTION "(" geometry { "," geometry } ")"      (WKT, wkt.go)

// maxDepth bounds the nesting of a filter, so that no input can exhaust
// the stack.
const maxDepth = 64

// ParseText reads a cql2-text filter.
func ParseText(s string) (Expr, error) {
	if !utf8.ValidString(s) {
		return nil, &Error{Pos: "character 1", Reason: "the filter is not UTF-8 text"}
	}
	p := &textParser{s: s}
	p.next()
	e := p.expr(0)
	if p.err == nil && p.tok.kind != tEOF {
		p.fail("unexpected %s after the end of the expression", p.tok.text)
	}
	if p.err != nil {
		return nil, p.err
	}
	return e, nil
}

type tokKind int

const (
	tEOF tokKind = iota
	tWord
	tQuoted // "a property"
	tString
	tNumber
	tPunct
)

type token struct {
	kind tokKind
	text string // a word as written; a string's or quoted property's content
	pos  int
}

type textParser struct {
	s   string
	i   int
	tok token
	err *Error
}

func (p *textParser) fail(format string, args ...any) {
	if p.err == nil {
		p.err = &Error{Pos: "character " + strconv.Itoa(p.tok.pos+1), Reason: sprintf(format, args...)}
	}
	p.tok = token{kind: tEOF, pos: len(p.s)}
}

// next reads the next token.
func (p *textParser) next() {
	if p.err != nil {
		return
	}
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
	start := p.i
	if p.i >= len(p.s) {
		p.tok = token{kind: tEOF, pos: start, text: "the end"}
		return
	}
	c := p.s[p.i]
	switch {
	case c == '\'' || c == '"':
		var b strings.Builder
		for p.i++; ; p.i++ {
			if p.i >= len(p.s) {
				p.tok = token{pos: start}
				p.fail("a quote that is never closed")
				return
			}
			if p.s[p.i] == c {
				if p.i+1 < len(p.s) && p.s[p.i+1] == c { // '' is one '
					b.WriteByte(c)
					p.i++
					continue
				}
				break
			}
			b.WriteByte(p.s[p.i])
		}
		p.i++
		kind := tString
		if c == '"' {
			kind = tQuoted
		}
		p.tok = token{kind: kind, text: b.String(), pos: start}
	case c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+':
		p.i++
		for p.i < len(p.s) && strings.IndexByte("0123456789.eE+-", p.s[p.i]) >= 0 {
			if (p.s[p.i] == '+' || p.s[p.i] == '-') && p.s[p.i-1] != 'e' && p.s[p.i-1] != 'E' {
				break
			}
			p.i++
		}
		p.tok = token{kind: tNumber, text: p.s[start:p.i], pos: start}
	case isWordStart(c):
		for p.i < len(p.s) && isWordByte(p.s[p.i]) {
			p.i++
		}
		p.tok = token{kind: tWord, text: p.s[start:p.i], pos: start}
	case c == '<' || c == '>':
		p.i++
		if p.i < len(p.s) && (p.s[p.i] == '=' || c == '<' && p.s[p.i] == '>') {
			p.i++
		}
		p.tok = token{kind: tPunct, text: p.s[start:p.i], pos: start}
	case strings.IndexByte("()=,", c) >= 0:
		p.i++
		p.tok = token{kind: tPunct, text: p.s[start:p.i], pos: start}
	default:
		p.tok = token{pos: start}
		p.fail("unexpected character %q", string(c))
	}
}

func isWordStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}
func isWordByte(c byte) bool { return isWordStart(c) || c >= '0' && c <= '9' || c == '.' || c == ':' }

// keyword reports whether the token is the keyword kw (any case).
func (p *textParser) keyword(kw string) bool {
	return p.tok.kind == tWord && strings.EqualFold(p.tok.text, kw)
}

func (p *textParser) punct(s string) bool { return p.tok.kind == tPunct && p.tok.text == s }

func (p *textParser) expect(s string) {
	if !p.punct(s) {
		p.fail("expected %q, found %s", s, describe(p.tok))
		return
	}
	p.next()
}

func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "the end"
	case tString:
		return "'" + t.text + "'"
	case tQuoted:
		return `"` + t.text + `"`
	}
	return strconv.Quote(t.text)
}

func (p *textParser) expr(depth int) Expr {
	if depth > maxDepth {
		p.fail("the filter nests deeper than %d", maxDepth)
		return nil
	}
	args := []Expr{p.and(depth)}
	for p.err == nil && p.keyword("or") {
		p.next()
		args = append(args, p.and(depth))
	}
	if len(args) == 1 {
		return args[0]
	}
	return Logic{Op: "or", Args: args}
}

func (p *textParser) and(depth int) Expr {
	args := []Expr{p.not(depth)}
	for p.err == nil && p.keyword("and") {
		p.next()
		args = append(args, p.not(depth))
	}
	if len(args) == 1 {
		return args[0]
	}
	return Logic{Op: "and", Args: args}
}

func (p *textParser) not(depth int) Expr {
	if p.keyword("not") {
		p.next()
		return Not{X: p.not(depth + 1)}
	}
	return p.primary(depth)
}

var comparisons = map[string]bool{"=": true, "<>": true, "<": true, "<=": true, ">": true, ">=": true}

func (p *textParser) primary(depth int) Expr {
	if p.punct("(") {
		p.next()
		e := p.expr(depth + 1)
		p.expect(")")
		return e
	}
	if p.tok.kind == tWord && spatialOps[strings.ToLower(p.tok.text)] {
		op := strings.ToLower(p.tok.text)
		p.next()
		p.expect("(")
		a := p.operand()
		p.expect(",")
		b := p.operand()
		p.expect(")")
		return Spatial{Op: op, Geom: a, With: b}
	}
	x := p.operand()
	if p.err != nil {
		return nil
	}
	switch {
	case p.tok.kind == tPunct && comparisons[p.tok.text]:
		op := p.tok.text
		p.next()
		return Compare{Op: op, Left: x, Right: p.operand()}
	case p.keyword("is"):
		p.next()
		not := p.keyword("not")
		if not {
			p.next()
		}
		if !p.keyword("null") {
			p.fail("expected NULL after IS, found %s", describe(p.tok))
		}
		p.next()
		return IsNull{X: x, Not: not}
	}
	not := p.keyword("not")
	if not {
		p.next()
	}
	switch {
	case p.keyword("like"):
		p.next()
		casei := p.keyword("casei")
		if casei {
			p.next()
			p.expect("(")
		}
		if p.tok.kind != tString {
			p.fail("LIKE takes a 'string' pattern (or CASEI('pattern')), found %s", describe(p.tok))
			return nil
		}
		pat := p.tok.text
		p.next()
		if casei {
			p.expect(")")
		}
		return Like{X: x, Pattern: pat, PatternCaseI: casei, Not: not}
	case p.keyword("between"):
		p.next()
		lo := p.operand()
		if !p.keyword("and") {
			p.fail("expected AND in BETWEEN, found %s", describe(p.tok))
			return nil
		}
		p.next()
		return Between{X: x, Lo: lo, Hi: p.operand(), Not: not}
	case p.keyword("in"):
		p.next()
		p.expect("(")
		list := []Operand{p.operand()}
		for p.err == nil && p.punct(",") {
			p.next()
			list = append(list, p.operand())
		}
		p.expect(")")
		return In{X: x, List: list, Not: not}
	}
	p.fail("expected a comparison, LIKE, BETWEEN, IN or IS NULL after the operand, found %s", describe(p.tok))
	return nil
}

func (p *textParser) number() float64 {
	if p.tok.kind != tNumber {
		p.fail("expected a number, found %s", describe(p.tok))
		return 0
	}
	v, err := strconv.ParseFloat(p.tok.text, 64)
	if err != nil {
		p.fail("%q is not a number", p.tok.text)
	}
	p.next()
	return v
}

func (p *textParser) operand() Operand {
	t := p.tok
	switch t.kind {
	case tString:
		p.next()
		return String{V: t.text}
	case tQuoted:
		p.next()
		return Property{Name: t.text, Pos: "character " + strconv.Itoa(t.pos+1)}
	case tNumber:
		return Number{V: p.number()}
	case tWord:
		switch {
		case strings.EqualFold(t.text, "true"), strings.EqualFold(t.text, "false"):
			p.next()
			return Bool{V: strings.EqualFold(t.text, "true")}
		case strings.EqualFold(t.text, "casei"):
			p.next()
			p.expect("(")
			x := p.operand()
			p.expect(")")
			return CaseI{X: x}
		case strings.EqualFold(t.text, "point"):
			p.next()
			x, y := p.point()
			return Point{X: x, Y: y}
		case strings.EqualFold(t.text, "geometrycollection"):
			p.next()
			var b strings.Builder
			p.collection(&b, 0)
			return Geometry{GeoJSON: b.String()}
		case strings.EqualFold(t.text, "bbox"):
			p.next()
			p.expect("(")
			var v [4]float64
			for i := range v {
				if i > 0 {
					p.expect(",")
				}
				v[i] = p.number()
			}
			p.expect(")")
			return BBox{MinX: v[0], MinY: v[1], MaxX: v[2], MaxY: v[3]}
		case wktTypes[strings.ToUpper(t.text)].typ != "":
			p.next()
			return p.wkt(strings.ToUpper(t.text))
		case isKeyword(t.text):
			p.fail("expected an operand, found the keyword %s", strings.ToUpper(t.text))
			return nil
		}
		p.next()
		return Property{Name: t.text, Pos: "character " + strconv.Itoa(t.pos+1)}
	}
	p.fail("expected an operand, found %s", describe(t))
	return nil
}

func isKeyword(w string) bool {
	switch strings.ToLower(w) {
	case "and", "or", "not", "like", "between", "in", "is", "null":
		return true
	}
	return false
}
