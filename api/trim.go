package api

import (
	"strconv"
	"strings"

	"github.com/geometryos/daemon1/codec"
	"github.com/geometryos/daemon1/store"
	"github.com/valyala/fasthttp"
)

// trim is what a read leaves out of the features it answers: the geometry
// (skipGeometry=true), or the properties it does not name
// (properties=a,b; empty: none). The zero trim leaves out nothing.
type trim struct {
	crs          crs // the crs asked for (Part 2)
	skipGeometry bool
	some         bool     // properties was given
	props        []string // the properties kept, in the order asked
}

// The trimming parameters of the reads of features.
var trimParams = []string{"properties", "skipGeometry", "crs"}

// trimOf reads the trimming parameters of a read in c into t, or answers
// 400 and reports false. A property that is not one of c's queryables is
// refused, as a typo would otherwise empty every feature silently.
func trimOf(ctx *fasthttp.RequestCtx, c *store.Collection, t *trim) bool {
	args := ctx.QueryArgs()
	*t = trim{}
	var err error
	if t.crs, err = parseCRS("crs", args.Peek("crs")); err != nil {
		badParam(ctx, "%v", err)
		return false
	}
	if raw := args.Peek("skipGeometry"); raw != nil {
		v, err := strconv.ParseBool(string(raw))
		if err != nil {
			badParam(ctx, "skipGeometry=%s: true or false", raw)
			return false
		}
		t.skipGeometry = v
	}
	if args.Has("properties") {
		t.some = true
		raw := string(args.Peek("properties"))
		if raw == "" {
			return true
		}
		for _, name := range strings.Split(raw, ",") {
			if _, ok := c.PropertyTypes(name); !ok {
				badParam(ctx, "properties: %q is not a property of collection %q (see its queryables)", name, c.Name())
				return false
			}
			t.props = append(t.props, name)
		}
	}
	return true
}

// contentCrs sets the Content-Crs header of an answer of features.
func (t *trim) contentCrs(ctx *fasthttp.RequestCtx) {
	ctx.Response.Header.Set("Content-Crs", crsHeaders[t.crs])
}

// appendProperties appends f's properties as t keeps them.
func (t *trim) appendProperties(dst []byte, props string) []byte {
	if t == nil || !t.some {
		if props == "" {
			return append(dst, "null"...)
		}
		return append(dst, props...)
	}
	dst = append(dst, '{')
	n := 0
	for _, name := range t.props {
		if v, ok := codec.Member(props, name); ok {
			if n++; n > 1 {
				dst = append(dst, ',')
			}
			dst = codec.AppendString(dst, name)
			dst = append(dst, ':')
			dst = append(dst, v...)
		}
	}
	return append(dst, '}')
}
