package api

import (
	"strings"
	"testing"

	"github.com/geometryos/daemon1/server"
	"github.com/geometryos/daemon1/store"
)

// Every route answers a query parameter it does not take with a 400
// invalid-parameter that names it (OGC API – Features Part 1,
// /req/core/query-param-unknown), before anything else happens, and so
// it does for a parameter given twice; what a route takes it still takes.
func TestUnknownParametersOnEveryRoute(t *testing.T) {
	d := startDaemon(t, "gnet", Options{})
	d.do("PUT", "/collections/c", "").expect(t, 201, "")
	r := server.NewRouter(nil)
	NewHealth(nil).Register(r)
	NewFeatures(Options{Store: store.New()}).Register(r)
	for _, rt := range r.Routes() {
		path := strings.NewReplacer("{c}", "c", "{id}", "i").Replace(rt.Pattern)
		p := d.do(rt.Method, path+"?offset=5", "").expect(t, 400, "/problems/invalid-parameter").json(t)
		if detail := p["detail"].(string); !strings.Contains(detail, `"offset"`) || !strings.Contains(detail, rt.Pattern) {
			t.Errorf("%s %s?offset=5: detail %q, want it to name offset and the route", rt.Method, path, detail)
		}
	}
	d.do("GET", "/collections/c/items?limit=5&limit=6", "").expect(t, 400, "/problems/invalid-parameter")
	d.do("GET", "/collections/c/items?name=A", "").expect(t, 400, "/problems/invalid-parameter")
	d.do("GET", "/collections/c/items?limit=5&bbox=0,0,1,1&bbox-crs=http://www.opengis.net/def/crs/OGC/1.3/CRS84&f=json", "").expect(t, 200, "")
	d.do("GET", "/collections?f=json", "").expect(t, 200, "")
}
