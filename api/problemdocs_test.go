package api

import (
	"strings"
	"testing"
)

// Every problem type an answer can carry resolves to its description, as
// JSON or, for a browser, HTML; the type of a real error answer resolves.
func TestProblemTypesResolve(t *testing.T) {
	d := startDaemon(t, "gnet", Options{})
	for _, p := range allProblems {
		doc := d.do("GET", p.Type, "").expect(t, 200, "").json(t)
		if doc["type"] != p.Type || doc["title"] != p.Title || doc["description"] == "" || doc["status"] == nil {
			t.Errorf("GET %s: %v", p.Type, doc)
		}
	}
	answer := d.do("GET", "/collections/nope", "").expect(t, 404, "/problems/no-such-collection").json(t)
	page := d.do("GET", answer["type"].(string), "", "Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	if page.status != 200 || !strings.HasPrefix(page.header.Get("Content-Type"), "text/html") ||
		!strings.Contains(string(page.body), "<h1>No Such Collection</h1>") {
		t.Fatalf("a browser at %s: %d %s %s", answer["type"], page.status, page.header.Get("Content-Type"), page.body)
	}
	if page := d.do("GET", "/problems/conflict?f=html", ""); !strings.Contains(string(page.body), "HTTP status 409") {
		t.Fatalf("f=html: %s", page.body)
	}
	d.do("GET", "/problems/nope", "").expect(t, 404, "/problems/not-found")
	d.do("GET", "/problems/conflict?f=xml", "").expect(t, 406, "/problems/not-acceptable")
}
