package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/geometryos/daemon1/server"
	"github.com/geometryos/daemon1/store"
	"github.com/valyala/fasthttp"
)

// Every route the API serves is in the OpenAPI document, which is valid.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	router, err := spec()
	if err != nil {
		t.Fatalf("the OpenAPI document: %v", err)
	}
	r := server.NewRouter(nil)
	NewHealth(nil).Register(r)
	NewOps(nil).Register(r)
	NewFeatures(Options{Store: store.New()}).Register(r)
	for _, rt := range r.Routes() {
		req, _ := http.NewRequest(rt.Method, "http://127.0.0.1"+strings.NewReplacer("{c}", "c", "{id}", "i").Replace(rt.Pattern), nil)
		if _, _, err := router.FindRoute(req); err != nil {
			t.Errorf("%s %s is not documented: %v", rt.Method, rt.Pattern, err)
		}
	}
}

func TestCapabilities(t *testing.T) {
	d := startDaemon(t, "gnet", Options{})
	land := d.do("GET", "/", "").expect(t, 200, "").json(t)
	rels := map[string]bool{}
	for _, l := range land["links"].([]any) {
		rels[l.(map[string]any)["rel"].(string)] = true
	}
	for _, rel := range []string{"self", "service-desc", "conformance", "data"} {
		if !rels[rel] {
			t.Errorf("the landing page has no %q link", rel)
		}
	}
	conf := d.do("GET", "/conformance", "").expect(t, 200, "").json(t)
	if !strings.Contains(fmt.Sprint(conf["conformsTo"]), "ogcapi-features-1/1.0/conf/core") {
		t.Errorf("conformance: %v", conf)
	}
	r := d.do("GET", "/api", "").expect(t, 200, "")
	if ct := r.header.Get("Content-Type"); ct != "application/vnd.oai.openapi+json;version=3.0" {
		t.Errorf("/api Content-Type %q", ct)
	}
	d.do("GET", "/collections", "").expect(t, 200, "")
	d.do("GET", "/collections?f=json", "").expect(t, 200, "")
	d.do("GET", "/collections?f=xml", "").expect(t, 406, "/problems/not-acceptable")
	d.do("GET", "/collections", "", "Accept", "application/xml").expect(t, 406, "/problems/not-acceptable")
	if r := d.do("GET", "/collections?f=html", "").expect(t, 200, ""); !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Errorf("f=html: %s", r.header.Get("Content-Type"))
	}
	if r := d.do("GET", "/collections", "", "Accept", "text/html, application/*;q=0.5").expect(t, 200, ""); !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Errorf("a browser's Accept: %s", r.header.Get("Content-Type"))
	}
	if r := d.do("GET", "/collections", "", "Accept", "*/*").expect(t, 200, ""); r.header.Get("Content-Type") != "application/json" {
		t.Errorf("*/* alone: %s, want JSON", r.header.Get("Content-Type"))
	}
	d.do("GET", "/collections", "", "Accept", "application/json;q=0").expect(t, 406, "/problems/not-acceptable")
}

func TestCollectionLifecycle(t *testing.T) {
	d := startDaemon(t, "gnet", Options{})
	r := d.do("PUT", "/collections/roads", `{"title":"Roads","description":"every road"}`).expect(t, 201, "")
	if loc := r.header.Get("Location"); loc != "/collections/roads" {
		t.Errorf("Location %q", loc)
	}
	d.do("PUT", "/collections/roads", "").expect(t, 200, "")
	c := d.do("GET", "/collections/roads", "").expect(t, 200, "").json(t)
	if c["title"] != "Roads" || c["description"] != "every road" || c["itemType"] != "feature" {
		t.Errorf("collection %v", c)
	}
	d.do("PUT", "/collections/bad%20name", "").expect(t, 400, "/problems/invalid-parameter")
	d.do("PUT", "/collections/x", `{"title":1}`).expect(t, 400, "/problems/invalid-body")
	d.do("PUT", "/collections/x", `{"title":"t"}`, "Content-Type", "text/plain").expect(t, 415, "/problems/unsupported-media-type")
	d.do("DELETE", "/collections/roads", "").expect(t, 204, "")
	d.do("DELETE", "/collections/roads", "").expect(t, 404, "/problems/no-such-collection")
	d.do("GET", "/collections/roads", "").expect(t, 404, "/problems/no-such-collection")
	d.do("GET", "/collections/roads/items", "").expect(t, 404, "/problems/no-such-collection")
}

const pointA = `{"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[13.4,52.5]},"properties":{"name":"A","n":1}}`

func TestFeatureLifecycle(t *testing.T) {
	d := startDaemon(t, "gnet", Options{})
	d.do("PUT", "/collections/c", "").expect(t, 201, "")
	r := d.do("POST", "/collections/c/items", pointA, "Content-Type", "application/geo+json").expect(t, 201, "")
	if r.header.Get("Location") != "/collections/c/items/a" || r.header.Get("ETag") == "" {
		t.Fatalf("Location %q ETag %q", r.header.Get("Location"), r.header.Get("ETag"))
	}
	d.do("POST", "/collections/c/items", pointA).expect(t, 409, "/problems/conflict")
	got := d.do("GET", "/collections/c/items/a", "").expect(t, 200, "")
	etag := got.header.Get("ETag")
	f := got.json(t)
	if f["id"] != "a" || fmt.Sprint(f["geometry"]) != "map[coordinates:[13.4 52.5] type:Point]" || fmt.Sprint(f["properties"]) != "map[n:1 name:A]" {
		t.Fatalf("feature %v", f)
	}
	d.do("GET", "/collections/c/items/a", "", "If-None-Match", etag).expect(t, 304, "")

	// Replace, conditionally.
	moved := strings.Replace(pointA, "13.4,52.5", "2.35,48.85", 1)
	d.do("PUT", "/collections/c/items/a", moved, "If-Match", `"999"`).expect(t, 412, "/problems/precondition-failed")
	r = d.do("PUT", "/collections/c/items/a", moved, "If-Match", etag).expect(t, 200, "")
	if r.header.Get("ETag") == etag {
		t.Fatal("the ETag did not change with the feature")
	}
	d.do("PUT", "/collections/c/items/b", strings.Replace(moved, `"id":"a",`, "", 1)).expect(t, 201, "")
	d.do("PUT", "/collections/c/items/b", moved).expect(t, 400, "/problems/invalid-body") // ids differ
	d.do("PUT", "/collections/c/items/new", strings.Replace(moved, `"id":"a",`, "", 1), "If-Match", "*").expect(t, 412, "/problems/precondition-failed")

	// Merge patch: set, remove, keep; geometry replaced; the id stays.
	r = d.do("PATCH", "/collections/c/items/a", `{"properties":{"name":null,"k":"v"}}`, "Content-Type", "application/merge-patch+json").expect(t, 200, "")
	if p := fmt.Sprint(r.json(t)["properties"]); p != "map[k:v n:1]" {
		t.Fatalf("patched properties %s", p)
	}
	r = d.do("PATCH", "/collections/c/items/a", `{"geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}}`).expect(t, 200, "")
	if g := fmt.Sprint(r.json(t)["geometry"]); g != "map[coordinates:[[0 0] [1 1]] type:LineString]" {
		t.Fatalf("patched geometry %s", g)
	}
	d.do("PATCH", "/collections/c/items/a", `{"id":"z"}`).expect(t, 400, "/problems/invalid-body")
	d.do("PATCH", "/collections/c/items/a", `{"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1]]]}}`).expect(t, 422, "/problems/invalid-geometry")
	d.do("PATCH", "/collections/c/items/a", `[1]`).expect(t, 400, "/problems/invalid-body")
	d.do("PATCH", "/collections/c/items/nope", `{}`).expect(t, 404, "/problems/no-such-feature")

	d.do("DELETE", "/collections/c/items/a", "", "If-Match", `"1"`).expect(t, 412, "/problems/precondition-failed")
	d.do("DELETE", "/collections/c/items/a", "").expect(t, 204, "")
	d.do("DELETE", "/collections/c/items/a", "").expect(t, 404, "/problems/no-such-feature")
	d.do("GET", "/collections/c/items/a", "").expect(t, 404, "/problems/no-such-feature")

	// Ids: numbers stay numbers; escaped ids round-trip; no id gets one.
	d.do("POST", "/collections/c/items", `{"type":"Feature","id":42,"geometry":{"type":"Point","coordinates":[0,0]},"properties":null}`).expect(t, 201, "")
	if id := d.do("GET", "/collections/c/items/42", "").expect(t, 200, "").json(t)["id"]; id != float64(42) {
		t.Fatalf("numeric id came back as %#v", id)
	}
	d.do("PUT", "/collections/c/items/a%2Fb%20c", `{"type":"Feature","geometry":{"type":"Point","coordinates":[0,0]},"properties":{}}`).expect(t, 201, "")
	if id := d.do("GET", "/collections/c/items/a%2Fb%20c", "").expect(t, 200, "").json(t)["id"]; id != "a/b c" {
		t.Fatalf("escaped id came back as %#v", id)
	}
	r = d.do("POST", "/collections/c/items", `{"type":"Feature","geometry":{"type":"Point","coordinates":[0,0]},"properties":null}`).expect(t, 201, "")
	d.do("GET", r.header.Get("Location"), "").expect(t, 200, "")
}

func TestBulkInsert(t *testing.T) {
	d := startDaemon(t, "gnet", Options{MaxBulk: 5})
	d.do("PUT", "/collections/c", "").expect(t, 201, "")
	fc := func(ids ...string) string {
		var fs []string
		for i, id := range ids {
			fs = append(fs, fmt.Sprintf(`{"type":"Feature","id":%q,"geometry":{"type":"Point","coordinates":[%d,1]},"properties":{}}`, id, i))
		}
		return `{"type":"FeatureCollection","features":[` + strings.Join(fs, ",") + `]}`
	}
	r := d.do("POST", "/collections/c/items", fc("a", "b", "c")).expect(t, 201, "")
	if string(r.body) != `{"inserted":3}` {
		t.Fatalf("body %s", r.body)
	}
	count := func() float64 {
		return d.do("GET", "/collections/c/items", "").expect(t, 200, "").json(t)["numberMatched"].(float64)
	}
	d.do("POST", "/collections/c/items", fc("d", "a")).expect(t, 409, "/problems/conflict")
	d.do("POST", "/collections/c/items", fc("d", "e", "d")).expect(t, 400, "/problems/invalid-body")
	d.do("POST", "/collections/c/items", fc("1", "2", "3", "4", "5", "6")).expect(t, 413, "/problems/payload-too-large")
	bad := strings.Replace(fc("d", "e"), `"coordinates":[1,1]`, `"coordinates":[1,91]`, 1)
	p := d.do("POST", "/collections/c/items", bad).expect(t, 422, "/problems/invalid-geometry").json(t)
	if !strings.Contains(p["detail"].(string), "features[1].geometry.coordinates: latitude 91 is outside") {
		t.Fatalf("detail %q", p["detail"])
	}
	if n := count(); n != 3 {
		t.Fatalf("refused batches left %g features, want 3", n)
	}
	seq := "\x1e" + strings.Join(strings.Split(strings.TrimSuffix(strings.TrimPrefix(fc("s1", "s2"), `{"type":"FeatureCollection","features":[`), "]}"), `},{"type"`), "}\n\x1e{\"type\"") + "\n"
	d.do("POST", "/collections/c/items", seq, "Content-Type", "application/geo+json-seq").expect(t, 201, "")
	d.do("POST", "/collections/c/items", `{"type":"Feature"}`+"\n", "Content-Type", "application/geo+json-seq").expect(t, 400, "/problems/invalid-body")
	if n := count(); n != 5 {
		t.Fatalf("%g features after the sequence, want 5", n)
	}
}

// Bad input gets its status and problem type, and changes nothing.
func TestBadInput(t *testing.T) {
	d := startDaemon(t, "gnet", Options{})
	d.do("PUT", "/collections/c", "").expect(t, 201, "")
	d.do("POST", "/collections/c/items", pointA).expect(t, 201, "")
	before := d.do("GET", "/collections/c/items/a", "").expect(t, 200, "")
	f := func(method, path, body string, status int, typ, detail string) {
		t.Helper()
		r := d.do(method, path, body).expect(t, status, typ)
		if typ == "" {
			return
		}
		if got := r.json(t)["detail"].(string); !strings.Contains(got, detail) {
			t.Fatalf("%s %s %s: detail %q does not say %q", method, path, body, got, detail)
		}
	}
	geo := func(g string) string {
		return `{"type":"Feature","id":"a","geometry":` + g + `,"properties":{}}`
	}
	for _, m := range []string{"POST", "PUT"} {
		path := "/collections/c/items"
		if m == "PUT" {
			path += "/a"
		}
		f(m, path, `{"type":"Feature",`, 400, "/problems/invalid-body", "must be a GeoJSON Feature")
		f(m, path, `{"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[NaN,0]}}`, 400, "/problems/invalid-body", "")
		f(m, path, `{"type":"Feature","id":true,"geometry":{"type":"Point","coordinates":[0,0]}}`, 400, "/problems/invalid-body", "id: must be a string or a number")
		f(m, path, `{"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[0,0]},"properties":[1]}`, 400, "/problems/invalid-body", "properties: must be an object or null")
		f(m, path, `{"type":"Feature","id":"a","properties":{}}`, 400, "/problems/invalid-body", "geometry: is missing")
		f(m, path, `{"type":"Point","coordinates":[0,0]}`, 400, "/problems/invalid-body", "type: must be")
		f(m, path, geo(`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}`), 422, "/problems/invalid-geometry", "polygon ring 0 is not closed")
		f(m, path, geo(`{"type":"Point","coordinates":[1e400,0]}`), 422, "/problems/invalid-geometry", "geometry.coordinates: must be a position")
		f(m, path, geo(`{"type":"Point","coordinates":[1e300,0]}`), 422, "/problems/invalid-geometry", "longitude 1e+300 is outside")
		f(m, path, geo(`{"type":"Point","coordinates":["1",0]}`), 422, "/problems/invalid-geometry", "must be a position")
		f(m, path, geo(`{"type":"Pointy","coordinates":[0,0]}`), 422, "/problems/invalid-geometry", `"Pointy" is not a geometry type`)
		// Text that GDAL and OWSLib could not read back (RFC 8259 §8.1).
		f(m, path, `{"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[0,0]},"properties":{"n":{"x":["ok","`+"\xff"+`"]}}}`,
			400, "/problems/invalid-body", "properties.n.x[1]: holds bytes that are not UTF-8")
		f(m, path, `{"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[0,0]},"properties":{"s":"\ud800"}}`,
			400, "/problems/invalid-body", "properties.s: holds a lone UTF-16 surrogate")
		f(m, path, `{"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[0,0]},"properties":{"big":1e400}}`,
			400, "/problems/invalid-body", "properties.big: the number 1e400 is out of range")
		f(m, path, `{"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[0,0]}} {}`, 400, "/problems/invalid-body", "after top-level value")
	}
	f("POST", "/collections/c/items", `{"type":"Feature","id":"a\u0000b","geometry":{"type":"Point","coordinates":[0,0]}}`, 400, "/problems/invalid-body", "id: must not hold control characters")
	f("POST", "/collections/c/items", `{"type":"Feature","id":"`+"\xff"+`","geometry":{"type":"Point","coordinates":[0,0]}}`, 400, "/problems/invalid-body", "id: holds bytes that are not UTF-8")
	f("POST", "/collections/c/items", `{"type":"Feature","id":1e999,"geometry":{"type":"Point","coordinates":[0,0]}}`, 400, "/problems/invalid-body", "id: the number 1e999 is out of range")
	f("PATCH", "/collections/c/items/a", `{"properties":{"s":"`+"\xff"+`"}}`, 400, "/problems/invalid-body", "properties.s: holds bytes that are not UTF-8")
	f("PUT", "/collections/c", `{"title":"`+"\xff"+`"}`, 400, "/problems/invalid-body", "title: holds bytes that are not UTF-8")
	f("PATCH", "/collections/c/items/a", `{"properties":{"n":1}} x`, 400, "/problems/invalid-body", "unexpected data after the JSON value")
	f("POST", "/collections/c/search", `{"nearby":{"point":[0,0]}} {}`, 400, "/problems/invalid-body", "unexpected data after the JSON value")
	f("GET", "/collections/c/items?bbox=1,2,3", "", 400, "/problems/invalid-parameter", "must be minLon,minLat,maxLon,maxLat")
	f("GET", "/collections/c/items?bbox=1,2,x,4", "", 400, "/problems/invalid-parameter", `"x" is not a number`)
	f("GET", "/collections/c/items?bbox=0,0,1,91", "", 400, "/problems/invalid-parameter", "outside")
	f("GET", "/collections/c/items?limit=0", "", 400, "/problems/invalid-parameter", "limit")
	f("GET", "/collections/c/items?limit=ten", "", 400, "/problems/invalid-parameter", "limit")
	f("GET", "/collections/c/items?cursor=zzz", "", 400, "/problems/invalid-parameter", "cursor")
	f("POST", "/collections/c/search", `{}`, 400, "/problems/invalid-body", "exactly one of")
	f("POST", "/collections/c/search", `{"within":{"type":"Point","coordinates":[0,0]},"nearby":{"point":[0,0]}}`, 400, "/problems/invalid-body", "exactly one of")
	f("POST", "/collections/c/search", `{"nearby":{"point":[0,0]},"radious":5}`, 400, "/problems/invalid-body", "radious")
	f("POST", "/collections/c/search", `{"nearby":{"point":[0]}}`, 400, "/problems/invalid-body", "nearby.point")
	f("POST", "/collections/c/search", `{"nearby":{"point":[0,0],"k":0}}`, 400, "/problems/invalid-body", "nearby.k")
	f("POST", "/collections/c/search", `{"nearby":{"point":[0,0],"radius":-1}}`, 400, "/problems/invalid-body", "nearby.radius")
	f("POST", "/collections/c/search", `{"intersects":{"type":"LineString","coordinates":[[0,0]]}}`, 422, "/problems/invalid-geometry", "intersects.coordinates")
	f("POST", "/collections/c/search", `{"within":{"type":"Point","coordinates":[0,0]},"cursor":"aTc"}`, 200, "", "")
	f("POST", "/collections/c/search", `{"nearby":{"point":[0,0]},"cursor":"aTc"}`, 400, "/problems/invalid-body", "cursor")
	f("POST", "/collections/nope/items", pointA, 404, "/problems/no-such-collection", `"nope"`)
	f("GET", "/collections/c/items/zz", "", 404, "/problems/no-such-feature", `"zz"`)
	d.do("POST", "/collections/c/items", pointA, "Content-Type", "text/csv").expect(t, 415, "/problems/unsupported-media-type")
	d.do("GET", "/collections/c/items/a", "", "Accept", "text/csv").expect(t, 406, "/problems/not-acceptable")
	after := d.do("GET", "/collections/c/items/a", "").expect(t, 200, "")
	if string(after.body) != string(before.body) || after.header.Get("ETag") != before.header.Get("ETag") {
		t.Fatalf("a refused request changed the feature:\n%s\n%s", before.body, after.body)
	}
}

func TestWritesNeedTheToken(t *testing.T) {
	d := startDaemon(t, "gnet", Options{Auth: NewAuth("s3cret")})
	r := d.do("PUT", "/collections/c", "").expect(t, 401, "/problems/unauthorized")
	if r.header.Get("WWW-Authenticate") != `Bearer realm="daemon1"` {
		t.Fatalf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
	}
	r = d.do("PUT", "/collections/c", "", "Authorization", "Bearer nope").expect(t, 401, "/problems/unauthorized")
	if !strings.Contains(r.header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Fatalf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
	}
	d.do("PUT", "/collections/c", "", "Authorization", "Bearer s3cret").expect(t, 201, "")
	d.do("POST", "/collections/c/items", pointA).expect(t, 401, "/problems/unauthorized")
	d.do("DELETE", "/collections/c", "").expect(t, 401, "/problems/unauthorized")
	d.do("POST", "/collections/c/items", pointA, "Authorization", "bearer s3cret").expect(t, 201, "")
	// Reads, search included, stay open.
	d.do("GET", "/collections/c/items/a", "").expect(t, 200, "")
	d.do("POST", "/collections/c/search", `{"nearby":{"point":[0,0]}}`).expect(t, 200, "")
}

// Until start-up hands it the replayed store, the API answers 503.
func TestAPIWaitsForTheStore(t *testing.T) {
	r := server.NewRouter(nil)
	f := NewFeatures(Options{})
	f.Register(r)
	h := server.NewFastHTTP(r, server.Options{})
	get := func() (int, string) {
		var ctx fasthttp.RequestCtx
		ctx.Request.SetRequestURI("/collections")
		h.ServeHTTP(&ctx)
		return ctx.Response.StatusCode(), string(ctx.Response.Body())
	}
	if code, body := get(); code != 503 || !strings.Contains(body, "replaying") {
		t.Fatalf("before the store: %d %s", code, body)
	}
	f.SetStore(store.New())
	if code, body := get(); code != 200 {
		t.Fatalf("with the store: %d %s", code, body)
	}
}

// A bbox whose west edge is east of its east edge crosses the antimeridian
// (OGC API – Features §7.15.3): it is the two boxes either side of it.
func TestBBoxAcrossTheAntimeridian(t *testing.T) {
	d := startDaemon(t, "gnet", Options{})
	d.do("PUT", "/collections/c", "").expect(t, 201, "")
	for id, lon := range map[string]float64{"east": 179.5, "west": -179.5, "middle": 0, "far": 150} {
		d.do("PUT", "/collections/c/items/"+id, fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[%g,1]}}`, lon)).expect(t, 201, "")
	}
	r := d.do("GET", "/collections/c/items?bbox=170,-10,-170,10", "").expect(t, 200, "")
	var ids []string
	for _, f := range r.json(t)["features"].([]any) {
		ids = append(ids, f.(map[string]any)["id"].(string))
	}
	if fmt.Sprint(ids) != "[east west]" {
		t.Fatalf("features %v, want [east west]", ids)
	}
}

// "geometry": null is an unlocated feature (RFC 7946 §3.2): stored,
// listed and fetched, found by no spatial query, kept across a restart.
func TestUnlocatedFeature(t *testing.T) {
	d := startDaemon(t, "gnet", Options{})
	d.do("PUT", "/collections/c", "").expect(t, 201, "")
	d.do("PUT", "/collections/c/items/nowhere", `{"type":"Feature","geometry":null,"properties":{"n":1}}`).expect(t, 201, "")
	d.do("PUT", "/collections/c/items/here", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,1]}}`).expect(t, 201, "")
	got := d.do("GET", "/collections/c/items/nowhere", "").expect(t, 200, "").json(t)
	if got["geometry"] != nil || got["properties"].(map[string]any)["n"] != 1.0 {
		t.Fatalf("GET: %v", got)
	}
	if n := len(d.do("GET", "/collections/c/items", "").expect(t, 200, "").json(t)["features"].([]any)); n != 2 {
		t.Fatalf("the listing has %d features, want both", n)
	}
	for _, q := range []string{"/collections/c/items?bbox=-180,-90,180,90"} {
		if n := len(d.do("GET", q, "").expect(t, 200, "").json(t)["features"].([]any)); n != 1 {
			t.Fatalf("%s: %d features, want only the located one", q, n)
		}
	}
	for _, body := range []string{`{"nearby":{"point":[0,0],"k":5}}`, `{"intersects":{"type":"Polygon","coordinates":[[[-180,-90],[180,-90],[180,90],[-180,90],[-180,-90]]]}}`} {
		if n := len(d.do("POST", "/collections/c/search", body).expect(t, 200, "").json(t)["features"].([]any)); n != 1 {
			t.Fatalf("search %s: %d features, want only the located one", body, n)
		}
	}
	d.do("PATCH", "/collections/c/items/nowhere", `{"geometry":{"type":"Point","coordinates":[2,2]}}`).expect(t, 200, "")
	if n := len(d.do("GET", "/collections/c/items?bbox=1.5,1.5,2.5,2.5", "").expect(t, 200, "").json(t)["features"].([]any)); n != 1 {
		t.Fatal("a feature patched from null to a point is not found where it now is")
	}
	d.do("PATCH", "/collections/c/items/nowhere", `{"geometry":null}`).expect(t, 200, "")
	d.do("DELETE", "/collections/c/items/nowhere", "").expect(t, 204, "")
}
