package api

import (
	"strings"
	"testing"
)

// A POST retried with its Idempotency-Key is not written again: it gets
// the first answer, marked Idempotent-Replayed; the key with another body
// is a 422; a bad key is a 400.
func TestIdempotentPost(t *testing.T) {
	d := startDaemon(t, "gnet", Options{})
	d.do("PUT", "/collections/c", "").expect(t, 201, "")
	const body = `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"n":1}}`
	first := d.do("POST", "/collections/c/items", body, "Idempotency-Key", "k-1").expect(t, 201, "")
	again := d.do("POST", "/collections/c/items", body, "Idempotency-Key", "k-1").expect(t, 201, "")
	if string(again.body) != string(first.body) || again.header.Get("Location") != first.header.Get("Location") ||
		again.header.Get("ETag") != first.header.Get("ETag") || again.header.Get("Idempotent-Replayed") != "true" ||
		first.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("the retry answered\n%v %s\nthe first\n%v %s", again.header, again.body, first.header, first.body)
	}
	if n := d.store.Collection("c").Len(); n != 1 {
		t.Fatalf("%d features after a retry, want 1", n)
	}
	d.do("POST", "/collections/c/items", strings.Replace(body, `"n":1`, `"n":2`, 1), "Idempotency-Key", "k-1").
		expect(t, 422, "/problems/idempotency-key-reused")
	bulk := `{"type":"FeatureCollection","features":[` + body + `,` + body + `]}`
	b1 := d.do("POST", "/collections/c/items", bulk, "Idempotency-Key", "k-2").expect(t, 201, "")
	b2 := d.do("POST", "/collections/c/items", bulk, "Idempotency-Key", "k-2").expect(t, 201, "")
	if string(b1.body) != `{"inserted":2}` || string(b2.body) != string(b1.body) || b2.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("bulk: %s then %s", b1.body, b2.body)
	}
	if n := d.store.Collection("c").Len(); n != 3 {
		t.Fatalf("%d features, want 3", n)
	}
	d.do("POST", "/collections/c/items", body, "Idempotency-Key", strings.Repeat("k", 256)).expect(t, 400, "/problems/invalid-parameter")
	d.do("POST", "/collections/c/items", body, "Idempotency-Key", "a b").expect(t, 400, "/problems/invalid-parameter")
	if n := d.store.Collection("c").Len(); n != 3 {
		t.Fatalf("%d features after refused posts, want 3", n)
	}
}
