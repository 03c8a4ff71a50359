package server

import (
	"strings"
	"testing"
	"time"
)

// A loop's load: the share of its last window that went to the other
// connections decides.
func TestLoopLoad(t *testing.T) {
	w := int64(loadWindow)
	l := &loopLoad{}
	a, b := &connLoad{loop: l}, &connLoad{loop: l}
	l.roll(w) // the first window begins
	a.pass(w * 95 / 100)
	l.roll(2 * w)
	if !b.saturatedByOthers() {
		t.Fatal("b: a took 95% of the last window, want the loop saturated for b")
	}
	if a.saturatedByOthers() {
		t.Fatal("a: the busy time was a's own, want it admitted")
	}
	b.pass(w / 2)
	a.pass(w / 10)
	l.roll(3 * w)
	if a.saturatedByOthers() || b.saturatedByOthers() {
		t.Fatal("60% busy: want neither refused")
	}
	l.roll(10 * w) // an idle stretch says nothing
	if l.prevLen != 0 || b.saturatedByOthers() {
		t.Fatalf("after idling: prevLen %d, want 0 and nobody refused", l.prevLen)
	}
}

// On a loop saturated by other connections, a request on a connection
// with nothing in flight is refused 503 with Retry-After (and counted as
// refused); one pipelined behind its own connection's requests, or of a
// route marked Always, is not.
func TestSaturatedLoopRefusesNewWork(t *testing.T) {
	e, obs, _ := observed(t, Options{Budget: time.Second})
	// Another connection spent the whole last window on the fake loop.
	other := &fakeConn{}
	e.OnOpen(other)
	ol := &other.ctx.(*conn).load
	ol.loop.roll(e.mono())
	ol.pass(int64(loadWindow))
	ol.loop.start -= int64(loadWindow) // the window is over
	out, _ := feed(t, e, []byte(crlf("GET /fast/1 HTTP/1.1\nHost: a\n\n")))
	rs := parseResponses(t, out)
	if len(rs) != 1 || rs[0].status != 503 || rs[0].header.Get("Retry-After") == "" {
		t.Fatalf("got %v; want a 503 with Retry-After", rs)
	}
	if v := metricValue(t, obs, `daemon1_requests_refused_total{route="/fast/{n}",method="GET"}`); v != "1" {
		t.Fatalf("refusals = %s, want 1", v)
	}
	out, _ = feed(t, e, []byte(crlf("GET /healthz HTTP/1.1\nHost: a\n\n")))
	if rs := parseResponses(t, out); len(rs) != 1 || rs[0].status != 200 {
		t.Fatalf("got %v; want /healthz (Always) answered", rs)
	}
	e.OnClose(other, nil)
}

func TestSaturatedLoopKeepsPipelines(t *testing.T) {
	e, _, _ := observed(t, Options{Budget: time.Second})
	fc := &fakeConn{}
	e.OnOpen(fc)
	c := fc.ctx.(*conn)
	// Its own request is on a worker, then the loop is found saturated by others.
	fc.in = append(fc.in, crlf("GET /block HTTP/1.1\nHost: a\n\n")...)
	e.OnTraffic(fc)
	l := c.load.loop
	l.busy, l.start = int64(loadWindow), e.mono()-int64(loadWindow)
	fc.in = append(fc.in, crlf("GET /fast/2 HTTP/1.1\nHost: a\n\n")...)
	e.OnTraffic(fc)
	blockRelease <- struct{}{}
	for deadline := time.Now().Add(5 * time.Second); c.pending() > 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
		e.OnTraffic(fc)
	}
	if got := string(fc.out); strings.Contains(got, "503") || !strings.Contains(got, "fast 2") {
		t.Fatalf("wrote %q: want the pipelined request answered, not refused", got)
	}
	e.OnClose(fc, nil)
}
