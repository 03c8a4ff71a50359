package store

import (
	"errors"
	"testing"

	"github.com/tidwall/geojson/geometry"
)

// A bulk insert's modes for ids that exist: fail refuses all, skip keeps
// the stored features and inserts the rest, replace upserts; an id repeated
// within the batch is refused in every mode; and what each did survives a
// replay of the file.
func TestBulkIfExists(t *testing.T) {
	dir := t.TempDir()
	d := open(t, dir, false, Options{Fsync: FsyncNo})
	c, _, _ := d.Create("c", "", "")
	if _, err := c.Create(point(t, "a", 0, 0)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(point(t, "b", 0, 0)); err != nil {
		t.Fatal(err)
	}
	batch := func() []*Input {
		return []*Input{point(t, "a", 1, 1), point(t, "new1", 2, 2), point(t, "b", 3, 3), anon(t, 4, 4)}
	}
	at := func(id string) float64 {
		t.Helper()
		f, ok := c.Get(id)
		if !ok {
			t.Fatalf("%s is missing", id)
		}
		lon, _, _ := f.Point()
		return lon
	}

	res, bad, _, err := c.Bulk(batch(), IfExistsFail, nil)
	if !errors.Is(err, ErrExists) || bad != 0 || res != (BulkResult{}) || c.Len() != 2 {
		t.Fatalf("fail: %+v at %d, %v, %d features", res, bad, err, c.Len())
	}
	for _, mode := range []IfExists{IfExistsFail, IfExistsSkip, IfExistsReplace} {
		dup := []*Input{point(t, "x", 1, 1), point(t, "x", 2, 2)}
		if _, bad, _, err := c.Bulk(dup, mode, nil); !errors.Is(err, ErrDuplicateID) || bad != 1 {
			t.Fatalf("mode %d, a repeated id: %v at %d", mode, err, bad)
		}
	}

	res, _, _, err = c.Bulk(batch(), IfExistsSkip, nil)
	if err != nil || res != (BulkResult{Inserted: 2, Skipped: 2}) || c.Len() != 4 || at("a") != 0 || at("new1") != 2 {
		t.Fatalf("skip: %+v %v, %d features", res, err, c.Len())
	}
	// Everything skipped: nothing changes.
	res, _, _, err = c.Bulk([]*Input{point(t, "a", 9, 9)}, IfExistsSkip, nil)
	if err != nil || res != (BulkResult{Skipped: 1}) || at("a") != 0 {
		t.Fatalf("all skipped: %+v %v", res, err)
	}

	res, _, _, err = c.Bulk([]*Input{point(t, "a", 5, 5), point(t, "new2", 6, 6), point(t, "b", 7, 7)}, IfExistsReplace, nil)
	if err != nil || res != (BulkResult{Inserted: 1, Replaced: 2}) || c.Len() != 5 || at("a") != 5 || at("b") != 7 || at("new2") != 6 {
		t.Fatalf("replace: %+v %v, %d features", res, err, c.Len())
	}
	// The spatial index follows the replacements.
	if n := countIn(t, c, 4.5, 5.5); n != 1 {
		t.Fatalf("%d features near (5,5), want 1 (a, moved there)", n)
	}
	if n := countIn(t, c, -0.5, 0.5); n != 0 {
		t.Fatalf("%d features near (0,0), want 0 (a and b moved away)", n)
	}

	want := dump(d.Store)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d = open(t, dir, false, Options{Fsync: FsyncNo})
	defer d.Close()
	if got := dump(d.Store); got != want {
		t.Fatalf("after replay:\n%s\nwant:\n%s", got, want)
	}
}

// countIn counts the features in the box (lo, lo)–(hi, hi).
func countIn(t *testing.T, c *Collection, lo, hi float64) int {
	t.Helper()
	var p Page
	c.Query(&Query{Kind: BBox, BBox: geometry.Rect{Min: geometry.Point{X: lo, Y: lo}, Max: geometry.Point{X: hi, Y: hi}}, Limit: 100}, &p)
	return len(p.Features)
}
