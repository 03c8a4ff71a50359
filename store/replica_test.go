package store

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// sharedLog is a shared log in memory: a batch is appended only at the
// position it names, as a fleet's log does.
type sharedLog struct {
	mu      sync.Mutex
	more    *sync.Cond
	batches [][]byte
	closed  bool
}

func newSharedLog() *sharedLog {
	l := &sharedLog{}
	l.more = sync.NewCond(&l.mu)
	return l
}

func (l *sharedLog) Append(batch []byte, at uint64, _ time.Time) (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if last := uint64(len(l.batches)); last != at {
		return 0, &Conflict{Last: last}
	}
	l.batches = append(l.batches, slices.Clone(batch))
	l.more.Broadcast()
	return uint64(len(l.batches)), nil
}

func (l *sharedLog) follow(from uint64) (<-chan Entry, error) {
	ch := make(chan Entry)
	go func() {
		defer close(ch)
		for pos := from; ; pos++ {
			l.mu.Lock()
			for uint64(len(l.batches)) < pos && !l.closed {
				l.more.Wait()
			}
			if l.closed {
				l.mu.Unlock()
				return
			}
			b := l.batches[pos-1]
			l.mu.Unlock()
			ch <- Entry{Pos: pos, Batch: b}
		}
	}()
	return ch, nil
}

func (l *sharedLog) close() {
	l.mu.Lock()
	l.closed = true
	l.more.Broadcast()
	l.mu.Unlock()
}

func openReplica(t *testing.T, dir string, l *sharedLog) *Replica {
	t.Helper()
	r, err := OpenReplica(dir, l, l.follow, Options{WriteTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// state is a store's whole content, to compare replicas by.
func state(s *Store) string {
	var out []byte
	for _, c := range s.Collections() {
		out = fmt.Appendf(out, "collection %s\n", c.Name())
		c.mu.RLock()
		defer c.mu.RUnlock()
		c.ids.Scan(func(id string, f *Feature) bool {
			out = fmt.Appendf(out, "%s v%d %s\n", id, f.Version(), f.data)
			return true
		})
	}
	return string(out)
}

// TestReplicasAgree: writes through three replicas of one shared log,
// conditional ones racing on one feature, leave every replica with the
// same store, and exactly one writer wins each version.
func TestReplicasAgree(t *testing.T) {
	l := newSharedLog()
	defer l.close()
	var rs []*Replica
	for range 3 {
		rs = append(rs, openReplica(t, t.TempDir(), l))
	}
	if _, _, err := rs[0].Create("c", "", ""); err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if !r.WaitApplied(rs[0].Applied(), time.Now().Add(5*time.Second)) {
			t.Fatal("a replica did not apply the collection")
		}
	}
	first, err := rs[0].Collection("c").Create(point(t, "x", 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	// Every writer reads the feature on its replica, then replaces it if
	// it is still the version it read.
	const rounds, perReplica = 30, 4
	wins := make(map[uint64]int)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, r := range rs {
		for w := range perReplica {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := range rounds {
					if !r.WaitApplied(rs[0].Applied(), time.Now().Add(5*time.Second)) {
						t.Error("not applied")
						return
					}
					c := r.Collection("c")
					cur, ok := c.Get("x")
					if !ok {
						t.Error("x is gone")
						return
					}
					read := cur.Version()
					_, _, err := c.Put(point(t, "x", float64(i), float64(w*10+n%10)), func(f *Feature) bool { return f != nil && f.Version() == read })
					switch {
					case err == nil:
						mu.Lock()
						wins[read]++
						mu.Unlock()
					case !errors.Is(err, ErrPrecondition):
						t.Error(err)
						return
					}
				}
			}()
		}
	}
	// And unconditional writes meanwhile, some with ids made by the store.
	for i, r := range rs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range 50 {
				in := point(t, fmt.Sprintf("r%d-%d", i, n), 1, 1)
				if n%2 == 0 {
					in = feature(t, `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,1]},"properties":null}`)
				}
				if _, err := r.Collection("c").Create(in); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for v, n := range wins {
		if n != 1 {
			t.Errorf("%d writers replaced version %d", n, v)
		}
	}
	if len(wins) == 0 || first.Version() == 0 {
		t.Fatal("no conditional write won")
	}
	want := uint64(len(l.batches))
	for _, r := range rs {
		if !r.WaitApplied(want, time.Now().Add(5*time.Second)) {
			t.Fatalf("stuck at %d of %d", r.Applied(), want)
		}
	}
	base := state(rs[0].Store)
	for i, r := range rs[1:] {
		if got := state(r.Store); got != base {
			t.Errorf("replica %d differs from replica 0:\n%s\n---\n%s", i+1, got, base)
		}
	}
	if got := rs[0].Collection("c").Len(); got != 1+150 {
		t.Errorf("%d features, want 151", got)
	}
	for _, r := range rs {
		r.Close()
	}
}

// TestReplicaRestartsFromSnapshot: a replica closed and opened again
// loads its snapshot and follows the log from there; a new one replays
// the log from its start; both end as the one that never stopped.
func TestReplicaRestartsFromSnapshot(t *testing.T) {
	l := newSharedLog()
	defer l.close()
	a, bdir := openReplica(t, t.TempDir(), l), t.TempDir()
	b := openReplica(t, bdir, l)
	if _, _, err := a.Create("c", "T", ""); err != nil {
		t.Fatal(err)
	}
	for n := range 20 {
		if _, err := a.Collection("c").Create(point(t, fmt.Sprint(n), 1, 2)); err != nil {
			t.Fatal(err)
		}
	}
	b.WaitApplied(a.Applied(), time.Now().Add(5*time.Second))
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	at := b.Applied()
	for n := range 10 {
		if err := a.Collection("c").Delete(fmt.Sprint(n), nil); err != nil {
			t.Fatal(err)
		}
	}
	b = openReplica(t, bdir, l)
	if b.Loaded.Records == 0 || b.Loaded.Features != 20 {
		t.Errorf("the restart loaded %+v, want the snapshot's 20 features", b.Loaded)
	}
	fresh := openReplica(t, t.TempDir(), l)
	for _, r := range []*Replica{b, fresh} {
		if !r.WaitApplied(a.Applied(), time.Now().Add(5*time.Second)) {
			t.Fatalf("stuck at %d of %d", r.Applied(), a.Applied())
		}
		if got, want := state(r.Store), state(a.Store); got != want {
			t.Errorf("after a restart at %d:\n%s\nwant\n%s", at, got, want)
		}
	}
	// Writes go on from the restarted replica.
	if _, err := b.Collection("c").Create(point(t, "new", 0, 0)); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*Replica{a, b, fresh} {
		r.Close()
	}
}

// A replica writes its snapshot every SnapshotEvery too, atomically: one
// that stops without Close (a crash) restarts from the last one.
func TestReplicaSnapshotsPeriodically(t *testing.T) {
	l := newSharedLog()
	defer l.close()
	dir := t.TempDir()
	r, err := OpenReplica(dir, l, l.follow, Options{WriteTimeout: 5 * time.Second, SnapshotEvery: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Create("c", "", ""); err != nil {
		t.Fatal(err)
	}
	for n := range 5 {
		if _, err := r.Collection("c").Create(point(t, fmt.Sprint(n), 1, 2)); err != nil {
			t.Fatal(err)
		}
	}
	// Wait for a snapshot that holds all five, then "crash": no Close.
	deadline := time.Now().Add(10 * time.Second)
	for r.snapshotAt.Load() != r.Applied() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	taken := r.Stats().Rewrites.Load()
	time.Sleep(100 * time.Millisecond)
	if again := r.Stats().Rewrites.Load(); again != taken {
		t.Errorf("%d snapshots of a store that did not change", again-taken)
	}
	r.Store.Close() // the committer only: no snapshot at the end
	again := openReplica(t, dir, l)
	defer again.Close()
	if again.Loaded.Features != 5 || again.Loaded.Records == 0 {
		t.Fatalf("restarted from %+v, want a snapshot of 5 features", again.Loaded)
	}
	if got, want := state(again.Store), state(r.Store); got != want {
		t.Fatalf("restarted:\n%s\nwant\n%s", got, want)
	}
}
