package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/geometryos/daemon1/api"
	"github.com/geometryos/daemon1/codec"
	"github.com/geometryos/daemon1/server"
)

var bg = context.Background()

// problemOf returns err as an *Error, failing the test otherwise.
func problemOf(t *testing.T, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T): want an *Error", err, err)
	}
	return e
}

// Every op, against both engines: writes, reads, searches, errors.
func TestEveryOp(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		addr, obs := serve(t, engine, api.Options{}, server.Options{})
		c := dial(t, addr, Options{})
		if got, err := c.Ping(bg, []byte("hi")); err != nil || string(got) != "hi" {
			t.Fatalf("ping: %q, %v", got, err)
		}
		if created, err := c.CreateCollection(bg, "pts", "Points", ""); err != nil || !created {
			t.Fatalf("create: %v, %v", created, err)
		}
		if created, err := c.CreateCollection(bg, "pts", "Points", ""); err != nil || created {
			t.Fatalf("create again: %v, %v", created, err)
		}
		v1, created, err := c.Put(bg, "pts", Feature{ID: "a", Geometry: Point(10, 20), Properties: json.RawMessage(`{"name":"A"}`)}, 0)
		if err != nil || !created || v1 == 0 {
			t.Fatalf("put: %d %v %v", v1, created, err)
		}
		v2, created, err := c.Put(bg, "pts", Feature{ID: "a", Geometry: Point(10.5, 20)}, Match(v1))
		if err != nil || created || v2 <= v1 {
			t.Fatalf("replace with the expected version: %d %v %v", v2, created, err)
		}
		_, _, err = c.Put(bg, "pts", Feature{ID: "a", Geometry: Point(0, 0)}, Match(v1))
		if e := problemOf(t, err); e.Status != codec.StatusPrecondition || e.Type != "/problems/precondition-failed" || e.HTTP != 412 {
			t.Fatalf("a stale expected version: %+v", e)
		}
		f, err := c.Get(bg, "pts", "a")
		if err != nil || f.Version != v2 || !bytes.Equal(f.Geometry, Point(10.5, 20)) || f.Properties != nil {
			t.Fatalf("get: %+v %v", f, err)
		}
		_, err = c.Get(bg, "pts", "nope")
		if e := problemOf(t, err); !IsNotFound(err) || e.Type != "/problems/no-such-feature" || e.Detail != `collection "pts" has no feature "nope"` {
			t.Fatalf("get of a missing feature: %+v", e)
		}
		_, err = c.Get(bg, "nope", "a")
		if e := problemOf(t, err); e.Type != "/problems/no-such-collection" {
			t.Fatalf("get in a missing collection: %+v", e)
		}
		var fs []Feature
		for i := range 50 {
			fs = append(fs, Feature{ID: fmt.Sprintf("p%02d", i), Geometry: Point(float64(i)/100, 0), Properties: json.RawMessage(`{"i":` + fmt.Sprint(i) + `}`)})
		}
		if n, err := c.Insert(bg, "pts", fs); err != nil || n != 50 {
			t.Fatalf("insert: %d %v", n, err)
		}
		_, err = c.Insert(bg, "pts", fs[:2])
		if e := problemOf(t, err); !IsConflict(err) || e.Detail != `features[0]: collection "pts" already has a feature "p00"; nothing was inserted` {
			t.Fatalf("insert of existing ids: %+v", e)
		}
		anon := []Feature{{Geometry: Point(7, 7)}, {Geometry: polygon(1, 1, 2, 2), Properties: json.RawMessage(`{"k":1}`)}}
		if n, err := c.Insert(bg, "pts", anon); err != nil || n != 2 {
			t.Fatalf("insert of features without ids: %d %v", n, err)
		}
		if r, err := c.InsertIf(bg, "pts", IfExistsSkip, anon); err != nil || r.Inserted != 2 {
			t.Fatalf("insert-if of features without ids: %+v %v", r, err)
		}
		if _, err = c.InsertIf(bg, "pts", IfExistsFail, fs[:2]); !IsConflict(err) {
			t.Fatalf("insert-if fail of existing ids: %v", err)
		}
		more := append([]Feature{{ID: "p00", Geometry: Point(5, 5)}}, Feature{ID: "q", Geometry: Point(6, 6)})
		if r, err := c.InsertIf(bg, "pts", IfExistsSkip, more); err != nil || r != (Inserted{Inserted: 1, Skipped: 1}) {
			t.Fatalf("insert-if skip: %+v %v", r, err)
		}
		if f, _ := c.Get(bg, "pts", "p00"); !bytes.Equal(f.Geometry, Point(0, 0)) {
			t.Fatal("insert-if skip changed a stored feature")
		}
		if r, err := c.InsertIf(bg, "pts", IfExistsReplace, more[:1]); err != nil || r != (Inserted{Replaced: 1}) {
			t.Fatalf("insert-if replace: %+v %v", r, err)
		}
		if f, _ := c.Get(bg, "pts", "p00"); !bytes.Equal(f.Geometry, Point(5, 5)) {
			t.Fatal("insert-if replace did not replace")
		}
		if _, err := c.InsertIf(bg, "pts", IfExists(7), more); problemOf(t, err).HTTP != 400 {
			t.Fatalf("insert-if with mode 7: %v", err)
		}
		if r, err := c.InsertIf(bg, "pts", IfExistsReplace, more[:1]); err != nil || r != (Inserted{Replaced: 1}) {
			t.Fatalf("insert-if replace again: %+v %v", r, err)
		}
		c.Delete(bg, "pts", "q", 0)
		if _, _, err := c.Put(bg, "pts", Feature{ID: "p00", Geometry: Point(0, 0)}, 0); err != nil {
			t.Fatal(err)
		}
		p, err := c.Nearby(bg, "pts", 0.101, 0, 3, 0, "")
		if err != nil || len(p.Features) != 3 || p.Features[0].ID != "p10" || p.Features[1].ID != "p11" || p.Features[2].ID != "p09" {
			t.Fatalf("nearby: %+v %v", p, err)
		}
		if d := p.Features[0].Distance; d < 100 || d > 120 {
			t.Fatalf("nearby distance %f m: want about 111 m", d)
		}
		p, err = c.BBox(bg, "pts", 0.095, -1, 0.205, 1, 5, "")
		if err != nil || len(p.Features) != 5 || p.Features[0].ID != "p10" || p.Next == "" {
			t.Fatalf("bbox page 1: %+v %v", p, err)
		}
		p, err = c.BBox(bg, "pts", 0.095, -1, 0.205, 1, 5, p.Next)
		if err != nil || len(p.Features) != 5 || p.Features[0].ID != "p15" || string(p.Features[0].Properties) != `{"i":15}` {
			t.Fatalf("bbox page 2: %+v %v", p, err)
		}
		box := polygon(0.095, -1, 0.125, 1)
		p, err = c.Within(bg, "pts", box, 100, "")
		if err != nil || len(p.Features) != 3 || p.Features[0].ID != "p10" {
			t.Fatalf("within: %+v %v", p, err)
		}
		p, err = c.Intersects(bg, "pts", box, 100, "")
		if err != nil || len(p.Features) != 3 {
			t.Fatalf("intersects: %+v %v", p, err)
		}
		if err := c.Delete(bg, "pts", "a", Match(v1)); !IsPrecondition(err) {
			t.Fatalf("delete with a stale version: %v", err)
		}
		if err := c.Delete(bg, "pts", "a", Match(v2)); err != nil {
			t.Fatalf("delete: %v", err)
		}
		if err := c.Delete(bg, "pts", "a", 0); !IsNotFound(err) {
			t.Fatalf("delete again: %v", err)
		}
		if err := c.DropCollection(bg, "pts"); err != nil {
			t.Fatalf("drop: %v", err)
		}
		if err := c.DropCollection(bg, "pts"); !IsNotFound(err) {
			t.Fatalf("drop again: %v", err)
		}
		// Each op is counted as a route is, by status, and its errors by kind.
		var m bytes.Buffer
		obs.Set().WritePrometheus(&m)
		for _, series := range []string{
			`daemon1_requests_total{route="binary:get",method="BINARY",status="200"} 3`,
			`daemon1_requests_total{route="binary:insert-if",method="BINARY",status="201"} 2`,
			`daemon1_requests_total{route="binary:insert-if",method="BINARY",status="200"} 2`,
			`daemon1_requests_total{route="binary:insert-if",method="BINARY",status="409"} 1`,
			`daemon1_requests_total{route="binary:insert-if",method="BINARY",status="400"} 1`,
			`daemon1_requests_total{route="binary:get",method="BINARY",status="404"} 2`,
			`daemon1_requests_total{route="binary:put",method="BINARY",status="201"} 1`,
			`daemon1_requests_total{route="binary:put",method="BINARY",status="412"} 1`,
			`daemon1_request_duration_seconds_count{route="binary:nearby",method="BINARY"} 1`,
			`daemon1_errors_total{kind="precondition_failed"} 2`, // what the error log counts, by kind
		} {
			if !bytes.Contains(m.Bytes(), []byte(series+"\n")) {
				t.Errorf("/metrics lacks %s", series)
			}
		}
	})
}

// polygon is the WKB of a box.
func polygon(minLon, minLat, maxLon, maxLat float64) []byte {
	gj := fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}`,
		minLon, minLat, maxLon, minLat, maxLon, maxLat, minLon, maxLat, minLon, minLat)
	b, err := codec.AppendWKBFromGeoJSON(nil, []byte(gj))
	if err != nil {
		panic(err)
	}
	return b
}

// Bad input gets the problem REST gives, and the connection goes on.
func TestBadInputIsAnsweredAndTheConnectionGoesOn(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		addr, _ := serve(t, engine, api.Options{}, server.Options{})
		c := dial(t, addr, Options{})
		if _, err := c.CreateCollection(bg, "c", "", ""); err != nil {
			t.Fatal(err)
		}
		check := func(name string, err error, status byte, typ, detail string) {
			t.Helper()
			e := problemOf(t, err)
			if e.Status != status || e.Type != typ || !bytes.Contains([]byte(e.Detail), []byte(detail)) {
				t.Fatalf("%s: %+v, want status 0x%02x %s with %q", name, e, status, typ, detail)
			}
		}
		_, _, err := c.Put(bg, "c", Feature{ID: "x", Geometry: Point(200, 0)}, 0)
		check("longitude out of range", err, codec.StatusUnprocessable, "/problems/invalid-geometry", "")
		_, _, err = c.Put(bg, "c", Feature{ID: "x", Geometry: []byte{1, 2, 3}}, 0)
		check("truncated WKB", err, codec.StatusUnprocessable, "/problems/invalid-geometry", "WKB at byte")
		_, _, err = c.Put(bg, "c", Feature{ID: "x", Geometry: Point(1, 1), Properties: json.RawMessage(`[1]`)}, 0)
		check("properties not an object", err, codec.StatusBadRequest, "/problems/invalid-body", "properties")
		_, _, err = c.Put(bg, "c", Feature{ID: "x", Geometry: Point(1, 1), Properties: json.RawMessage(`{}, "id": "y"`)}, 0)
		check("properties that are not one JSON value", err, codec.StatusBadRequest, "/problems/invalid-body", "properties")
		_, _, err = c.Put(bg, "c", Feature{ID: "", Geometry: Point(1, 1)}, 0)
		check("an empty id", err, codec.StatusBadRequest, "/problems/invalid-body", "id")
		call := c.Go(bg, codec.OpGet, []byte{0, 1})
		check("a payload shorter than its fields", call.Wait(bg), codec.StatusBadRequest, "/problems/invalid-body", "the payload of a get frame")
		call = c.Go(bg, codec.OpGet, append(appendStrs(nil, "c", "x"), 0))
		check("a payload longer than its fields", call.Wait(bg), codec.StatusBadRequest, "/problems/invalid-body", "after its last field")
		call = c.Go(bg, 0x7f, nil)
		check("an unknown op", call.Wait(bg), codec.StatusBadRequest, "/problems/bad-request", "op 0x7f")
		if _, _, err := c.Put(bg, "c", Feature{ID: "x", Geometry: Point(1, 1)}, 0); err != nil {
			t.Fatalf("after the errors, a put: %v", err)
		}
	})
}
