package server

import (
	"testing"
	"time"
)

// Held requests keep their place in the pipeline's order, whether their
// answer comes late or before their handler returned.
func TestHeldRequestsKeepTheirOrder(t *testing.T) {
	e := testEngine(t, DefaultLimits)
	out, closed := feed(t, e, []byte(crlf("PUT /held/30 HTTP/1.1\nHost: a\nContent-Length: 0\n\n"+
		"GET /fast/1 HTTP/1.1\nHost: a\n\nPUT /held/0 HTTP/1.1\nHost: a\nContent-Length: 0\n\nGET /held/10 HTTP/1.1\nHost: a\n\n")))
	rs := parseResponses(t, out)
	if closed || len(rs) != 4 || rs[0].status != 201 || rs[0].body != "held 30" || rs[1].body != "fast 1 " ||
		rs[2].status != 201 || rs[2].body != "held 0" || rs[3].status != 200 || rs[3].body != "held 10" {
		t.Fatalf("got %v (closed %v)", rs, closed)
	}
}

// A held request past its budget answers its own result, a write's and a
// read's alike (each counted as an overrun); the read behind the held read
// is answered after it, in order.
func TestHeldPastTheBudget(t *testing.T) {
	e, obs, _ := observed(t, Options{Budget: 20 * time.Millisecond})
	out, _ := feed(t, e, []byte(crlf("PUT /held/60 HTTP/1.1\nHost: a\nContent-Length: 0\n\n")))
	if rs := parseResponses(t, out); len(rs) != 1 || rs[0].status != 201 || rs[0].body != "held 60" {
		t.Fatalf("got %v; want the write's 201", rs)
	}
	out, _ = feed(t, e, []byte(crlf("GET /held/60 HTTP/1.1\nHost: a\n\nGET /fast/2 HTTP/1.1\nHost: a\n\n")))
	if rs := parseResponses(t, out); len(rs) != 2 || rs[0].status != 200 || rs[0].body != "held 60" || rs[1].body != "fast 2 " {
		t.Fatalf("got %v; want the held read's own 200, then the read behind it", rs)
	}
	for _, method := range []string{"PUT", "GET"} {
		if v := metricValue(t, obs, `daemon1_budget_overruns_total{route="/held/{ms}",method="`+method+`"}`); v != "1" {
			t.Fatalf("%s overruns = %s, want 1", method, v)
		}
	}
	if e.InFlight() != 0 {
		t.Fatalf("%d in flight after every answer", e.InFlight())
	}
}

// A held write whose connection closes before its answer is released
// when the answer comes: nothing leaks, nothing is written to the gone
// connection.
func TestHeldWriteOfAClosedConnection(t *testing.T) {
	e := testEngine(t, DefaultLimits)
	fc := &fakeConn{}
	e.OnOpen(fc)
	fc.in = append(fc.in, crlf("PUT /held/30 HTTP/1.1\nHost: a\nContent-Length: 0\n\n")...)
	e.OnTraffic(fc)
	if e.InFlight() != 1 {
		t.Fatalf("%d in flight, want the held write", e.InFlight())
	}
	e.OnClose(fc, nil)
	deadline := time.Now().Add(5 * time.Second)
	for e.InFlight() != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if e.InFlight() != 0 || len(fc.out) != 0 {
		t.Fatalf("%d in flight, %q written after the close", e.InFlight(), fc.out)
	}
}
