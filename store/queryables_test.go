package store

import (
	"fmt"
	"testing"

	"github.com/tidwall/geojson"
)

// A filtered query pages through exactly the features that pass the
// filter and the spatial part, on every path (index, id scan), whatever
// the page size.
func TestFilteredQueryMatchesBruteForce(t *testing.T) { withCaps(t, testFilteredQuery) }

func testFilteredQuery(t *testing.T) {
	c, rng := loaded(t, 3000, 3)
	for i := 0; i < 40; i++ {
		mod := 2 + rng.IntN(5)
		filter := func(f *Feature) bool {
			var n int
			fmt.Sscanf(f.Properties(), `{"i":%d}`, &n)
			return n%mod == 0
		}
		limit := 1 + rng.IntN(300)
		r := randomRect(rng, []float64{0.5, 3, 15, 45}[i%4])
		rect := geojson.NewRect(r)
		got, _ := pages(t, c, Query{Kind: BBox, BBox: r, Limit: limit, Filter: filter})
		equalIDs(t, fmt.Sprintf("bbox %v, i %% %d, limit %d", r, mod, limit), got,
			brute(c, func(f *Feature) bool { return f.geom.Intersects(rect) && filter(f) }))
		got, _ = pages(t, c, Query{Kind: All, Limit: limit, Filter: filter})
		equalIDs(t, fmt.Sprintf("all, i %% %d", mod), got, brute(c, filter))
	}
}

// The queryables follow every write: put, replace, delete, bulk insert,
// and are rebuilt the same by a replay.
func TestQueryablesFollowTheWrites(t *testing.T) {
	s := New()
	c, _, _ := s.Create("c", "", "")
	put := func(id, props string) {
		t.Helper()
		in, err := ParseFeature([]byte(`{"type":"Feature","id":"`+id+`","geometry":null,"properties":`+props+`}`), "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Put(in, nil); err != nil {
			t.Fatal(err)
		}
	}
	check := func(want string) {
		t.Helper()
		if got := fmt.Sprint(c.Queryables()); got != want {
			t.Fatalf("queryables %s, want %s", got, want)
		}
	}
	put("a", `{"name":"A","pop":1,"tags":[1],"x":null}`)
	check("[{name 1} {pop 2} {tags 8} {x 0}]")
	put("b", `{"name":2,"flag":true,"caf\u00e9":"é"}`)
	check("[{café 1} {flag 4} {name 3} {pop 2} {tags 8} {x 0}]")
	put("a", `{"name":"B"}`) // replaces: pop, tags and x go
	check("[{café 1} {flag 4} {name 3}]")
	if err := c.Delete("b", nil); err != nil {
		t.Fatal(err)
	}
	check("[{name 1}]")
	if typ, ok := c.PropertyTypes("name"); !ok || typ != TypeString {
		t.Fatalf("name: %v %v", typ, ok)
	}
	if _, ok := c.PropertyTypes("pop"); ok {
		t.Fatal("pop is still a queryable")
	}
}
