package api

import (
	"runtime"
	"time"

	"github.com/geometryos/daemon1/codec"
	"github.com/geometryos/daemon1/server"
	"github.com/geometryos/daemon1/store"
	"github.com/valyala/fasthttp"
)

// appendFeature appends f as a GeoJSON Feature, without its closing brace
// (a single feature adds its links). The geometry and the properties are
// the JSON stored (a 2D point is encoded from its two numbers); withDist
// adds the foreign member "distance" (metres); t (nil: none) trims it.
func appendFeature(dst []byte, f *store.Feature, withDist bool, dist float64, t *trim) []byte {
	dst = append(dst, `{"type":"Feature","id":`...)
	if f.NumericID() {
		dst = append(dst, f.ID()...)
	} else {
		dst = codec.AppendString(dst, f.ID())
	}
	dst = append(dst, `,"geometry":`...)
	c := crsCRS84
	if t != nil {
		c = t.crs
	}
	if t != nil && t.skipGeometry {
		dst = append(dst, "null"...)
	} else if lon, lat, ok := f.Point(); ok {
		x, y := c.fromCRS84(lon, lat)
		dst = codec.AppendPoint(dst, x, y)
	} else {
		dst = c.appendGeometry(dst, f.GeometryJSON())
	}
	dst = append(dst, `,"properties":`...)
	dst = t.appendProperties(dst, f.Properties())
	if withDist {
		dst = append(dst, `,"distance":`...)
		dst = codec.AppendFloat(dst, dist)
	}
	return dst
}

// appendLink appends one link object. Its href is absolute: the Host the
// client used, then the pieces of href, which must be URL-escaped already.
func appendLink(dst []byte, ctx *fasthttp.RequestCtx, rel, typ, title string, href ...string) []byte {
	dst = append(dst, `{"rel":`...)
	dst = codec.AppendString(dst, rel)
	if typ != "" {
		dst = append(dst, `,"type":`...)
		dst = codec.AppendString(dst, typ)
	}
	if title != "" {
		dst = append(dst, `,"title":`...)
		dst = codec.AppendString(dst, title)
	}
	dst = append(dst, `,"href":"http://`...)
	// Escaped for JSON: a Host or an id may hold quotes or backslashes.
	dst = codec.AppendStringContent(dst, ctx.Host())
	for _, h := range href {
		dst = codec.AppendStringContent(dst, h)
	}
	return append(dst, `"}`...)
}

// appendTimeStamp appends the "timeStamp" member: when the response was made.
func appendTimeStamp(dst []byte) []byte {
	dst = append(dst, `"timeStamp":"`...)
	dst = time.Now().UTC().AppendFormat(dst, "2006-01-02T15:04:05.000Z")
	return append(dst, '"')
}

// encodeFeatures encodes the page's features into l.feats until until
// passes (checked every 32): then the page is cut after the last one
// encoded, and its Next cursor resumes there. A page of thousands of
// features costs milliseconds to encode; this keeps that inside the budget
// as the query's own StopAt keeps the search. Zero until: no limit. A
// page that either cut short is counted so (server.Cut).
func (l *listing) encodeFeatures(ctx *fasthttp.RequestCtx, until time.Time) {
	b, p, withDist := l.feats[:0], &l.p, l.q.Kind == store.Nearby
	if p.Stopped {
		server.Cut(ctx)
	}
	for i, f := range p.Features {
		if i%32 == 31 {
			if !until.IsZero() && time.Now().After(until) {
				p.Cut(i, &l.q)
				server.Cut(ctx)
				break
			}
			if i%512 == 511 {
				runtime.Gosched() // a large page is encoded on a worker: let an event loop waiting for a CPU in
			}
		}
		if i > 0 {
			b = append(b, ',')
		}
		d := 0.0
		if withDist {
			d = p.Dists[i]
		}
		b = appendFeature(b, f, withDist, d, &l.trim)
		b = append(b, '}')
	}
	l.feats = b
}

// appendCollectionPage appends a FeatureCollection of l's page, its
// features encoded by encodeFeatures, with the links links appends.
func appendCollectionPage(dst []byte, l *listing, nextCursor []byte, links func([]byte) []byte) []byte {
	p := &l.p
	dst = append(dst, `{"type":"FeatureCollection","features":[`...)
	dst = append(dst, l.feats...)
	dst = append(dst, `],"numberReturned":`...)
	dst = codec.AppendInt(dst, int64(len(p.Features)))
	if p.Matched >= 0 {
		dst = append(dst, `,"numberMatched":`...)
		dst = codec.AppendInt(dst, int64(p.Matched))
	}
	dst = append(dst, ',')
	dst = appendTimeStamp(dst)
	if nextCursor != nil {
		dst = append(dst, `,"next":`...)
		dst = codec.AppendString(dst, nextCursor)
	}
	dst = append(dst, `,"links":[`...)
	dst = links(dst)
	return append(dst, "]}"...)
}
