package store

import (
	"errors"
	"sync"
	"testing"
)

// Reads handed to the committer among writes, all in one batch (queued
// before the committer starts): each sees the writes before it and none
// after, and is answered after the writes before it.
func TestGetInOrder(t *testing.T) {
	s := newStore(Options{})
	c := newCollection(s, "c", "", "")
	s.cols["c"] = c
	var mu sync.Mutex
	var order []string
	note := func(what string) {
		mu.Lock()
		order = append(order, what)
		mu.Unlock()
	}
	var wg sync.WaitGroup
	put := func(lon float64, name string) {
		wg.Add(1)
		if err := c.PutAsync(point(t, "a", lon, 0), nil, func(_ *Feature, _ bool, err error) {
			if err != nil {
				t.Error(err)
			}
			note(name)
			wg.Done()
		}); err != nil {
			t.Fatal(err)
		}
	}
	get := func(id, name string, want float64, wantErr error) {
		wg.Add(1)
		if err := s.GetInOrder("c", id, func(f *Feature, err error) {
			switch {
			case wantErr != nil:
				if !errors.Is(err, wantErr) {
					t.Errorf("%s: %v, want %v", name, err, wantErr)
				}
			case err != nil:
				t.Errorf("%s: %v", name, err)
			default:
				if lon, _, _ := f.Point(); lon != want {
					t.Errorf("%s: read the feature at %g, want the write before it (%g)", name, lon, want)
				}
			}
			note(name)
			wg.Done()
		}); err != nil {
			t.Fatal(err)
		}
	}
	get("a", "get0", 0, ErrNoFeature)
	put(1, "put1")
	get("a", "get1", 1, nil)
	put(2, "put2")
	get("a", "get2", 2, nil)
	get("b", "getb", 0, ErrNoFeature)
	go s.commit()
	defer s.Close()
	wg.Wait()
	want := []string{"get0", "put1", "get1", "put2", "get2", "getb"}
	if len(order) != len(want) {
		t.Fatalf("answers %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("answers %v, want %v", order, want)
		}
	}
	if v, _ := c.Get("a"); v == nil {
		t.Fatal("the writes were not made")
	}
}

// A read the committer cannot take is refused with why.
func TestGetInOrderRefused(t *testing.T) {
	s := newStore(Options{})
	newCollection(s, "c", "", "")
	for range maxBatch {
		if err := s.GetInOrder("c", "a", func(*Feature, error) {}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.GetInOrder("c", "a", func(*Feature, error) { t.Error("called") }); !errors.Is(err, ErrBusy) {
		t.Fatalf("a read past a full queue: %v, want ErrBusy", err)
	}
	s.shut = true
	if err := s.GetInOrder("c", "a", func(*Feature, error) { t.Error("called") }); !errors.Is(err, ErrClosed) {
		t.Fatalf("a read of a closed store: %v, want ErrClosed", err)
	}
}

// A walk that let its lock go may meet a feature a write moved meanwhile a
// second time, farther: the page keeps the first.
func TestDistinctHits(t *testing.T) {
	a, b, a2 := newFeature("a", false, nil, nil, nil, 1), newFeature("b", false, nil, nil, nil, 1), newFeature("a", false, nil, nil, nil, 2)
	got := distinct([]hit{{a, 1}, {b, 2}, {a2, 3}})
	if len(got) != 2 || got[0].f != a || got[1].f != b {
		t.Fatalf("distinct kept %v, want a at 1 and b at 2", got)
	}
}
