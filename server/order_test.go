package server

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// orderEngine serves routes that note when they start and end: "w" a
// write on a worker, "h" a write held for 10 ms (as the committer
// holds one), "r" an inline read, "s" a read on a worker; each sleeps
// the milliseconds in its path.
func orderEngine(t *testing.T) (*Engine, func() string) {
	var mu sync.Mutex
	var log []string
	note := func(s string) {
		mu.Lock()
		log = append(log, s)
		mu.Unlock()
	}
	r := NewRouter(nil)
	run := func(kind string) fasthttp.RequestHandler {
		return func(ctx *fasthttp.RequestCtx) {
			id := string(Param(ctx, "id"))
			note("+" + id)
			switch kind {
			case "h":
				if Hold(ctx) {
					go func() {
						time.Sleep(10 * time.Millisecond)
						note("-" + id)
						ctx.SetStatusCode(201)
						Done(ctx)
					}()
					return
				}
			case "w", "s":
				time.Sleep(10 * time.Millisecond)
			}
			note("-" + id)
		}
	}
	r.Handle("PUT", "/w/{id}", Worker, run("w")).Writes = true
	r.Handle("POST", "/h/{id}", Inline, run("h")).Writes = true
	r.Handle("GET", "/r/{id}", Inline, run("r"))
	r.Handle("GET", "/s/{id}", Worker, run("s"))
	e, err := New(r, Options{Workers: 8, Budget: time.Second, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.workers.Close(time.Second) })
	return e, func() string {
		mu.Lock()
		defer mu.Unlock()
		return strings.Join(log, " ")
	}
}

// Pipelined requests are made in order where order matters: what starts
// before what ends is the proof.
func TestPipelinedRequestsStartInOrder(t *testing.T) {
	f := func(name, reqs, want string) {
		t.Helper()
		e, log := orderEngine(t)
		var raw strings.Builder
		for _, r := range strings.Fields(reqs) {
			method := map[byte]string{'w': "PUT", 'h': "POST", 'r': "GET", 's': "GET"}[r[0]]
			fmt.Fprintf(&raw, "%s /%c/%s HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", method, r[0], r)
		}
		out, _ := feed(t, e, []byte(raw.String()))
		if n := strings.Count(string(out), "HTTP/1.1 2"); n != len(strings.Fields(reqs)) {
			t.Fatalf("%s: %d answers of %d: %s", name, n, len(strings.Fields(reqs)), out)
		}
		if got := log(); !matches(got, want) {
			t.Fatalf("%s: %s, want %s", name, got, want)
		}
	}
	f("a read behind a write on a worker waits for it", "w1 r2", "+w1 -w1 +r2 -r2")
	f("a write behind a write on a worker waits for it", "w1 h2", "+w1 -w1 +h2 -h2")
	f("a read behind a held write waits for it", "h1 r2", "+h1 -h1 +r2 -r2")
	f("a write behind a held write does not wait: the committer keeps their order", "h1 h2", "+h1 +h2 …")
	f("a write behind a read on a worker waits for it", "s1 h2", "+s1 -s1 +h2 -h2")
	f("a read behind a read on a worker does not wait", "s1 r2", "-r2 before -s1")
	f("what is behind a waiting request waits too", "h1 r2 h3", "+h1 -h1 +r2 -r2 +h3 -h3")
}

// matches reads want as the exact log, or "X …" (the log begins with X),
// or "a before b".
func matches(got, want string) bool {
	if a, b, ok := strings.Cut(want, " before "); ok {
		i, j := strings.Index(got, a), strings.Index(got, b)
		return i >= 0 && j > i
	}
	if prefix, ok := strings.CutSuffix(want, " …"); ok {
		return strings.HasPrefix(got, prefix)
	}
	return got == want
}

// While Options.Busy says the committer is backed up, a connection with a
// held write pending is not parsed further; it goes on once it clears.
func TestBusyPausesAPipelineOfWrites(t *testing.T) {
	var busy atomic.Bool
	var held []*fasthttp.RequestCtx
	r := NewRouter(nil)
	r.Handle("POST", "/h/{id}", Inline, func(ctx *fasthttp.RequestCtx) {
		if !Hold(ctx) {
			t.Fatal("cannot hold")
		}
		held = append(held, ctx)
	}).Writes = true
	e, err := New(r, Options{Workers: 2, Budget: time.Hour, Logf: t.Logf, Busy: busy.Load})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.workers.Close(time.Second) })
	fc := &fakeConn{}
	e.OnOpen(fc)
	busy.Store(true)
	fc.in = []byte("POST /h/1 HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\nPOST /h/2 HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n")
	e.OnTraffic(fc)
	if len(held) != 1 || len(fc.in) == 0 {
		t.Fatalf("busy: %d writes taken, %d bytes left unparsed; want 1 taken and the second left", len(held), len(fc.in))
	}
	busy.Store(false)
	held[0].SetStatusCode(201)
	Done(held[0])
	e.OnTraffic(fc) // as the wake-up Done asked for
	if len(held) != 2 || len(fc.in) != 0 {
		t.Fatalf("clear: %d writes taken, %d bytes unparsed; want both taken", len(held), len(fc.in))
	}
}
