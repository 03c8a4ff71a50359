package api

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/geometryos/daemon1/server"
)

func pointLine(id string, lon int) string {
	return fmt.Sprintf(`{"type":"Feature","id":%q,"geometry":{"type":"Point","coordinates":[%d,1]},"properties":{}}`, id, lon)
}

// Newline-delimited GeoJSON is a bulk insert, under the sequence's media
// type (GDAL's GeoJSONSeq writes it without RS) and NDJSON's.
func TestBulkNewlineDelimited(t *testing.T) {
	d := startDaemon(t, "gnet", Options{MaxBulk: 5})
	d.do("PUT", "/collections/c", "").expect(t, 201, "")
	for i, ct := range []string{"application/geo+json-seq", "application/x-ndjson", "application/ndjson"} {
		a, b := fmt.Sprintf("a%d", i), fmt.Sprintf("b%d", i)
		body := pointLine(a, 1) + "\n\n" + pointLine(b, 2) + "\r\n"
		r := d.do("POST", "/collections/c/items", body, "Content-Type", ct).expect(t, 201, "")
		if string(r.body) != `{"inserted":2}` {
			t.Fatalf("%s: %s", ct, r.body)
		}
		d.do("GET", "/collections/c/items/"+b, "").expect(t, 200, "")
	}
	p := d.do("POST", "/collections/c/items", pointLine("x", 1)+"\n{\"type\":\"Feature\"}\n", "Content-Type", "application/x-ndjson").
		expect(t, 400, "/problems/invalid-body").json(t)
	if !strings.Contains(p["detail"].(string), "line[1]") {
		t.Fatalf("detail %q does not name the line", p["detail"])
	}
	var lines string
	for i := range 6 {
		lines += pointLine(fmt.Sprint("m", i), i) + "\n"
	}
	p = d.do("POST", "/collections/c/items", lines, "Content-Type", "application/x-ndjson").expect(t, 413, "/problems/payload-too-large").json(t)
	if !strings.Contains(p["detail"].(string), "at most 5 features") || !strings.Contains(p["detail"].(string), "-max-bulk") {
		t.Fatalf("413 detail %q names neither the limit nor the flag", p["detail"])
	}
	if n := d.do("GET", "/collections/c/items", "").expect(t, 200, "").json(t)["numberMatched"].(float64); n != 6 {
		t.Fatalf("%g features, want 6", n)
	}
}

// if-exists: fail (the default) refuses the whole request, skip keeps the
// stored features and inserts the others, replace upserts; a bulk of one
// Feature too. What was skipped or replaced is counted in the answer.
func TestBulkIfExists(t *testing.T) {
	d := startDaemon(t, "gnet", Options{})
	d.do("PUT", "/collections/c", "").expect(t, 201, "")
	d.do("POST", "/collections/c/items", pointLine("a", 1)).expect(t, 201, "")
	seq := func(lines ...string) string { return strings.Join(lines, "\n") }
	lon := func(id string) float64 {
		t.Helper()
		g := d.do("GET", "/collections/c/items/"+id, "").expect(t, 200, "").json(t)["geometry"].(map[string]any)
		return g["coordinates"].([]any)[0].(float64)
	}
	nd := []string{"Content-Type", "application/x-ndjson"}
	d.do("POST", "/collections/c/items", seq(pointLine("a", 2), pointLine("b", 2)), nd...).expect(t, 409, "/problems/conflict")
	d.do("POST", "/collections/c/items?if-exists=fail", seq(pointLine("a", 2), pointLine("b", 2)), nd...).expect(t, 409, "/problems/conflict")
	r := d.do("POST", "/collections/c/items?if-exists=skip", seq(pointLine("a", 2), pointLine("b", 2)), nd...).expect(t, 201, "")
	if string(r.body) != `{"inserted":1,"skipped":1}` || lon("a") != 1 || lon("b") != 2 {
		t.Fatalf("skip: %s", r.body)
	}
	r = d.do("POST", "/collections/c/items?if-exists=replace", seq(pointLine("a", 3), pointLine("b", 3), pointLine("c", 3)), nd...).expect(t, 201, "")
	if string(r.body) != `{"inserted":1,"replaced":2}` || lon("a") != 3 || lon("b") != 3 || lon("c") != 3 {
		t.Fatalf("replace: %s", r.body)
	}
	r = d.do("POST", "/collections/c/items?if-exists=replace", pointLine("a", 4)).expect(t, 201, "")
	if string(r.body) != `{"inserted":0,"replaced":1}` || lon("a") != 4 {
		t.Fatalf("replace one Feature: %s", r.body)
	}
	// A repeated id is refused in every mode; an unknown mode is a 400.
	d.do("POST", "/collections/c/items?if-exists=replace", seq(pointLine("z", 1), pointLine("z", 2)), nd...).expect(t, 400, "/problems/invalid-body")
	p := d.do("POST", "/collections/c/items?if-exists=merge", pointLine("q", 1)).expect(t, 400, "/problems/invalid-parameter").json(t)
	if !strings.Contains(p["detail"].(string), "skip") {
		t.Fatalf("detail %q does not list the modes", p["detail"])
	}
	if n := d.do("GET", "/collections/c/items", "").expect(t, 200, "").json(t)["numberMatched"].(float64); n != 3 {
		t.Fatalf("%g features, want 3", n)
	}
	// An Idempotency-Key covers the mode: the same body under another
	// mode is another request.
	key := []string{"Content-Type", "application/x-ndjson", "Idempotency-Key", "k1"}
	d.do("POST", "/collections/c/items?if-exists=skip", pointLine("a", 9), key...).expect(t, 201, "")
	d.do("POST", "/collections/c/items?if-exists=replace", pointLine("a", 9), key...).expect(t, 422, "")
}

// A body past the engine's cap is a 413 that names the cap and its flag,
// on both engines.
func TestTooLargeNamesTheLimit(t *testing.T) {
	for _, engine := range []string{"gnet", "fasthttp"} {
		so := server.Options{Workers: 8, Budget: 5 * time.Second}
		so.Limits.MaxBodyBytes = 1000
		d := startDaemonWith(t, engine, Options{}, so)
		d.do("PUT", "/collections/c", "").expect(t, 201, "")
		p := d.do("POST", "/collections/c/items", strings.Repeat(" ", 2000)+pointLine("a", 1)).expect(t, 413, "/problems/payload-too-large").json(t)
		if !strings.Contains(p["detail"].(string), "1000 bytes") || !strings.Contains(p["detail"].(string), "-max-body") {
			t.Fatalf("%s: 413 detail %q names neither the limit nor the flag", engine, p["detail"])
		}
		if p["instance"] != "/collections/c/items" {
			t.Fatalf("%s: 413 instance %q, want the request's path", engine, p["instance"])
		}
	}
}
