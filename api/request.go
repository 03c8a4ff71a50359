package api

import (
	"bytes"
	"crypto/subtle"
	"math"
	"strconv"

	"github.com/geometryos/daemon1/server"
	"github.com/geometryos/daemon1/store"
	"github.com/valyala/fasthttp"
)

// Media types the API speaks.
var (
	mtGeoJSON    = []byte("application/geo+json")
	mtJSON       = []byte("application/json")
	mtGeoJSONSeq = []byte("application/geo+json-seq")
	mtNDJSON     = []byte("application/x-ndjson") // also as application/ndjson
	mtNDJSONStd  = []byte("application/ndjson")
	mtMerge      = []byte("application/merge-patch+json")
	mtOpenAPI    = []byte("application/vnd.oai.openapi+json;version=3.0")
)

// acceptable reports whether the request's Accept header (absent: anything)
// admits one of the types offered, and answers 406 if not. It also honours
// the OGC f parameter: f=json or f=geojson, nothing else.
func acceptable(ctx *fasthttp.RequestCtx, offered ...[]byte) bool {
	if f := ctx.QueryArgs().Peek("f"); len(f) > 0 {
		if string(f) != "json" && string(f) != "geojson" {
			server.WriteProblem(ctx, fasthttp.StatusNotAcceptable, ProblemNotAcceptable,
				"f="+string(f)+" is not served here: f=json (f=html on the pages a browser reads: the landing page, conformance, the API, the collections and their features)")
			return false
		}
		return true
	}
	accept := ctx.Request.Header.Peek("Accept")
	if len(accept) == 0 || acceptsAny(accept, offered) {
		return true
	}
	server.WriteProblem(ctx, fasthttp.StatusNotAcceptable, ProblemNotAcceptable,
		"Accept "+strconv.Quote(string(accept))+" admits none of the types served here: "+joinTypes(offered))
	return false
}

// acceptsAny matches an Accept header's media ranges (RFC 9110 §12.5.1)
// against offered types; parameters other than q are ignored and q=0
// excludes a range.
func acceptsAny(accept []byte, offered [][]byte) bool {
	for len(accept) > 0 {
		var item []byte
		item, accept, _ = bytes.Cut(accept, []byte(","))
		rng, params, _ := bytes.Cut(item, []byte(";"))
		rng = bytes.TrimSpace(rng)
		if excludedByQ(params) {
			continue
		}
		for _, o := range offered {
			o, _, _ = bytes.Cut(o, []byte(";"))
			if matchRange(rng, o) {
				return true
			}
		}
	}
	return false
}

func excludedByQ(params []byte) bool {
	for len(params) > 0 {
		var p []byte
		p, params, _ = bytes.Cut(params, []byte(";"))
		k, v, _ := bytes.Cut(bytes.TrimSpace(p), []byte("="))
		if len(k) == 1 && (k[0] == 'q' || k[0] == 'Q') {
			q, err := strconv.ParseFloat(string(bytes.TrimSpace(v)), 64)
			return err == nil && q == 0
		}
	}
	return false
}

func matchRange(rng, typ []byte) bool {
	if string(rng) == "*/*" {
		return true
	}
	rt, rs, _ := bytes.Cut(rng, []byte("/"))
	tt, ts, _ := bytes.Cut(typ, []byte("/"))
	return bytes.EqualFold(rt, tt) && (string(rs) == "*" || bytes.EqualFold(rs, ts))
}

func joinTypes(ts [][]byte) string {
	var b []byte
	for i, t := range ts {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, t...)
	}
	return string(b)
}

// contentType returns the request's media type without parameters,
// lower-cased; a missing Content-Type reads as application/json.
func contentType(ctx *fasthttp.RequestCtx) []byte {
	ct := ctx.Request.Header.ContentType()
	if len(ct) == 0 {
		return mtJSON
	}
	ct, _, _ = bytes.Cut(ct, []byte(";"))
	return bytes.ToLower(bytes.TrimSpace(ct))
}

// requireType answers 415 unless the request's Content-Type is one of
// allowed, and returns the one it is.
func requireType(ctx *fasthttp.RequestCtx, allowed ...[]byte) ([]byte, bool) {
	ct := contentType(ctx)
	for _, a := range allowed {
		if bytes.Equal(ct, a) {
			return a, true
		}
	}
	server.WriteProblem(ctx, fasthttp.StatusUnsupportedMediaType, ProblemMediaType,
		"Content-Type "+strconv.Quote(string(ct))+" is not accepted here; send one of: "+joinTypes(allowed))
	return nil, false
}

// ifMatch turns the If-Match header into a store.Match (nil when absent):
// "*" matches any existing feature, otherwise one of the listed strong
// ETags must be the feature's (RFC 9110 §13.1.1).
func ifMatch(ctx *fasthttp.RequestCtx) store.Match {
	h := ctx.Request.Header.Peek("If-Match")
	if len(h) == 0 {
		return nil
	}
	h = bytes.Clone(h)
	if string(bytes.TrimSpace(h)) == "*" {
		return func(cur *store.Feature) bool { return cur != nil }
	}
	return func(cur *store.Feature) bool {
		if cur == nil {
			return false
		}
		var tag [24]byte
		want := appendETag(tag[:0], cur.Version())
		for rest := h; len(rest) > 0; {
			var t []byte
			t, rest, _ = bytes.Cut(rest, []byte(","))
			if bytes.Equal(bytes.TrimSpace(t), want) {
				return true
			}
		}
		return false
	}
}

// appendETag appends the strong entity tag of a feature version.
func appendETag(dst []byte, version uint64) []byte {
	dst = append(dst, '"')
	dst = strconv.AppendUint(dst, version, 10)
	return append(dst, '"')
}

// Auth guards the writes with a bearer token (RFC 6750); reads stay open.
type Auth struct {
	token []byte // empty: no token needed
}

// NewAuth requires token on every write (and on the operators' endpoints
// that Ops.Protect names); an empty token requires none.
func NewAuth(token string) *Auth { return &Auth{token: []byte(token)} }

var bearer = []byte("Bearer ")

// allowed answers 401 with WWW-Authenticate unless the request carries the
// token. The comparison takes the same time whatever the token sent.
func (a *Auth) allowed(ctx *fasthttp.RequestCtx) bool {
	if a == nil || len(a.token) == 0 {
		return true
	}
	h := ctx.Request.Header.Peek("Authorization")
	if len(h) > len(bearer) && bytes.EqualFold(h[:len(bearer)], bearer) &&
		subtle.ConstantTimeCompare(bytes.TrimSpace(h[len(bearer):]), a.token) == 1 {
		return true
	}
	detail := "this request needs the header Authorization: Bearer <token> (writes, /admin/*, and /metrics under -auth-metrics)"
	challenge := `Bearer realm="daemon1"`
	if len(h) > 0 {
		detail = "the bearer token is not the one this server was given"
		challenge = `Bearer realm="daemon1", error="invalid_token"`
	}
	ctx.Response.Header.Set("WWW-Authenticate", challenge)
	server.WriteProblem(ctx, fasthttp.StatusUnauthorized, ProblemUnauthorized, detail)
	return false
}

// Limits of the listing and search parameters.
const (
	DefaultLimit = 10
	MaxLimit     = 10000
	DefaultK     = 10
	MaxK         = 10000
)

// parseLimit reads limit: absent is DefaultLimit, above MaxLimit is
// MaxLimit (OGC API – Features Part 1 /req/core/query-param-limit-response).
func parseLimit(raw []byte) (int, error) {
	if len(raw) == 0 {
		return DefaultLimit, nil
	}
	n, err := strconv.Atoi(string(raw))
	if err != nil || n < 1 {
		return 0, errorf("limit %q must be a whole number from 1 (at most %d are returned)", raw, MaxLimit)
	}
	return min(n, MaxLimit), nil
}

// parseBBox reads bbox=minLon,minLat,maxLon,maxLat (or the six-number
// form with heights, which are ignored) in CRS84. minLon > maxLon is a box
// that crosses the antimeridian.
func parseBBox(raw []byte, in crs) (minLon, minLat, maxLon, maxLat float64, err error) {
	var v [6]float64
	n := 0
	for rest := raw; ; {
		var part []byte
		part, rest, _ = bytes.Cut(rest, []byte(","))
		if n == 6 {
			return 0, 0, 0, 0, errorf("bbox %q has more than 6 numbers", raw)
		}
		x, err := strconv.ParseFloat(string(bytes.TrimSpace(part)), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, 0, 0, 0, errorf("bbox %q: %q is not a number", raw, part)
		}
		v[n] = x
		n++
		if rest == nil {
			break
		}
	}
	switch n {
	case 4:
		minLon, minLat, maxLon, maxLat = v[0], v[1], v[2], v[3]
	case 6:
		minLon, minLat, maxLon, maxLat = v[0], v[1], v[3], v[4]
	default:
		return 0, 0, 0, 0, errorf("bbox %q must be minLon,minLat,maxLon,maxLat", raw)
	}
	// The two corners as read, in bbox-crs's axes, to CRS84.
	minLon, minLat = in.toCRS84(minLon, minLat)
	maxLon, maxLat = in.toCRS84(maxLon, maxLat)
	switch {
	case minLon < -180 || maxLon > 180 || minLat < -90 || maxLat > 90:
		return 0, 0, 0, 0, errorf("bbox %q is outside [-180,180]×[-90,90]", raw)
	case minLat > maxLat:
		return 0, 0, 0, 0, errorf("bbox %q: its south edge is north of its north edge", raw)
	}
	return minLon, minLat, maxLon, maxLat, nil
}
