package api

import (
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/geometryos/daemon1/internal/testtool"
)

// chromium runs Debian's chromium headless with args and the page url.
func chromium(t *testing.T, bin, url string, args ...string) string {
	t.Helper()
	argv := append([]string{"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--user-data-dir=" + t.TempDir(), "--timeout=15000"}, args...)
	cmd := exec.Command(bin, append(argv, url)...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %s: %v\n%s", url, err, out)
	}
	return string(out)
}

var hrefRe = regexp.MustCompile(`href="([^"]+)"`)

// The pages a browser reads, loaded in a real one (chromium): each draws
// what it lists on its map, every link on it answers, and a screenshot of
// each is kept (in $DAEMON1_SCREENSHOTS if set, for a person to look at).
func TestHTMLPagesInChromium(t *testing.T) {
	bin := testtool.Require(t, "chromium", "chromium")
	d := startDaemon(t, "gnet", Options{})
	d.do("PUT", "/collections/parcels", `{"title":"Parcels","description":"Some parcels"}`).expect(t, 201, "")
	d.do("POST", "/collections/parcels/items", `{"type":"FeatureCollection","features":[
		{"type":"Feature","id":"well","geometry":{"type":"Point","coordinates":[13.4,52.5]},"properties":{"name":"Well","depth":12}},
		{"type":"Feature","id":"road","geometry":{"type":"LineString","coordinates":[[13,52],[14,53]]},"properties":{"name":"Road"}},
		{"type":"Feature","id":"field","geometry":{"type":"Polygon","coordinates":[[[13.1,52.1],[13.6,52.1],[13.6,52.4],[13.1,52.1]]]},"properties":{"name":"Field"}},
		{"type":"Feature","id":"trees","geometry":{"type":"MultiPoint","coordinates":[[13.2,52.6],[13.3,52.7]]},"properties":null}]}`).expect(t, 201, "")
	shots := os.Getenv("DAEMON1_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	for _, tc := range []struct {
		name, path string
		features   int    // elements drawn with class "feature" on the map
		has        string // text the page must hold
	}{
		{"landing", "/?f=html", 0, `href="/collections?f=html"`},
		{"conformance", "/conformance?f=html", 0, "ogcapi-features-1/1.0/conf/html"},
		{"api", "/api?f=html", 0, "/collections/{collectionId}/items"},
		{"collections", "/collections", 0, `class="extent" data-id="parcels"`}, // no f: the browser's Accept asks for HTML
		{"collection", "/collections/parcels?f=html", 0, "Some parcels"},
		{"items", "/collections/parcels/items?f=html", 5, `rel="first"`},
		{"items-page-1", "/collections/parcels/items?f=html&limit=2", 2, `rel="next"`},
		{"items-filtered", "/collections/parcels/items?f=html&filter=" + url.QueryEscape("name LIKE 'F%' OR name = 'Well'"), 2, `value="name LIKE 'F%' OR name = 'Well'"`},
		{"feature", "/collections/parcels/items/field?f=html", 1, "<th>name</th>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dom := chromium(t, bin, d.base+tc.path, "--dump-dom")
			if !strings.Contains(dom, tc.has) {
				t.Fatalf("the page lacks %q:\n%s", tc.has, dom)
			}
			if n := strings.Count(dom, `class="feature"`); n != tc.features {
				t.Fatalf("%d features drawn, want %d:\n%s", n, tc.features, dom)
			}
			for _, m := range hrefRe.FindAllStringSubmatch(dom, -1) {
				href := strings.ReplaceAll(m[1], "&amp;", "&")
				if !strings.HasPrefix(href, "/") {
					continue
				}
				resp, err := http.Get(d.base + href)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Fatalf("the link %s answers %d", href, resp.StatusCode)
				}
			}
			png := filepath.Join(shots, tc.name+".png")
			chromium(t, bin, d.base+tc.path, "--screenshot="+png, "--window-size=1200,900", "--hide-scrollbars")
			if fi, err := os.Stat(png); err != nil || fi.Size() < 2000 {
				t.Fatalf("screenshot %s: %v", png, err)
			}
			t.Logf("screenshot: %s", png)
		})
	}
}
