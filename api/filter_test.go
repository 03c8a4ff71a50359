package api

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/geometryos/daemon1/cql2"
	"github.com/geometryos/daemon1/store"
)

// loadProps makes collection c of n points with random properties.
func loadProps(t *testing.T, d *daemon, rng *rand.Rand, n int) {
	t.Helper()
	d.do("PUT", "/collections/c", "").expect(t, 201, "")
	var fs []string
	for i := range n {
		props := map[string]any{}
		if rng.IntN(6) > 0 {
			props["name"] = []string{"Anna", "Bert", "Cleo", "anna", "Ben", "Zoë"}[rng.IntN(6)]
		}
		if rng.IntN(6) > 0 {
			props["pop"] = rng.IntN(100)
		}
		switch rng.IntN(3) {
		case 0:
			props["flag"] = rng.IntN(2) == 0
		case 1:
			props["flag"] = nil
		}
		p, _ := json.Marshal(props)
		fs = append(fs, fmt.Sprintf(`{"type":"Feature","id":"f%04d","geometry":{"type":"Point","coordinates":[%g,%g]},"properties":%s}`,
			i, rng.Float64()*10, rng.Float64()*10, p))
	}
	d.do("POST", "/collections/c/items", `{"type":"FeatureCollection","features":[`+strings.Join(fs, ",")+`]}`).expect(t, 201, "")
}

// brutally filters every feature of c with the compiled filter.
func brutally(t *testing.T, s *store.Store, filter, lang string) []string {
	t.Helper()
	c := s.Collection("c")
	e, err := parseFilter(filter, lang, "")
	if err != nil {
		t.Fatal(err)
	}
	f, err := cql2.Compile(e, queryablesOf(c))
	if err != nil {
		t.Fatal(err)
	}
	var p store.Page
	c.Query(&store.Query{Kind: store.All, Limit: 100000}, &p)
	var ids []string
	for _, feat := range p.Features {
		if f.Match(feat.Properties(), feat.Geometry()) {
			ids = append(ids, feat.ID())
		}
	}
	return ids
}

// paged follows the next links of a listing from path and returns the ids.
func (d *daemon) paged(t *testing.T, path string) []string {
	t.Helper()
	var ids []string
	for n := 0; path != ""; n++ {
		if n > 1000 {
			t.Fatal("paging does not end")
		}
		var page struct {
			Features []struct{ ID string }
			Links    []struct{ Rel, Href string }
		}
		if err := json.Unmarshal(d.do("GET", path, "").expect(t, 200, "").body, &page); err != nil {
			t.Fatal(err)
		}
		for _, f := range page.Features {
			ids = append(ids, f.ID)
		}
		path = ""
		for _, l := range page.Links {
			if l.Rel == "next" {
				u, _ := url.Parse(l.Href)
				path = u.RequestURI()
			}
		}
	}
	return ids
}

// Filtered listings, paged with random page sizes, are what the filter
// picks among all the features, in text and in JSON, with and without a
// bbox, and with queryables as parameters.
func TestFilteredListingsMatchBruteForce(t *testing.T) {
	d := startDaemon(t, "gnet", Options{})
	rng := rand.New(rand.NewPCG(7, 7))
	loadProps(t, d, rng, 400)
	filters := []string{
		"name = 'Anna'", "pop > 50", "pop >= 10 AND pop < 20 OR name LIKE 'B%'", "NOT (pop BETWEEN 20 AND 80)",
		"name IN ('Cleo', 'Zoë') AND flag = TRUE", "flag IS NULL", "name IS NOT NULL AND pop IS NULL", "name NOT LIKE '_nna'",
		"S_INTERSECTS(geometry, BBOX(2, 2, 6, 6)) AND pop < 50", "S_INTERSECTS(geometry, BBOX(0, 0, 3, 10))", "name = name AND pop <> pop",
		"S_WITHIN(geometry, POLYGON((1 1, 7 1, 4 8, 1 1))) AND name IS NOT NULL", "S_DISJOINT(geometry, POLYGON((0 0, 9 0, 9 9, 0 0)))",
		"S_CONTAINS(POLYGON((2 2, 6 2, 6 6, 2 6, 2 2)), geometry)",
		"S_WITHIN(geometry, GEOMETRYCOLLECTION(POLYGON((1 1, 5 1, 5 5, 1 5, 1 1)), POLYGON((6 6, 9 6, 9 9, 6 9, 6 6)))) AND pop > 20",
		"S_INTERSECTS(geometry, BBOX(2, 2, 6, 6)) AND NOT S_TOUCHES(geometry, BBOX(2, 2, 6, 6))",
	}
	for _, f := range filters {
		want := brutally(t, d.store, f, "")
		limit := 1 + rng.IntN(60)
		got := d.paged(t, fmt.Sprintf("/collections/c/items?limit=%d&filter=%s", limit, url.QueryEscape(f)))
		equalIDs(t, f, got, want)
		e, _ := cql2.ParseText(f)
		got = d.paged(t, fmt.Sprintf("/collections/c/items?limit=%d&filter-lang=cql2-json&filter=%s", limit, url.QueryEscape(string(cql2.JSON(e)))))
		equalIDs(t, f+" (cql2-json)", got, want)
	}
	box := brutally(t, d.store, "S_INTERSECTS(geometry, BBOX(1, 1, 5, 5)) AND name = 'Bert' AND pop = 7", "")
	got := d.paged(t, "/collections/c/items?bbox=1,1,5,5&name=Bert&pop=7&limit=3")
	equalIDs(t, "bbox and queryables as parameters", got, box)
}

func equalIDs(t *testing.T, what string, got, want []string) {
	t.Helper()
	sort.Strings(want)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s: got %d features, want %d\ngot  %v\nwant %v", what, len(got), len(want), got, want)
	}
}

// Queryables, and the errors a filter can get, with where.
func TestQueryablesAndFilterErrors(t *testing.T) {
	d := startDaemon(t, "gnet", Options{})
	loadProps(t, d, rand.New(rand.NewPCG(1, 1)), 50)
	q := d.do("GET", "/collections/c/queryables", "").expect(t, 200, "").json(t)
	props := q["properties"].(map[string]any)
	if fmt.Sprint(props["name"]) != "map[title:name type:string]" || fmt.Sprint(props["pop"]) != "map[title:pop type:number]" ||
		fmt.Sprint(props["flag"]) != "map[title:flag type:boolean]" || props["geometry"] == nil || q["additionalProperties"] != false {
		t.Fatalf("queryables %v", q)
	}
	bad := func(query, detail string) {
		t.Helper()
		p := d.do("GET", "/collections/c/items?"+query, "").expect(t, 400, "/problems/invalid-parameter").json(t)
		if !strings.Contains(p["detail"].(string), detail) {
			t.Fatalf("%s: %v, want %q", query, p["detail"], detail)
		}
	}
	bad("filter="+url.QueryEscape("nope = 1"), `character 1: unknown property "nope"`)
	bad("filter="+url.QueryEscape("name = 'A' AND pop = 'x'"), `character 16: "pop" (a number) cannot be compared`)
	bad("filter="+url.QueryEscape("name = "), "expected an operand")
	bad("filter=x&filter-lang=ecql", `filter-lang "ecql" is not supported`)
	bad("filter-lang=cql2-text", "go with a filter")
	bad("nope=1", `unknown query parameter "nope"`)
	d.do("GET", "/conformance", "").expect(t, 200, "")
}

// A search's filter member composes with intersects, within and nearby:
// the answer is the spatial query's, filtered, paged.
func TestSearchWithAFilter(t *testing.T) {
	d := startDaemon(t, "gnet", Options{})
	loadProps(t, d, rand.New(rand.NewPCG(3, 3)), 300)
	c := d.store.Collection("c")
	ids := func(body string) []string {
		t.Helper()
		var page struct {
			Features []struct{ ID string }
			Next     string
		}
		var out []string
		for n := 0; n < 100; n++ {
			b := body
			if page.Next != "" {
				b = strings.TrimSuffix(body, "}") + `,"cursor":"` + page.Next + `"}`
			}
			page.Next = ""
			page.Features = nil
			if err := json.Unmarshal(d.do("POST", "/collections/c/search", b).expect(t, 200, "").body, &page); err != nil {
				t.Fatal(err)
			}
			for _, f := range page.Features {
				out = append(out, f.ID)
			}
			if page.Next == "" {
				return out
			}
		}
		t.Fatal("paging does not end")
		return nil
	}
	within := `{"within":{"type":"Polygon","coordinates":[[[1,1],[8,1],[8,8],[1,8],[1,1]]]},"limit":7,"filter":"pop < 50"}`
	want := brutally(t, d.store, "S_INTERSECTS(geometry, BBOX(1, 1, 8, 8)) AND pop < 50", "")
	equalIDs(t, "within, filtered", ids(within), want)
	asJSON := `{"within":{"type":"Polygon","coordinates":[[[1,1],[8,1],[8,8],[1,8],[1,1]]]},"limit":7,"filter":{"op":"<","args":[{"property":"pop"},50]}}`
	equalIDs(t, "within, filtered in cql2-json", ids(asJSON), want)

	// nearby: the 20 nearest among those named Anna, nearest first.
	got := ids(`{"nearby":{"point":[5,5],"k":20},"limit":6,"filter":"name = 'Anna'"}`)
	var p store.Page
	e, _ := cql2.ParseText("name = 'Anna'")
	q := store.Query{Kind: store.Nearby, Lon: 5, Lat: 5, K: 20, Limit: 20}
	if err := compileFilter(c, &q, e); err != nil {
		t.Fatal(err)
	}
	c.Query(&q, &p)
	var wantNear []string
	for _, f := range p.Features {
		wantNear = append(wantNear, f.ID())
	}
	if fmt.Sprint(got) != fmt.Sprint(wantNear) || len(got) != 20 {
		t.Fatalf("nearby, filtered: %v, want %v", got, wantNear)
	}
	d.do("POST", "/collections/c/search", `{"nearby":{"point":[5,5]},"filter":"nope = 1"}`).expect(t, 400, "/problems/invalid-body")
}

// properties and skipGeometry trim what a read answers.
func TestTrimmedFeatures(t *testing.T) {
	d := startDaemon(t, "gnet", Options{})
	d.do("PUT", "/collections/c", "").expect(t, 201, "")
	d.do("PUT", "/collections/c/items/a", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"name":"A","pop":3,"tags":[1,2]}}`).expect(t, 201, "")
	f := func(path, want string) {
		t.Helper()
		got := d.do("GET", path, "").expect(t, 200, "").body
		if !strings.Contains(string(got), want) {
			t.Fatalf("GET %s: %s, want %s", path, got, want)
		}
	}
	f("/collections/c/items/a?properties=tags,name", `"geometry":{"type":"Point","coordinates":[1,2]},"properties":{"tags":[1,2],"name":"A"}`)
	f("/collections/c/items/a?properties=&skipGeometry=true", `"geometry":null,"properties":{}`)
	f("/collections/c/items?properties=pop&skipGeometry=false", `"geometry":{"type":"Point","coordinates":[1,2]},"properties":{"pop":3}`)
	f("/collections/c/items?skipGeometry=true", `"geometry":null,"properties":{"name":"A","pop":3,"tags":[1,2]}`)
	d.do("GET", "/collections/c/items?properties=nope", "").expect(t, 400, "/problems/invalid-parameter")
	d.do("GET", "/collections/c/items/a?skipGeometry=maybe", "").expect(t, 400, "/problems/invalid-parameter")
}

// A sorted listing pages in order (several keys, either direction, ties
// by id) and stays correct under writes between pages: every feature left
// alone comes exactly once, in order.
func TestSortbyPagingUnderWrites(t *testing.T) {
	d := startDaemon(t, "gnet", Options{})
	rng := rand.New(rand.NewPCG(5, 5))
	loadProps(t, d, rng, 300)
	type row struct {
		id   string
		name any
		pop  any
	}
	var order []string
	seen := map[string]int{}
	path := "/collections/c/items?sortby=-pop,%2Bname&limit=17&filter=" + url.QueryEscape("name <> 'Zoë'")
	var rows []row
	written := 0
	for n := 0; path != ""; n++ {
		if n > 200 {
			t.Fatal("paging does not end")
		}
		var page struct {
			Features []struct {
				ID         string
				Properties map[string]any
			}
			Links []struct{ Rel, Href string }
		}
		if err := json.Unmarshal(d.do("GET", path, "").expect(t, 200, "").body, &page); err != nil {
			t.Fatal(err)
		}
		for _, f := range page.Features {
			rows = append(rows, row{f.ID, f.Properties["name"], f.Properties["pop"]})
			seen[f.ID]++
			order = append(order, f.ID)
		}
		// Between pages, new features (which may or may not come, each
		// once at most).
		for range 3 {
			written++
			d.do("PUT", fmt.Sprintf("/collections/c/items/new%03d", written), fmt.Sprintf(`{"type":"Feature","geometry":null,"properties":{"name":"Nina","pop":%d}}`, rng.IntN(100))).expect(t, 201, "")
		}
		path = ""
		for _, l := range page.Links {
			if l.Rel == "next" {
				u, _ := url.Parse(l.Href)
				path = u.RequestURI()
			}
		}
	}
	for id, n := range seen {
		if n > 1 {
			t.Fatalf("%s came %d times", id, n)
		}
	}
	// Every original feature that passes the filter came (none was changed).
	for _, id := range brutally(t, d.store, "name <> 'Zoë' AND NOT (name = 'Nina')", "") {
		if seen[id] != 1 {
			t.Fatalf("%s never came", id)
		}
	}
	// In order: pop descending (an absent pop ranks last ascending, so
	// first descending), then name ascending, then id.
	key := func(r row) (int, float64, int, string) {
		pr, pv := 4, 0.0
		if p, ok := r.pop.(float64); ok {
			pr, pv = 0, p
		}
		nr, nv := 4, ""
		if s, ok := r.name.(string); ok {
			nr, nv = 1, s
		}
		return pr, pv, nr, nv
	}
	for i := 1; i < len(rows); i++ {
		apr, apv, anr, anv := key(rows[i-1])
		bpr, bpv, bnr, bnv := key(rows[i])
		c := -cmpTuple(apr, bpr, apv, bpv)
		if c == 0 {
			c = cmpTuple(anr, bnr, 0, 0)
			if c == 0 {
				c = strings.Compare(anv, bnv)
			}
			if c == 0 {
				c = strings.Compare(rows[i-1].id, rows[i].id)
			}
		}
		if c > 0 {
			t.Fatalf("out of order at %d: %+v then %+v", i, rows[i-1], rows[i])
		}
	}
	d.do("GET", "/collections/c/items?sortby=nope", "").expect(t, 400, "/problems/invalid-parameter")
	d.do("GET", "/collections/c/items?sortby=pop&cursor=garbage", "").expect(t, 400, "/problems/invalid-parameter")
}

func cmpTuple(ar, br int, av, bv float64) int {
	switch {
	case ar != br:
		return map[bool]int{true: -1, false: 1}[ar < br]
	case av < bv:
		return -1
	case av > bv:
		return 1
	}
	return 0
}

// The DE-9IM functions over HTTP tell a polygon's boundary from its
// interior, in both encodings and in a search body.
func TestSpatialFunctionsTellTheBoundary(t *testing.T) {
	d := startDaemon(t, "gnet", Options{})
	d.do("PUT", "/collections/c", "").expect(t, 201, "")
	points := map[string][2]int{"corner": {2, 2}, "edge": {4, 2}, "inside": {3, 3}, "outside": {7, 7}}
	var fs []string
	for id, p := range points {
		fs = append(fs, fmt.Sprintf(`{"type":"Feature","id":%q,"geometry":{"type":"Point","coordinates":[%d,%d]},"properties":{}}`, id, p[0], p[1]))
	}
	fs = append(fs, `{"type":"Feature","id":"side","geometry":{"type":"LineString","coordinates":[[2,2],[6,2]]},"properties":{}}`,
		`{"type":"Feature","id":"across","geometry":{"type":"LineString","coordinates":[[0,3],[9,3]]},"properties":{}}`)
	d.do("POST", "/collections/c/items", `{"type":"FeatureCollection","features":[`+strings.Join(fs, ",")+`]}`).expect(t, 201, "")
	square := "POLYGON((2 2, 6 2, 6 6, 2 6, 2 2))"
	f := func(filter string, want ...string) {
		t.Helper()
		got := d.paged(t, "/collections/c/items?limit=2&filter="+url.QueryEscape(filter))
		equalIDs(t, filter, got, want)
		e, _ := cql2.ParseText(filter)
		got = d.paged(t, "/collections/c/items?limit=2&filter-lang=cql2-json&filter="+url.QueryEscape(string(cql2.JSON(e))))
		equalIDs(t, filter+" (cql2-json)", got, want)
	}
	f("S_WITHIN(geometry, "+square+")", "inside")
	f("S_TOUCHES(geometry, "+square+")", "corner", "edge", "side")
	f("S_INTERSECTS(geometry, "+square+")", "across", "corner", "edge", "inside", "side")
	f("S_CROSSES(geometry, "+square+")", "across")
	f("S_CONTAINS("+square+", geometry)", "inside")
	f("S_EQUALS(geometry, POINT(4 2))", "edge")
	f("S_OVERLAPS(geometry, LINESTRING(5 2, 8 2))", "side")
	f("S_DISJOINT(geometry, "+square+")", "outside")
	f("S_WITHIN(geometry, GEOMETRYCOLLECTION("+square+", POINT(7 7)))", "inside", "outside")
	body := `{"intersects":{"type":"Polygon","coordinates":[[[0,0],[9,0],[9,9],[0,9],[0,0]]]},"filter":"S_TOUCHES(geometry, ` + square + `)"}`
	var page struct{ Features []struct{ ID string } }
	if err := json.Unmarshal(d.do("POST", "/collections/c/search", body).expect(t, 200, "").body, &page); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range page.Features {
		got = append(got, f.ID)
	}
	sort.Strings(got)
	equalIDs(t, "search with S_TOUCHES", got, []string{"corner", "edge", "side"})
}
