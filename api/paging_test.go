package api

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// Paging through next links over HTTP gives every matching feature once,
// in id order, for a listing, a bbox and the searches.
func TestPagingOverHTTP(t *testing.T) {
	d := startDaemon(t, "gnet", Options{})
	d.do("PUT", "/collections/c", "").expect(t, 201, "")
	rng := rand.New(rand.NewPCG(7, 7))
	var fs []string
	type pt struct{ lon, lat float64 }
	pts := map[string]pt{}
	for i := 0; i < 400; i++ {
		id := fmt.Sprintf("p%03d", i)
		p := pt{rng.Float64()*2 - 1, rng.Float64()*2 - 1}
		pts[id] = p
		fs = append(fs, fmt.Sprintf(`{"type":"Feature","id":%q,"geometry":{"type":"Point","coordinates":[%g,%g]},"properties":{"i":%d}}`, id, p.lon, p.lat, i))
	}
	d.do("POST", "/collections/c/items", `{"type":"FeatureCollection","features":[`+strings.Join(fs, ",")+`]}`).expect(t, 201, "")

	follow := func(path string) []string {
		t.Helper()
		var ids []string
		for pages := 0; path != ""; pages++ {
			if pages > 1000 {
				t.Fatal("the next links do not end")
			}
			page := d.do("GET", path, "").expect(t, 200, "").json(t)
			for _, f := range page["features"].([]any) {
				ids = append(ids, f.(map[string]any)["id"].(string))
			}
			path = ""
			for _, l := range page["links"].([]any) {
				if l := l.(map[string]any); l["rel"] == "next" {
					u, err := url.Parse(l["href"].(string))
					if err != nil {
						t.Fatal(err)
					}
					path = u.RequestURI()
				}
			}
		}
		return ids
	}
	want := func(keep func(pt) bool) []string {
		var ids []string
		for id, p := range pts {
			if keep(p) {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		return ids
	}
	if got, all := follow("/collections/c/items?limit=37"), want(func(pt) bool { return true }); !slices.Equal(got, all) {
		t.Fatalf("listing: %d features, want %d", len(got), len(all))
	}
	box := func(p pt) bool { return p.lon >= -0.5 && p.lon <= 0.25 && p.lat >= -0.3 && p.lat <= 0.6 }
	if got := follow("/collections/c/items?limit=9&bbox=-0.5,-0.3,0.25,0.6"); !slices.Equal(got, want(box)) {
		t.Fatalf("bbox: got %v\nwant %v", got, want(box))
	}

	// A search pages through its cursor.
	search := func(body string) []string {
		var ids []string
		for cursor := ""; ; {
			b := body
			if cursor != "" {
				b = strings.TrimSuffix(body, "}") + `,"cursor":"` + cursor + `"}`
			}
			page := d.do("POST", "/collections/c/search", b).expect(t, 200, "").json(t)
			for _, f := range page["features"].([]any) {
				ids = append(ids, f.(map[string]any)["id"].(string))
			}
			next, _ := page["next"].(string)
			if next == "" {
				return ids
			}
			cursor = next
		}
	}
	within := `{"within":{"type":"Polygon","coordinates":[[[-0.5,-0.3],[0.25,-0.3],[0.25,0.6],[-0.5,0.6],[-0.5,-0.3]]]},"limit":7}`
	if got := search(within); !slices.Equal(got, want(box)) {
		t.Fatalf("within: got %d, want %d", len(got), len(want(box)))
	}
	near := search(`{"nearby":{"point":[0,0],"k":50,"radius":60000},"limit":6}`)
	all := search(`{"nearby":{"point":[0,0],"k":50,"radius":60000},"limit":100}`)
	if !slices.Equal(near, all) || len(all) == 0 || len(all) > 50 {
		t.Fatalf("nearby paged %v\nwhole %v", near, all)
	}
	// nearest first, with distances.
	page := d.do("POST", "/collections/c/search", `{"nearby":{"point":[0,0],"k":3}}`).expect(t, 200, "")
	var fc struct {
		Features []struct {
			Distance *float64
		}
		NumberReturned int
	}
	if err := json.Unmarshal(page.body, &fc); err != nil || fc.NumberReturned != 3 {
		t.Fatalf("%v %s", err, page.body)
	}
	for i := 1; i < 3; i++ {
		if fc.Features[i].Distance == nil || *fc.Features[i].Distance < *fc.Features[i-1].Distance {
			t.Fatalf("nearby is not nearest first: %s", page.body)
		}
	}
}
