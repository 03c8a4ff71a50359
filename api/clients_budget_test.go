package api

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/geometryos/daemon1/internal/testtool"
)

// GDAL's OAPIF driver asks for the largest page the API advertises, 10,000
// features, over 100,000 points with the default budget: the translation
// succeeds three times in a row, with every feature once (a page cut by
// the budget ends with a next link, which GDAL follows).
func TestGDALLargestPages(t *testing.T) {
	ogr2ogr := testtool.Require(t, "ogr2ogr", "gdal-bin")
	d := withPoints(t, "gnet", 100_000)
	for run := range 3 {
		out := filepath.Join(t.TempDir(), "all.geojson")
		cmd := exec.Command(ogr2ogr, "-f", "GeoJSON", out, "OAPIF:"+d.base, "pts", "-oo", "PAGE_SIZE=10000")
		cmd.Env = append(os.Environ(), "GDAL_HTTP_TIMEOUT=60", "CPL_DEBUG=OFF")
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("run %d: ogr2ogr -oo PAGE_SIZE=10000: %v\n%s", run, err, msg)
		}
		seen := map[string]bool{}
		for _, f := range readGeoJSON(t, out).Features {
			seen[fmt.Sprint(f.Properties["id"])] = true
		}
		if len(seen) != 100_000 {
			t.Fatalf("run %d: ogr2ogr got %d distinct features, want 100000", run, len(seen))
		}
	}
}

// OWSLib pages through 100,000 points 10,000 at a time, following the next
// links' cursors, with the default budget: every page is answered, and
// together they hold every feature once.
const owslibPagingScript = `
import json, sys
from urllib.parse import urlparse, parse_qs
from owslib.ogcapi.features import Features
w = Features(sys.argv[1])
ids, pages, kw = set(), 0, {}
while True:
    page = w.collection_items("pts", limit=10000, **kw)
    pages += 1
    ids.update(f["id"] for f in page["features"])
    nxt = [l["href"] for l in page["links"] if l["rel"] == "next"]
    if not nxt:
        break
    kw = {"cursor": parse_qs(urlparse(nxt[0]).query)["cursor"][0]}
print(json.dumps({"pages": pages, "ids": len(ids)}))
`

func TestOWSLibLargestPages(t *testing.T) {
	python := testtool.Require(t, systemPython, "python3-owslib")
	if err := exec.Command(python, "-c", "import owslib").Run(); err != nil {
		testtool.Require(t, "owslib-is-missing", "python3-owslib")
	}
	d := withPoints(t, "gnet", 100_000)
	out, err := exec.Command(python, "-c", owslibPagingScript, d.base).CombinedOutput()
	if err != nil {
		t.Fatalf("owslib: %v\n%s", err, out)
	}
	var got struct{ Pages, IDs int }
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	t.Logf("owslib: %d pages of at most 10,000", got.Pages)
	if got.IDs != 100_000 {
		t.Fatalf("owslib paged through %d distinct features in %d pages, want 100000", got.IDs, got.Pages)
	}
}
