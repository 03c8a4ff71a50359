package store

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
)

func feature(t *testing.T, raw string) *Input {
	t.Helper()
	in, err := ParseFeature([]byte(raw), "", 0)
	if err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return in
}

func point(t *testing.T, id string, lon, lat float64) *Input {
	t.Helper()
	return feature(t, fmt.Sprintf(`{"type":"Feature","id":%q,"geometry":{"type":"Point","coordinates":[%g,%g]},"properties":{"n":1}}`, id, lon, lat))
}

func newTestCollection(t *testing.T) (*Store, *Collection) {
	t.Helper()
	s := New()
	c, created, err := s.Create("c", "title", "")
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	return s, c
}

func TestWrites(t *testing.T) {
	_, c := newTestCollection(t)
	f, err := c.Create(point(t, "a", 1, 2))
	if err != nil || f.ID() != "a" || f.Version() != 1 {
		t.Fatalf("create: %v %+v", err, f)
	}
	if _, err := c.Create(point(t, "a", 3, 4)); !errors.Is(err, ErrExists) {
		t.Fatalf("create twice: %v", err)
	}
	anon, err := c.Create(feature(t, `{"type":"Feature","geometry":{"type":"Point","coordinates":[0,0]},"properties":null}`))
	if err != nil || anon.ID() == "" || anon.Properties() != "" {
		t.Fatalf("create without id: %v %+v", err, anon)
	}
	// Put honours the precondition and says whether it created.
	if _, _, err := c.Put(point(t, "a", 5, 6), func(cur *Feature) bool { return cur != nil && cur.Version() == 99 }); !errors.Is(err, ErrPrecondition) {
		t.Fatalf("put with a stale version: %v", err)
	}
	f, created, err := c.Put(point(t, "a", 5, 6), func(cur *Feature) bool { return cur != nil && cur.Version() == 1 })
	if err != nil || created || f.Version() != 3 {
		t.Fatalf("put: %v created %v version %d", err, created, f.Version())
	}
	if lon, lat, ok := f.Point(); !ok || lon != 5 || lat != 6 {
		t.Fatalf("replaced point: %g %g %v", lon, lat, ok)
	}
	if _, created, _ := c.Put(point(t, "b", 1, 1), nil); !created {
		t.Fatal("put of a new id did not create")
	}
	// The index follows replacements and deletes.
	var p Page
	c.Query(&Query{Kind: Nearby, Lon: 5, Lat: 6, K: 10, Limit: 10, Radius: 1}, &p)
	if len(p.Features) != 1 || p.Features[0].ID() != "a" {
		t.Fatalf("nearby the replaced point: %d features", len(p.Features))
	}
	if err := c.Delete("a", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("a", nil); !errors.Is(err, ErrNoFeature) {
		t.Fatalf("delete twice: %v", err)
	}
	c.Query(&Query{Kind: Nearby, Lon: 5, Lat: 6, K: 10, Limit: 10, Radius: 1}, &p)
	if len(p.Features) != 0 {
		t.Fatal("a deleted feature is still indexed")
	}
	if _, err := c.Update("nope", nil, nil); !errors.Is(err, ErrNoFeature) {
		t.Fatalf("update of a missing feature: %v", err)
	}
	f, err = c.Update("b", nil, func(cur *Feature) (*Input, error) { return point(t, "ignored", 7, 8), nil })
	if err != nil || f.ID() != "b" {
		t.Fatalf("update: %v %+v", err, f)
	}
}

func TestInsertAllIsAllOrNothing(t *testing.T) {
	_, c := newTestCollection(t)
	if _, err := c.Create(point(t, "taken", 0, 0)); err != nil {
		t.Fatal(err)
	}
	bad, err := c.InsertAll([]*Input{point(t, "x", 1, 1), point(t, "taken", 2, 2)})
	if !errors.Is(err, ErrExists) || bad != 1 {
		t.Fatalf("got %v at %d, want ErrExists at 1", err, bad)
	}
	bad, err = c.InsertAll([]*Input{point(t, "y", 1, 1), point(t, "z", 1, 1), point(t, "y", 2, 2)})
	if !errors.Is(err, ErrDuplicateID) || bad != 2 {
		t.Fatalf("got %v at %d, want ErrDuplicateID at 2", err, bad)
	}
	if c.Len() != 1 {
		t.Fatalf("a refused batch left %d features, want 1", c.Len())
	}
	if _, err := c.InsertAll([]*Input{point(t, "x", 1, 1), point(t, "y", 2, 2)}); err != nil || c.Len() != 3 {
		t.Fatalf("insert: %v, %d features", err, c.Len())
	}
}

func TestDroppedCollectionRefusesWrites(t *testing.T) {
	s, c := newTestCollection(t)
	if found, err := s.Drop("c"); !found || err != nil {
		t.Fatalf("drop: %v %v", found, err)
	}
	if found, _ := s.Drop("c"); found {
		t.Fatal("dropped twice")
	}
	if _, err := c.Create(point(t, "a", 0, 0)); !errors.Is(err, ErrNoCollection) {
		t.Fatalf("write after drop: %v", err)
	}
}

// Readers running beside bulk inserts see a batch entirely or not at all
// (run with -race).
func TestReadersSeeWholeBatches(t *testing.T) {
	_, c := newTestCollection(t)
	const batches, size = 8, 1300 // a batch spans chunks of bulkChunk
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		var p Page
		for {
			select {
			case <-done:
				return
			default:
			}
			if n := c.Len(); n%size != 0 {
				t.Errorf("saw %d features: part of a batch", n)
				return
			}
			c.Query(&Query{Kind: BBox, BBox: rectOf(-1, -1, 1, 1), Limit: 10}, &p)
			if p.Matched > 0 && p.Matched%size != 0 {
				t.Errorf("the index matched %d: part of a batch", p.Matched)
				return
			}
		}
	}()
	for b := 0; b < batches; b++ {
		ins := make([]*Input, size)
		for i := range ins {
			ins[i] = point(t, fmt.Sprintf("b%02d-%04d", b, i), float64(i%10)/20, float64(i/10)/200)
		}
		if _, err := c.InsertAll(ins); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	wg.Wait()
}

// PutAsync answers through its callback, from the committer; a write the
// committer cannot take now (its queue full, the store closed) is refused
// at once, and its callback never runs.
func TestPutAsync(t *testing.T) {
	_, c := newTestCollection(t)
	got := make(chan error, 1)
	if err := c.PutAsync(point(t, "a", 1, 2), nil, func(f *Feature, created bool, err error) {
		if err == nil && (!created || f.ID() != "a") {
			err = fmt.Errorf("created %v, %+v", created, f)
		}
		got <- err
	}); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	// A store whose committer has not started: its queue fills.
	s := newStore(Options{})
	full := newCollection(s, "c", "", "")
	for range maxBatch {
		if err := full.PutAsync(point(t, "x", 0, 0), nil, func(*Feature, bool, error) {}); err != nil {
			t.Fatal(err)
		}
	}
	if err := full.PutAsync(point(t, "x", 0, 0), nil, func(*Feature, bool, error) { t.Error("called") }); !errors.Is(err, ErrBusy) {
		t.Fatalf("a write past a full queue: %v, want ErrBusy", err)
	}
	s.shut = true // as Close, without waiting for a committer that never started
	if err := full.PutAsync(point(t, "x", 0, 0), nil, func(*Feature, bool, error) { t.Error("called") }); !errors.Is(err, ErrClosed) {
		t.Fatalf("a write to a closed store: %v, want ErrClosed", err)
	}
}

// A put without a precondition learns whether it created its feature only
// as it is applied: puts of one id in one batch must still say it once.
func TestPutsOfOneIDInOneBatch(t *testing.T) {
	s, c := newTestCollection(t)
	if _, err := c.Create(point(t, "old", 0, 0)); err != nil {
		t.Fatal(err)
	}
	b := &batch{s: s, cols: map[string]*Collection{}, feats: map[*Collection]map[string]*Feature{}}
	ins := []*Input{point(t, "a", 1, 1), point(t, "a", 2, 2), point(t, "old", 3, 3), point(t, "b", 4, 4)}
	fs, created := make([]*Feature, len(ins)), make([]bool, len(ins))
	answered := 0
	for i, in := range ins {
		b.take(&intent{run: c.put1(in, nil, &fs[i], &created[i]), then: func(err error) {
			if err != nil {
				t.Errorf("put %d: %v", i, err)
			}
			answered++
		}})
	}
	s.flush(b)
	if answered != len(ins) {
		t.Fatalf("%d of %d puts answered", answered, len(ins))
	}
	if want := []bool{true, false, false, true}; !slices.Equal(created, want) {
		t.Fatalf("created %v, want %v", created, want)
	}
	if f, ok := c.Get("a"); !ok || f != fs[1] {
		t.Fatalf("a is %+v, want the second put", f)
	}
}
