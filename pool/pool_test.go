package pool

import (
	"errors"
	"sync"
	"testing"
	"time"
)

func TestWorkersOverload(t *testing.T) {
	release := make(chan struct{})
	var wg sync.WaitGroup
	w, err := NewWorkers(2, func(int) { defer wg.Done(); <-release }, func(any) {})
	if err != nil {
		t.Fatal(err)
	}
	wg.Add(2)
	for i := 0; i < 2; i++ {
		if err := w.Submit(i); err != nil {
			t.Fatalf("submit %d: %v", i, err)
		}
	}
	if err := w.Submit(3); !errors.Is(err, ErrOverloaded) {
		t.Fatalf("third submit to a full pool of 2: got %v, want ErrOverloaded", err)
	}
	close(release)
	wg.Wait()
	if err := w.Close(time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestOfResets(t *testing.T) {
	type buf struct{ b []byte }
	p := Of[buf]{New: func() *buf { return &buf{} }, Reset: func(b *buf) { b.b = b.b[:0] }}
	b := p.Get()
	b.b = append(b.b, "dirty"...)
	p.Put(b)
	for i := 0; i < 10; i++ {
		if got := p.Get(); len(got.b) != 0 {
			t.Fatalf("Get returned a value that was not reset: %q", got.b)
		}
	}
}
