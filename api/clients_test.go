package api

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/geometryos/daemon1/internal/testtool"
)

// gisData loads a collection of points on a grid and one polygon, and
// returns the ids by the brute-force answer to a box.
func gisData(t *testing.T, d *daemon) {
	t.Helper()
	d.do("PUT", "/collections/parcels", `{"title":"Parcels"}`).expect(t, 201, "")
	var fs []string
	for i := 0; i < 1234; i++ {
		fs = append(fs, fmt.Sprintf(`{"type":"Feature","id":"p%04d","geometry":{"type":"Point","coordinates":[%g,%g]},"properties":{"i":%d,"name":"parcel %d"}}`,
			i, float64(i%50)*0.02, float64(i/50)*0.02, i, i))
	}
	fs = append(fs, `{"type":"Feature","id":"zone","geometry":{"type":"Polygon","coordinates":[[[0.1,0.1],[0.3,0.1],[0.3,0.3],[0.1,0.3],[0.1,0.1]],[[0.15,0.15],[0.2,0.15],[0.2,0.2],[0.15,0.15]]]},"properties":{"i":-1,"name":"zone"}}`)
	d.do("POST", "/collections/parcels/items", `{"type":"FeatureCollection","features":[`+strings.Join(fs, ",")+`]}`).expect(t, 201, "")
}

// inBox is the brute-force answer for the box [0.31,0.5]×[0.11,0.25]:
// the grid points inside it (no polygon reaches it).
func inBox() []string {
	var ids []string
	for i := 0; i < 1234; i++ {
		lon, lat := float64(i%50)*0.02, float64(i/50)*0.02
		if lon >= 0.31 && lon <= 0.5 && lat >= 0.11 && lat <= 0.25 {
			ids = append(ids, fmt.Sprintf("p%04d", i))
		}
	}
	return ids
}

type geojsonFile struct {
	Features []struct {
		ID         any             `json:"id"`
		Geometry   json.RawMessage `json:"geometry"`
		Properties map[string]any  `json:"properties"`
	} `json:"features"`
}

// GDAL's OAPIF driver lists and counts, downloads a whole collection
// through next links, and filters by a box.
func TestGDAL(t *testing.T) {
	ogrinfo := testtool.Require(t, "ogrinfo", "gdal-bin")
	ogr2ogr := testtool.Require(t, "ogr2ogr", "gdal-bin")
	d := startDaemon(t, "gnet", Options{})
	gisData(t, d)
	src := "OAPIF:" + d.base
	run := func(name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Env = append(os.Environ(), "GDAL_HTTP_TIMEOUT=30", "CPL_DEBUG=OFF")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	if out := run(ogrinfo, "-ro", src); !strings.Contains(out, "parcels (title: Parcels)") {
		t.Fatalf("ogrinfo does not list the collection:\n%s", out)
	}
	if out := run(ogrinfo, "-ro", "-so", src, "parcels"); !strings.Contains(out, "Feature Count: 1235") {
		t.Fatalf("ogrinfo does not count 1235 features:\n%s", out)
	}

	// -where goes to the server as a filter (GDAL 3.6 sends the drafts'
	// cql-text; later GDALs cql2-text), and the answer is the brute force's.
	where := filepath.Join(t.TempDir(), "where.geojson")
	cmd := exec.Command(ogr2ogr, "-f", "GeoJSON", where, src, "parcels", "-where", "i < 300 AND name LIKE 'parcel 1%'", "-oo", "PAGE_SIZE=50")
	cmd.Env = append(os.Environ(), "GDAL_HTTP_TIMEOUT=30", "CPL_DEBUG=ON")
	if dbg, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(dbg), "&filter-lang=cql") {
		t.Fatalf("ogr2ogr -where: %v; the filter was not sent to the server:\n%s", err, dbg)
	}
	var wantWhere []string
	for i := 0; i < 300; i++ {
		if strings.HasPrefix(fmt.Sprint("parcel ", i), "parcel 1") {
			wantWhere = append(wantWhere, fmt.Sprintf("p%04d", i))
		}
	}
	var gotWhere []string
	for _, f := range readGeoJSON(t, where).Features {
		gotWhere = append(gotWhere, f.Properties["id"].(string))
	}
	slices.Sort(gotWhere)
	slices.Sort(wantWhere)
	if !slices.Equal(gotWhere, wantWhere) {
		t.Fatalf("ogr2ogr -where got %d features %v, want %d", len(gotWhere), gotWhere, len(wantWhere))
	}

	// The whole collection, 100 a page: 13 pages through next links.
	out := filepath.Join(t.TempDir(), "all.geojson")
	run(ogr2ogr, "-f", "GeoJSON", out, src, "parcels", "-oo", "PAGE_SIZE=100")
	got := readGeoJSON(t, out)
	if len(got.Features) != 1235 {
		t.Fatalf("ogr2ogr downloaded %d features, want 1235", len(got.Features))
	}
	for _, f := range got.Features {
		id := f.Properties["id"].(string)
		stored := d.do("GET", "/collections/parcels/items/"+id, "").expect(t, 200, "").json(t)
		var geom any
		if err := json.Unmarshal(f.Geometry, &geom); err != nil {
			t.Fatal(err)
		}
		props := fmt.Sprint(stored["properties"])
		delete(f.Properties, "id")
		if !sameJSON(geom, stored["geometry"]) || fmt.Sprint(f.Properties) != props {
			t.Fatalf("%s: GDAL has %v %v, the store %v %s", id, geom, f.Properties, stored["geometry"], props)
		}
	}

	// -spat sends bbox to the server.
	out = filepath.Join(t.TempDir(), "box.geojson")
	run(ogr2ogr, "-f", "GeoJSON", out, src, "parcels", "-spat", "0.31", "0.11", "0.5", "0.25", "-oo", "PAGE_SIZE=7")
	var ids []string
	for _, f := range readGeoJSON(t, out).Features {
		ids = append(ids, f.Properties["id"].(string))
	}
	slices.Sort(ids)
	if want := inBox(); !slices.Equal(ids, want) {
		t.Fatalf("-spat: got %v\nwant %v", ids, want)
	}
}

// sameJSON compares decoded JSON, numbers to 15 significant digits: GDAL
// writes coordinates with 15 (0.7000000000000001 comes back as 0.7).
func sameJSON(a, b any) bool {
	switch a := a.(type) {
	case float64:
		b, ok := b.(float64)
		return ok && math.Abs(a-b) <= 1e-15*math.Max(1, math.Abs(b))
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !sameJSON(a[i], b[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, v := range a {
			if !sameJSON(v, b[k]) {
				return false
			}
		}
		return true
	}
	return a == b
}

func readGeoJSON(t *testing.T, path string) *geojsonFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var g geojsonFile
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &g
}

// The Debian python3-owslib lives in the system Python's packages.
const systemPython = "/usr/bin/python3"

const owslibScript = `
import json, sys
from owslib.ogcapi.features import Features
w = Features(sys.argv[1])
cols = [c["id"] for c in w.collections()["collections"]]
items = w.collection_items("parcels", bbox=[0.31, 0.11, 0.5, 0.25], limit=1000)
queryables = w.collection_queryables("parcels")
print(json.dumps({"collections": cols, "title": w.collection("parcels")["title"],
	"returned": items["numberReturned"], "ids": sorted(f["id"] for f in items["features"]),
	"queryables": sorted(queryables["properties"])}))
`

// OWSLib lists the collections and fetches items with a bbox.
func TestOWSLib(t *testing.T) {
	python := testtool.Require(t, systemPython, "python3-owslib")
	if err := exec.Command(python, "-c", "import owslib").Run(); err != nil {
		testtool.Require(t, "owslib-is-missing", "python3-owslib")
	}
	d := startDaemon(t, "gnet", Options{})
	gisData(t, d)
	out, err := exec.Command(python, "-c", owslibScript, d.base).CombinedOutput()
	if err != nil {
		t.Fatalf("owslib: %v\n%s", err, out)
	}
	var got struct {
		Collections []string
		Title       string
		Returned    int
		IDs         []string
		Queryables  []string
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := inBox()
	if !slices.Equal(got.Collections, []string{"parcels"}) || got.Title != "Parcels" || got.Returned != len(want) || !slices.Equal(got.IDs, want) ||
		!slices.Equal(got.Queryables, []string{"geometry", "i", "name"}) {
		t.Fatalf("owslib saw %+v\nwant ids %v", got, want)
	}
}
