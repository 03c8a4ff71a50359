package store

import (
	"bytes"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/geometryos/daemon1/store/aof"
	"github.com/tidwall/geojson"
)

// FuzzDecodeRecord: the record decoder never panics, and whatever it
// accepts encodes back to the same payload (records will cross networks
// and versions).
func FuzzDecodeRecord(f *testing.F) {
	pt := newFeature("p1", false, mustGeometry(f, `{"type":"Point","coordinates":[1,2]}`), nil, []byte(`{"a":1}`), 7)
	line := newFeature("42", true, mustGeometry(f, `{"type":"LineString","coordinates":[[1,2],[3,4]]}`),
		[]byte(`{"type":"LineString","coordinates":[[1,2],[3,4]]}`), nil, 8)
	unlocated := newFeature("u", false, nil, []byte(nullGeometry), nil, 9)
	for _, r := range []record{
		&createRecord{name: "c", title: "T", desc: "D", version: 3},
		&dropRecord{name: "c"},
		&putRecord{collection: "c", f: pt},
		&putRecord{collection: "c", f: unlocated},
		&deleteRecord{collection: "c", version: 9, id: "p1"},
		&bulkRecord{collection: "c", fs: []*Feature{pt, line}},
		&floorRecord{floor: 12},
		&atRecord{pos: 1 << 40},
		&keyRecord{collection: "c", key: "k", r: &Remembered{Sum: sha256.Sum256([]byte("x")), At: time.Unix(0, 5), Answer: []byte("answer")}},
	} {
		f.Add(byte(r.op()), r.appendPayload(nil))
	}
	f.Fuzz(func(t *testing.T, op byte, payload []byte) {
		rec, _, err := decodeRecord(aof.Op(op), payload)
		if err != nil {
			return
		}
		if again := rec.appendPayload(nil); !bytes.Equal(again, payload) {
			t.Fatalf("op %d: %q decoded, then encoded as %q", op, payload, again)
		}
	})
}

func mustGeometry(f *testing.F, raw string) geojson.Object {
	g, err := ParseGeometry([]byte(raw), 0)
	if err != nil {
		f.Fatal(err)
	}
	return g
}
