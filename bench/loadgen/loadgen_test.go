package loadgen

import (
	"bufio"
	"context"
	"encoding/binary"
	"math/rand/v2"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geometryos/daemon1/codec"
)

var get = ScenarioFunc(func(dst []byte, _ *rand.Rand) []byte {
	return append(dst, "GET /x HTTP/1.1\r\nHost: t\r\n\r\n"...)
})

// eachRequest calls fn as each request read from c ends (the empty line
// after its headers; the test requests have no body) until c fails or fn
// says stop.
func eachRequest(c net.Conn, fn func() bool) {
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if strings.TrimSpace(line) == "" && !fn() {
			return
		}
	}
}

// fakeServer answers each request on loopback after delay(n), n counting
// requests from 0 across connections.
func fakeServer(t *testing.T, delay func(n int64) time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var n atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				eachRequest(c, func() bool {
					time.Sleep(delay(n.Add(1) - 1))
					_, err := c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
					return err == nil
				})
			}()
		}
	}()
	return ln.Addr().String()
}

// With every tenth request 20 ms slow and the rest 1 ms, the histogram
// shows it: p50 between the two, p99 at least the slow one. (Sleeps are
// lower bounds, so these hold however busy the machine is.)
func TestPercentilesMatchKnownDelays(t *testing.T) {
	addr := fakeServer(t, func(n int64) time.Duration {
		if n%10 == 9 {
			return 20 * time.Millisecond
		}
		return time.Millisecond
	})
	res, err := Run(context.Background(), Config{Addr: addr, Conns: 1, Requests: 300, Scenario: get})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 300 || res.Errors != 0 || res.Statuses[200] != 300 {
		t.Fatalf("%d answered, %d errors, statuses %v", res.Requests, res.Errors, res.Statuses)
	}
	p50, p95, p99 := res.Percentile(50), res.Percentile(95), res.Percentile(99)
	t.Logf("p50 %s p95 %s p99 %s max %s", p50, p95, p99, res.Max())
	if p50 < time.Millisecond || p50 >= 20*time.Millisecond || p95 < 20*time.Millisecond || p99 < 20*time.Millisecond {
		t.Fatalf("p50 %s p95 %s p99 %s: the histogram does not show 90%% at 1 ms and 10%% at 20 ms", p50, p95, p99)
	}
}

// A server that stalls 300 ms once: the closed loop sees one slow answer
// (coordinated omission), the open loop at 500 req/s sees every request
// that fell due during the stall late, from when it was due.
func TestOpenLoopCountsQueueing(t *testing.T) {
	stallAt := func(n int64) time.Duration {
		if n == 50 {
			return 300 * time.Millisecond
		}
		return 0
	}
	closed, err := Run(context.Background(), Config{Addr: fakeServer(t, stallAt), Conns: 1, Requests: 1000, Scenario: get})
	if err != nil {
		t.Fatal(err)
	}
	open, err := Run(context.Background(), Config{Addr: fakeServer(t, stallAt), Conns: 1, Duration: 2 * time.Second, Rate: 500, Scenario: get})
	if err != nil {
		t.Fatal(err)
	}
	closedSlow := r100(closed)
	openSlow := r100(open)
	t.Logf("closed loop: %d of %d over 100 ms (p99 %s); open loop: %d of %d over 100 ms (p99 %s)",
		closedSlow, closed.Requests, closed.Percentile(99), openSlow, open.Requests, open.Percentile(99))
	if closedSlow != 1 {
		t.Fatalf("the closed loop saw %d slow requests, want the one", closedSlow)
	}
	// 300 ms at 500/s: about 150 requests fell due during the stall, the
	// first of them at least 200 ms late.
	if openSlow < 50 || open.Max() < 250*time.Millisecond {
		t.Fatalf("the open loop saw %d requests over 100 ms (max %s): queueing is hidden", openSlow, open.Max())
	}
}

// r100 counts the latencies over 100 ms.
func r100(r *Result) int64 {
	var n int64
	for _, b := range r.Latency.Distribution() {
		if b.From > 100_000 {
			n += b.Count
		}
	}
	return n
}

func TestPipelinedAndIdle(t *testing.T) {
	addr := fakeServer(t, func(int64) time.Duration { return 0 })
	res, err := Run(context.Background(), Config{Addr: addr, Conns: 4, Idle: 20, Depth: 8, Requests: 800, Scenario: get})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 800 || res.Errors != 0 {
		t.Fatalf("%d answered, %d errors", res.Requests, res.Errors)
	}
}

func TestLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"10.0.0.1:80", "example.com:80", ":80"} {
		if _, err := Run(context.Background(), Config{Addr: addr, Conns: 1, Requests: 1, Scenario: get}); err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Fatalf("%s: %v", addr, err)
		}
	}
}

// Reading a response allocates nothing.
func TestReadResponseAllocs(t *testing.T) {
	resp := strings.Repeat("HTTP/1.1 200 OK\r\nServer: x\r\nContent-Length: 5\r\n\r\nhello", 1)
	r := bufio.NewReader(strings.NewReader(""))
	src := strings.NewReader(resp)
	n := testing.AllocsPerRun(1000, func() {
		src.Reset(resp)
		r.Reset(src)
		if status, _, err := readResponse(r); err != nil || status != 200 {
			t.Fatal(status, err)
		}
	})
	if n != 0 {
		t.Fatalf("%.1f allocations per response", n)
	}
}

// Building a request allocates nothing, for every scenario.
func TestScenariosAllocateNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	buf := make([]byte, 0, 4096)
	for _, name := range ScenarioNames() {
		sc, err := NewScenario(name, 1000, DefaultArea)
		if err != nil {
			t.Fatal(err)
		}
		req := sc.Append(nil, rng)
		if isBinary(sc) {
			if len(req) < codec.FrameHeaderLen || int(binary.BigEndian.Uint32(req))+4 != len(req) {
				t.Fatalf("%s: a frame whose length field is not its length: % x", name, req)
			}
		} else if !strings.HasSuffix(string(req), "}") && !strings.HasSuffix(string(req), "\r\n\r\n") {
			t.Fatalf("%s: %q", name, req)
		}
		if n := testing.AllocsPerRun(100, func() { buf = sc.Append(buf[:0], rng) }); n != 0 {
			t.Fatalf("%s: %.1f allocations per request", name, n)
		}
	}
}

// The progress line comes once a second while a run lasts.
func TestProgressLine(t *testing.T) {
	addr := fakeServer(t, func(int64) time.Duration { return time.Millisecond })
	var out strings.Builder
	if _, err := Run(context.Background(), Config{Addr: addr, Conns: 2, Duration: 1500 * time.Millisecond, Scenario: get, Progress: &out}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "req/s") || !strings.Contains(out.String(), "p99") {
		t.Fatalf("progress: %q", out.String())
	}
}

// laggingServer answers each request lag after it arrived, in order, while
// it goes on reading: a pipelining client gets all its answers lag late.
func laggingServer(t *testing.T, lag time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			arrived := make(chan time.Time, 1<<16)
			go func() {
				defer close(arrived)
				eachRequest(c, func() bool {
					arrived <- time.Now()
					return true
				})
			}()
			go func() {
				defer c.Close()
				for at := range arrived {
					time.Sleep(time.Until(at.Add(lag)))
					if _, err := c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// A pipelined open loop sends requests when due, not when the answer
// before came back: with answers 20 ms late, one connection at 500/s gets
// through about 500 requests in a second, where one request in flight
// allows at most 50.
func TestPipelinedOpenLoopSendsWhenDue(t *testing.T) {
	run := func(depth int) *Result {
		t.Helper()
		res, err := Run(context.Background(), Config{Addr: laggingServer(t, 20*time.Millisecond), Conns: 1, Depth: depth,
			Duration: time.Second, Rate: 500, Scenario: get})
		if err != nil {
			t.Fatal(err)
		}
		if res.Errors != 0 {
			t.Fatalf("depth %d: %d errors", depth, res.Errors)
		}
		return res
	}
	one, piped := run(1), run(64)
	t.Logf("one in flight: %d answered, p50 %s; pipelined: %d answered, p50 %s", one.Requests, one.Percentile(50), piped.Requests, piped.Percentile(50))
	if one.Requests > 51 {
		t.Fatalf("one request in flight answered %d in a second of 20 ms answers", one.Requests)
	}
	if piped.Requests < 250 {
		t.Fatalf("pipelined: %d answered of about 500 due", piped.Requests)
	}
}

// A server that closes the connection and stops listening: the redial
// fails, and the run ends with an error counted (it crashed the generator
// once, closing the connection it no longer had).
func TestRedialFailureEndsTheConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		c, err := ln.Accept()
		ln.Close() // no second connection
		if err != nil {
			return
		}
		defer c.Close()
		eachRequest(c, func() bool {
			c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"))
			return false
		})
	}()
	res, err := Run(context.Background(), Config{Addr: ln.Addr().String(), Conns: 1, Duration: time.Second, Scenario: get})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 1 || res.Errors != 1 {
		t.Fatalf("%d answered, %d errors; want 1 and the failed redial", res.Requests, res.Errors)
	}
}
