package api

import (
	"fmt"
	"math"
	"net/url"
	"strings"
	"testing"
)

// A read in EPSG:4326 answers latitude first, in EPSG:3857 Web Mercator
// metres, with Content-Crs saying which; a bbox in either picks what the
// same box in CRS84 picks; back to CRS84 the coordinates are the stored ones.
func TestCRS(t *testing.T) {
	d := startDaemon(t, "gnet", Options{})
	d.do("PUT", "/collections/c", "").expect(t, 201, "")
	d.do("PUT", "/collections/c/items/p", `{"type":"Feature","geometry":{"type":"Point","coordinates":[13.4,52.5]},"properties":null}`).expect(t, 201, "")
	d.do("PUT", "/collections/c/items/l", `{"type":"Feature","geometry":{"type":"LineString","coordinates":[[13,52,1],[14,53.5,7]]},"properties":null}`).expect(t, 201, "")
	const epsg4326, epsg3857 = "http://www.opengis.net/def/crs/EPSG/0/4326", "http://www.opengis.net/def/crs/EPSG/0/3857"
	get := func(path string) (string, string) {
		t.Helper()
		r := d.do("GET", path, "").expect(t, 200, "")
		return string(r.body), r.header.Get("Content-Crs")
	}
	body, hdr := get("/collections/c/items/p?crs=" + url.QueryEscape(epsg4326))
	if !strings.Contains(body, `"coordinates":[52.5,13.4]`) || hdr != "<"+epsg4326+">" {
		t.Fatalf("EPSG:4326: %s, Content-Crs %s", body, hdr)
	}
	body, _ = get("/collections/c/items/l?crs=" + url.QueryEscape(epsg4326))
	if !strings.Contains(body, `"coordinates":[[52,13,1],[53.5,14,7]]`) {
		t.Fatalf("EPSG:4326 line: %s", body)
	}
	body, hdr = get("/collections/c/items/p?crs=" + url.QueryEscape(epsg3857))
	x, y := crs3857.fromCRS84(13.4, 52.5)
	if math.Abs(x-1491681.9) > 1 || math.Abs(y-6891041.9) > 1 || !strings.Contains(body, fmt.Sprintf(`"coordinates":[%v,%v]`, x, y)) || hdr != "<"+epsg3857+">" {
		t.Fatalf("EPSG:3857: %v %v %s %s", x, y, body, hdr)
	}
	if lon, lat := crs3857.toCRS84(x, y); math.Abs(lon-13.4) > 1e-9 || math.Abs(lat-52.5) > 1e-9 {
		t.Fatalf("3857 round trip: %v %v", lon, lat)
	}
	_, hdr = get("/collections/c/items/p")
	if hdr != "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>" {
		t.Fatalf("CRS84 Content-Crs %s", hdr)
	}
	ids := func(q string) string {
		body, _ := get("/collections/c/items?" + q)
		return fmt.Sprint(strings.Count(body, `"type":"Feature"`), strings.Contains(body, `"id":"p"`), strings.Contains(body, `"id":"l"`))
	}
	want := ids("bbox=13.3,52.4,13.5,52.6")
	x0, y0 := crs3857.fromCRS84(13.3, 52.4)
	x1, y1 := crs3857.fromCRS84(13.5, 52.6)
	for _, q := range []string{
		"bbox=52.4,13.3,52.6,13.5&bbox-crs=" + url.QueryEscape(epsg4326),
		fmt.Sprintf("bbox=%f,%f,%f,%f&bbox-crs=%s", x0, y0, x1, y1, url.QueryEscape(epsg3857)),
	} {
		if got := ids(q); got != want || want != "2 true true" {
			t.Fatalf("%s: %s, want %s", q, got, want)
		}
	}
	d.do("GET", "/collections/c/items?crs=EPSG:4326", "").expect(t, 400, "/problems/invalid-parameter")
	coll := d.do("GET", "/collections/c", "").expect(t, 200, "").json(t)
	if len(coll["crs"].([]any)) != 3 || coll["storageCrs"] != crs84 {
		t.Fatalf("collection %v", coll)
	}
}
