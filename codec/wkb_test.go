package codec

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

var wkbCases = []string{
	`{"type":"Point","coordinates":[1.5,-2.25]}`,
	`{"type":"Point","coordinates":[1.5,-2.25,100]}`,
	`{"type":"LineString","coordinates":[[0,0],[1,1],[2,0.5]]}`,
	`{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[1,1],[2,1],[2,2],[1,1]]]}`,
	`{"type":"MultiPoint","coordinates":[[0,0],[1,2]]}`,
	`{"type":"MultiLineString","coordinates":[[[0,0],[1,1]],[[2,2],[3,3,7]]]}`,
	`{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,5],[6,5],[6,6],[5,5]]]]}`,
	`{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]},{"type":"LineString","coordinates":[[0,0],[1,1]]}]}`,
	`{"type":"LineString","coordinates":[]}`,
}

// sameJSON compares two JSON texts as values.
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return reflect.DeepEqual(va, vb)
}

// GeoJSON → WKB → GeoJSON gives back the geometry, Z filled with 0 where
// a geometry mixes dimensions.
func TestWKBRoundTrip(t *testing.T) {
	for _, gj := range wkbCases {
		wkb, err := AppendWKBFromGeoJSON(nil, []byte(gj))
		if err != nil {
			t.Fatalf("%s: %v", gj, err)
		}
		back, err := AppendGeoJSONFromWKB(nil, wkb)
		if err != nil {
			t.Fatalf("%s: back: %v", gj, err)
		}
		want := gj
		if strings.Contains(gj, "[3,3,7]") {
			want = strings.ReplaceAll(gj, "[0,0]", "[0,0,0]")
			want = strings.ReplaceAll(want, "[1,1]", "[1,1,0]")
			want = strings.ReplaceAll(want, "[2,2]", "[2,2,0]")
		}
		if !sameJSON(t, back, []byte(want)) {
			t.Fatalf("%s: came back as %s", gj, back)
		}
	}
}

// A point is 21 bytes, little-endian, and reads the same big-endian.
func TestWKBPoint(t *testing.T) {
	le := AppendWKBPoint(nil, 13.4, 52.5)
	if len(le) != WKBPointLen || le[0] != 1 || binary.LittleEndian.Uint32(le[1:]) != 1 {
		t.Fatalf("% x", le)
	}
	be := []byte{0, 0, 0, 0, 1}
	be = binary.BigEndian.AppendUint64(be, math.Float64bits(13.4))
	be = binary.BigEndian.AppendUint64(be, math.Float64bits(52.5))
	for _, b := range [][]byte{le, be} {
		gj, err := AppendGeoJSONFromWKB(nil, b)
		if err != nil || string(gj) != `{"type":"Point","coordinates":[13.4,52.5]}` {
			t.Fatalf("% x: %s %v", b, gj, err)
		}
		x, y, err := ReadWKBPoint(b)
		if err != nil || x != 13.4 || y != 52.5 {
			t.Fatalf("ReadWKBPoint(% x): %v %v %v", b, x, y, err)
		}
	}
	if gj, err := AppendWKBFromGeoJSON(nil, []byte(`{"type":"Point","coordinates":[13.4,52.5]}`)); err != nil || !bytes.Equal(gj, le) {
		t.Fatalf("AppendWKBFromGeoJSON: % x %v", gj, err)
	}
}

func TestWKBRefuses(t *testing.T) {
	f := func(name string, b []byte, reason string) {
		t.Helper()
		_, err := AppendGeoJSONFromWKB(nil, b)
		if err == nil || !strings.Contains(err.Error(), reason) {
			t.Fatalf("%s: %v, want %q", name, err, reason)
		}
	}
	pt := AppendWKBPoint(nil, 1, 2)
	f("empty", nil, "ends where a geometry should begin")
	f("bad byte order", append([]byte{2}, pt[1:]...), "byte order 2")
	f("truncated", pt[:15], "ends in the middle of a coordinate")
	f("trailing bytes", append(pt, 0), "bytes after the geometry")
	f("unknown type", []byte{1, 9, 0, 0, 0}, "unknown geometry type 9")
	f("M", []byte{1, 0xD1, 0x07, 0, 0}, "M coordinates")
	f("SRID", []byte{1, 1, 0, 0, 0x20}, "SRID")
	nan := AppendWKBPoint(nil, math.NaN(), math.NaN())
	f("empty point", nan, "not a finite number")
	f("huge count", []byte{1, 2, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}, "does not fit")
	multi := []byte{1, 4, 0, 0, 0, 1, 0, 0, 0}
	multi = append(multi, 1, 2, 0, 0, 0, 0, 0, 0, 0)
	f("a multipoint holding a line", multi, "each part must be a Point")
	deep := []byte{}
	for range maxWKBDepth + 1 {
		deep = append(deep, 1, 7, 0, 0, 0, 1, 0, 0, 0)
	}
	f("deep collections", append(deep, pt...), "nest deeper")
}

// FuzzWKB: no input panics; what reads is JSON, and writing it back as
// WKB reads the same again.
func FuzzWKB(f *testing.F) {
	for _, gj := range wkbCases {
		wkb, _ := AppendWKBFromGeoJSON(nil, []byte(gj))
		f.Add(wkb)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		gj, err := AppendGeoJSONFromWKB(nil, b)
		if err != nil {
			return
		}
		if !json.Valid(gj) {
			t.Fatalf("% x read as invalid JSON %s", b, gj)
		}
		again, err := AppendWKBFromGeoJSON(nil, gj)
		if err != nil {
			t.Fatalf("%s: %v", gj, err)
		}
		gj2, err := AppendGeoJSONFromWKB(nil, again)
		if err != nil || !bytes.Equal(gj, gj2) {
			t.Fatalf("%s came back as %s (%v)", gj, gj2, err)
		}
	})
}

// Fields reads what the Append functions wrote, and a short payload sets
// Err without a panic.
func TestFields(t *testing.T) {
	b := AppendStr16(nil, "coll")
	b = AppendU64(b, 7)
	b = AppendBytes32(b, []byte{1, 2, 3})
	b = AppendF64(b, 2.5)
	b = append(b, 9)
	in := NewFields(b)
	if s, v, by, fl, u := in.Str16(), in.U64(), in.Bytes32(), in.F64(), in.U8(); string(s) != "coll" || v != 7 || !bytes.Equal(by, []byte{1, 2, 3}) || fl != 2.5 || u != 9 || in.Done() != nil {
		t.Fatalf("%q %d %v %v %d %v", s, v, by, fl, u, in.Err)
	}
	for n := range b {
		in := NewFields(b[:n])
		in.Str16()
		in.U64()
		in.Bytes32()
		in.F64()
		in.U8()
		if in.Done() == nil {
			t.Fatalf("a payload cut at %d read without an error", n)
		}
	}
}

func FuzzFields(f *testing.F) {
	f.Add([]byte{0, 1, 'a', 0, 0, 0, 1, 'b'})
	f.Fuzz(func(t *testing.T, b []byte) {
		in := NewFields(b)
		s, by := in.Str16(), in.Bytes32()
		if in.Err == nil && 2+len(s)+4+len(by) > len(b) {
			t.Fatal("read past the end")
		}
		in.Done()
	})
}

// FrameStatus has a status for every status a REST handler answers.
func TestFrameStatus(t *testing.T) {
	for http, want := range map[int]byte{200: StatusOK, 201: StatusCreated, 204: StatusOK, 400: StatusBadRequest, 401: StatusUnauthorized,
		404: StatusNotFound, 405: StatusOtherClient, 409: StatusConflict, 412: StatusPrecondition, 413: StatusTooLarge, 422: StatusUnprocessable,
		429: StatusOtherClient, 500: StatusInternal, 503: StatusUnavailable, 504: StatusUnknown, 505: StatusVersion, 507: StatusNoSpace, 502: StatusOtherServer} {
		if got := FrameStatus(http); got != want {
			t.Fatalf("FrameStatus(%d) = 0x%02x, want 0x%02x", http, got, want)
		}
	}
}
