package server

import (
	"bytes"
	"strings"
	"testing"

	"github.com/panjf2000/gnet/v2"
)

// TestBackpressure: a connection whose pipeline is full is not parsed, and
// one that keeps sending while paused is closed once its unread input passes
// the cap, instead of growing gnet's unbounded inbound buffer.
func TestBackpressure(t *testing.T) {
	e := testEngine(t, Limits{MaxPipeline: 1, MaxHeaderBytes: 1024, MaxBodyBytes: 1024})
	fc := &fakeConn{}
	e.OnOpen(fc)
	fc.in = []byte(crlf("GET /slow/50 HTTP/1.1\nHost: a\n\nGET /fast/1 HTTP/1.1\nHost: a\n\n"))
	if e.OnTraffic(fc) != gnet.None {
		t.Fatal("closed a well-behaved connection")
	}
	c := fc.ctx.(*conn)
	if c.pending() != 1 || len(fc.in) == 0 || !c.poll.Load() {
		t.Fatalf("pipeline of 1 full: pending=%d, unparsed=%d, poll=%v; want 1, the second request left, poll", c.pending(), len(fc.in), c.poll.Load())
	}
	fc.in = append(fc.in, bytes.Repeat([]byte(crlf("GET /fast/2 HTTP/1.1\nHost: a\n\n")), 4000)...)
	if e.OnTraffic(fc) != gnet.Close {
		t.Fatalf("a paused connection holding %d unread bytes was not closed", len(fc.in))
	}
	e.OnClose(fc, nil)
	waitForIdle(t, e)
}

func waitForIdle(t *testing.T, e *Engine) {
	t.Helper()
	for i := 0; e.InFlight() != 0; i++ {
		if i > 1000 {
			t.Fatalf("%d requests still in flight: a pooled exchange leaked", e.InFlight())
		}
		sleepMs(5)
	}
}

// Requests pipelined behind a response larger than MaxPendingOutput are
// answered as soon as that response has gone to the socket, without new
// bytes from the client to wake the connection (they waited for the 60 s
// idle tick).
func TestPipelinedBehindLargeResponses(t *testing.T) {
	e := testEngine(t, Limits{MaxPendingOutput: 64 << 10})
	const n = 8
	out, closed := feed(t, e, []byte(strings.Repeat(crlf("GET /big HTTP/1.1\nHost: a\n\n"), n)))
	rs := parseResponses(t, out)
	if closed || len(rs) != n {
		t.Fatalf("closed=%v, %d responses; want %d on an open connection", closed, len(rs), n)
	}
	for i, r := range rs {
		if r.status != 200 || len(r.body) != 256<<10 {
			t.Fatalf("response %d: %d with %d bytes", i, r.status, len(r.body))
		}
	}
}
