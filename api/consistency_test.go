package api

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geometryos/daemon1/server"
	"github.com/geometryos/daemon1/store"
)

// sharedLog is a fleet's write log in memory; each follower is held back
// to a position the test sets (a node behind the others).
type sharedLog struct {
	mu      sync.Mutex
	more    *sync.Cond
	batches [][]byte
	done    bool
}

func newSharedLog(t *testing.T) *sharedLog {
	l := &sharedLog{}
	l.more = sync.NewCond(&l.mu)
	t.Cleanup(func() {
		l.mu.Lock()
		l.done = true
		l.more.Broadcast()
		l.mu.Unlock()
	})
	return l
}

func (l *sharedLog) Append(batch []byte, at uint64, _ time.Time) (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if last := uint64(len(l.batches)); last != at {
		return 0, &store.Conflict{Last: last}
	}
	l.batches = append(l.batches, slices.Clone(batch))
	l.more.Broadcast()
	return uint64(len(l.batches)), nil
}

func (l *sharedLog) Last(time.Time) (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return uint64(len(l.batches)), nil
}

// follower delivers the log up to *upTo (moved with hold and release).
func (l *sharedLog) follower(upTo *atomic.Uint64) store.Follow {
	return func(from uint64) (<-chan store.Entry, error) {
		ch := make(chan store.Entry)
		go func() {
			defer close(ch)
			for pos := from; ; pos++ {
				l.mu.Lock()
				for !l.done && (uint64(len(l.batches)) < pos || upTo.Load() < pos) {
					l.more.Wait()
				}
				if l.done {
					l.mu.Unlock()
					return
				}
				b := l.batches[pos-1]
				l.mu.Unlock()
				ch <- store.Entry{Pos: pos, Batch: b}
			}
		}()
		return ch, nil
	}
}

func (l *sharedLog) release(upTo *atomic.Uint64, pos uint64) {
	l.mu.Lock()
	upTo.Store(pos)
	l.more.Broadcast()
	l.mu.Unlock()
}

// twoNodes serves the API (tokens on) over two replicas of one log: a, up
// to date, and b, which follows only as far as the test releases it.
func twoNodes(t *testing.T) (l *sharedLog, a, b *daemon, bUpTo *atomic.Uint64) {
	l = newSharedLog(t)
	all, held := &atomic.Uint64{}, &atomic.Uint64{}
	all.Store(1 << 62)
	open := func(upTo *atomic.Uint64) *daemon {
		r, err := store.OpenReplica(t.TempDir(), l, l.follower(upTo), store.Options{WriteTimeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		return startDaemonWith(t, "gnet", Options{Store: r.Store, Tokens: true}, server.Options{Workers: 8, Budget: 2 * time.Second})
	}
	return l, open(all), open(held), held
}

// A write refused on a node whose copy is behind is judged again once it
// has caught up: an If-Match with an ETag another node just made wins.
func TestRefusalOnAStaleCopyIsJudgedAgain(t *testing.T) {
	l, a, b, bUpTo := twoNodes(t)
	a.do("PUT", "/collections/c", "").expect(t, 201, "")
	made := a.do("PUT", "/collections/c/items/x", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":null}`).expect(t, 201, "")
	etag := made.header.Get("ETag")
	// b has applied nothing: it knows neither c nor x, until released.
	go func() {
		time.Sleep(100 * time.Millisecond)
		l.release(bUpTo, 1<<62)
	}()
	r := b.do("PUT", "/collections/c/items/x", `{"type":"Feature","geometry":{"type":"Point","coordinates":[3,4]},"properties":null}`,
		"If-Match", etag)
	r.expect(t, 200, "")
	if r.header.Get(SeqHeader) == "" {
		t.Fatal("a write's answer without its position")
	}
	// A refusal that holds on the caught-up copy stays a refusal.
	b.do("PUT", "/collections/c/items/x", `{"type":"Feature","geometry":{"type":"Point","coordinates":[5,6]},"properties":null}`,
		"If-Match", etag).expect(t, 412, ProblemPrecondition.Type)
}

// A read with a token waits (within its budget) for its node to apply the
// log that far; past the budget it is a 503 that says why; a token that is
// not a number is a 400.
func TestReadYourWritesToken(t *testing.T) {
	l, a, b, bUpTo := twoNodes(t)
	a.do("PUT", "/collections/c", "").expect(t, 201, "")
	made := a.do("PUT", "/collections/c/items/x", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":null}`).expect(t, 201, "")
	token := made.header.Get(SeqHeader)
	if token != "2" {
		t.Fatalf("the second write of the log answered %s: %q", SeqHeader, token)
	}
	b.do("GET", "/collections/c/items/x", "", SeqHeader, token).expect(t, 503, ProblemNotCaughtUp.Type)
	b.do("GET", "/collections/c/items/x", "", SeqHeader, "soon").expect(t, 400, ProblemInvalidParameter.Type)
	go func() {
		time.Sleep(100 * time.Millisecond)
		l.release(bUpTo, 2)
	}()
	got := b.do("GET", "/collections/c/items/x", "", SeqHeader, token).expect(t, 200, "")
	if got.header.Get(SeqHeader) != "2" {
		t.Fatalf("the read's answer says %s: %q, want 2", SeqHeader, got.header.Get(SeqHeader))
	}
	// Without a token, a node answers from what it has.
	b.do("GET", "/collections/c/items/x", "").expect(t, 200, "")
}
