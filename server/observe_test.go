package server

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/geometryos/daemon1/errlog"
	"github.com/geometryos/daemon1/retry"
	"github.com/panjf2000/gnet/v2"
	"github.com/valyala/fasthttp"
)

// observed makes an engine whose router has an Observer with an error log
// in a temporary directory; it returns the engine and a function that closes
// the log and returns every line written.
func observed(t *testing.T, o Options) (*Engine, *Observer, func() []string) {
	t.Helper()
	obs, dir, log := observerWithLog(t)
	if o.Workers == 0 {
		o.Workers = 8
	}
	o.Logf = t.Logf
	e, err := New(testRouterWith(obs), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.workers.Close(time.Second) })
	closed := false
	lines := func() []string {
		if !closed {
			closed = true
			if err := log.Close(); err != nil {
				t.Fatal(err)
			}
		}
		b, _ := os.ReadFile(dir + "/errors.jsonl")
		return strings.Split(strings.TrimSpace(string(b)), "\n")
	}
	return e, obs, lines
}

// observerWithLog makes an Observer with an error log in a temporary
// directory, which it returns with the log.
func observerWithLog(t *testing.T) (*Observer, string, *errlog.Log) {
	t.Helper()
	dir := t.TempDir()
	log, err := errlog.Open(errlog.Options{Dir: dir, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() }) // before dir goes: the drain writes into it
	obs := NewObserver(metrics.NewSet())
	obs.AttachLog(log)
	return obs, dir, log
}

// metricValue returns the value of one series in the Set's exposition.
func metricValue(t *testing.T, obs *Observer, series string) string {
	t.Helper()
	var b bytes.Buffer
	obs.Set().WritePrometheus(&b)
	for _, line := range strings.Split(b.String(), "\n") {
		if name, v, ok := strings.Cut(line, " "); ok && name == series {
			return v
		}
	}
	t.Fatalf("no series %s in:\n%s", series, b.String())
	return ""
}

// A read on a worker that runs past its budget answers its own result:
// once started, a request is never refused for time (a read cuts its own
// work to its deadline; this one does not, so it is late, and counted).
// The read pipelined behind it waited for its turn: that wait is its
// connection's own, so it is not late.
func TestLateReadAnswersItsOwnResult(t *testing.T) {
	e, obs, lines := observed(t, Options{Budget: 20 * time.Millisecond})
	out, _ := feed(t, e, []byte(crlf("GET /slow/60 HTTP/1.1\nHost: a\n\nGET /fast/1 HTTP/1.1\nHost: a\n\n")))
	rs := parseResponses(t, out)
	if len(rs) != 2 || rs[0].status != 200 || rs[0].body != "slow 60 " || rs[1].status != 200 {
		t.Fatalf("got %v; want the late read's own 200, then the 200 behind it", rs)
	}
	if v := metricValue(t, obs, `daemon1_budget_overruns_total{route="/slow/{ms}",method="GET"}`); v != "1" {
		t.Fatalf("overruns = %s, want 1", v)
	}
	if v := metricValue(t, obs, `daemon1_budget_overruns_total{route="/fast/{n}",method="GET"}`); v != "0" {
		t.Fatalf("overruns of the request behind = %s, want 0: it waited for its own connection", v)
	}
	if got := lines(); len(got) != 1 || !strings.Contains(got[0], `"kind":"budget_overrun","status":200`) {
		t.Fatalf("error log %q, want the late 200's overrun alone", got)
	}
}

// A write whose handler has started answers its own result, late or not:
// a 503 in its place would say that nothing changed when something did.
// The read pipelined behind it waits for it (requests are made in order)
// and then starts, with a budget of its own: it is answered, not refused.
func TestLateWriteAnswersItsResult(t *testing.T) {
	e, obs, lines := observed(t, Options{Budget: 20 * time.Millisecond})
	before := writesMade.Load()
	out, _ := feed(t, e, []byte(crlf("PUT /write/60 HTTP/1.1\nHost: a\nContent-Length: 0\n\nGET /fast/1 HTTP/1.1\nHost: a\n\n")))
	rs := parseResponses(t, out)
	if len(rs) != 2 || rs[0].status != 201 || rs[0].body != "made 60" || rs[1].status != 200 {
		t.Fatalf("got %v; want the late write's own 201, then the read behind it", rs)
	}
	if v := metricValue(t, obs, `daemon1_requests_refused_total{route="/fast/{n}",method="GET"}`); v != "0" {
		t.Fatalf("refused reads = %s, want 0", v)
	}
	if n := writesMade.Load() - before; n != 1 {
		t.Fatalf("%d writes made, want 1", n)
	}
	if v := metricValue(t, obs, `daemon1_budget_overruns_total{route="/write/{ms}",method="PUT"}`); v != "1" {
		t.Fatalf("overruns = %s, want 1", v)
	}
	if got := lines(); len(got) != 1 || !strings.Contains(got[0], `"kind":"budget_overrun","status":201`) {
		t.Fatalf("error log %q, want the late 201's overrun alone", got)
	}
}

// A pipeline of reads that need a worker runs them one at a time, each
// with its own budget from when it starts: none is refused for the time
// its connection's earlier reads took, and one connection never holds
// more than one worker.
func TestPipelinedWorkerReadsTakeTurns(t *testing.T) {
	e, obs, _ := observed(t, Options{Workers: 1, Budget: 40 * time.Millisecond})
	var req string
	for i := 0; i < 5; i++ {
		req += "GET /slow/15 HTTP/1.1\nHost: a\n\n"
	}
	out, _ := feed(t, e, []byte(crlf(req)))
	rs := parseResponses(t, out)
	if len(rs) != 5 {
		t.Fatalf("%d answers, want 5", len(rs))
	}
	for i, r := range rs {
		if r.status != 200 {
			t.Fatalf("answer %d: %v; want each read answered", i, r)
		}
	}
	if v := metricValue(t, obs, `daemon1_worker_pool_full_total`); v != "0" {
		t.Fatalf("pool-full count %s, want 0: one connection takes one worker at a time", v)
	}
}

// queuedLate opens a connection with one request of rt queued for a
// worker, read a second ago: its budget is gone.
func queuedLate(e *Engine, rt *Route) (*fakeConn, *conn, *exchange) {
	fc := &fakeConn{}
	e.OnOpen(fc)
	c := fc.ctx.(*conn)
	c.proto = http1{} // as if its first byte had been read
	x := c.acquire(e.mono() - int64(time.Second))
	x.meta.route = rt
	x.counted = true
	e.inFlight.Add(1)
	c.push(x)
	return fc, c, x
}

// A write whose connection closed before a worker took it never runs:
// nobody would hear its answer, and nothing was done.
func TestAbandonedWriteNeverRuns(t *testing.T) {
	e, _, _ := observed(t, Options{Budget: 20 * time.Millisecond})
	ran := false
	fc, _, x := queuedLate(e, &Route{Pattern: "/test", Mode: Worker, Writes: true, Handler: func(*fasthttp.RequestCtx) { ran = true }})
	e.OnClose(fc, nil) // the loop gets there first: the connection is gone
	e.runWorker(x)     // the worker gets there next
	if ran {
		t.Fatal("the write of a closed connection ran")
	}
}

// A started write at the head of the queue past its budget is waited for:
// the connection neither stands in for it nor times out.
func TestStartedWriteIsWaitedFor(t *testing.T) {
	e, _, _ := observed(t, Options{Budget: 20 * time.Millisecond})
	fc, c, x := queuedLate(e, &Route{Pattern: "/test", Mode: Worker, Writes: true})
	x.state.Store(xStarted)
	if act := e.OnTraffic(fc); act != gnet.None || c.pending() != 1 || len(fc.out) != 0 || c.deadline.Load() != 0 {
		t.Fatalf("action %v, pending %d, out %q, deadline %d: want the write waited for", act, c.pending(), fc.out, c.deadline.Load())
	}
	x.ctx.SetStatusCode(201)
	x.encode()
	x.state.Store(xDone)
	e.OnTraffic(fc)
	if !bytes.Contains(fc.out, []byte("HTTP/1.1 201 Created")) {
		t.Fatalf("wrote %q, want the write's 201", fc.out)
	}
	e.OnClose(fc, nil)
}

// A request handed to a worker has started, however long the scheduler
// took to run it: it runs and answers, in budget or not, and is not
// refused (admission is at the pool: TestWorkerPoolFull).
func TestWorkerLateToStartStillRuns(t *testing.T) {
	e, obs, _ := observed(t, Options{Budget: 20 * time.Millisecond})
	ran := false
	fc, _, x := queuedLate(e, &Route{Pattern: "/test", Mode: Worker, Handler: func(*fasthttp.RequestCtx) { ran = true }})
	e.runWorker(x)
	e.OnTraffic(fc)
	if !ran || !bytes.Contains(fc.out, []byte("200 OK")) {
		t.Fatalf("ran=%v, wrote %q: want the request run and answered", ran, fc.out)
	}
	if v := metricValue(t, obs, `daemon1_requests_refused_total{route="unmatched",method="any"}`); v != "0" {
		t.Fatalf("refusals = %s, want 0", v)
	}
	e.OnClose(fc, nil)
}

func TestPanicIsLoggedWithStack(t *testing.T) {
	e, obs, lines := observed(t, Options{Budget: time.Second})
	out, closed := feed(t, e, []byte(crlf("GET /panic HTTP/1.1\nHost: a\n\nGET /fast/2 HTTP/1.1\nHost: a\n\n")))
	rs := parseResponses(t, out)
	if closed || len(rs) != 2 || rs[0].status != 500 || rs[1].status != 200 {
		t.Fatalf("closed=%v responses %v; want 500 then 200 on the same connection", closed, rs)
	}
	if !strings.Contains(rs[0].body, `"requestId":"`) || strings.Contains(rs[0].body, "goroutine") {
		t.Fatalf("500 body %s: want a requestId and no stack", rs[0].body)
	}
	if v := metricValue(t, obs, `daemon1_errors_total{kind="panic"}`); v != "1" {
		t.Fatalf("panics counted %s, want 1", v)
	}
	got := lines()
	if len(got) != 1 || !strings.Contains(got[0], `"kind":"panic"`) || !strings.Contains(got[0], `"stack":"goroutine`) ||
		!strings.Contains(got[0], "test panic") {
		t.Fatalf("error log %q, want the panic with its value and stack", got)
	}
	id := rs[0].body[strings.Index(rs[0].body, `"requestId":"`)+13:][:16]
	if !strings.Contains(got[0], `"request_id":"`+id+`"`) {
		t.Fatalf("the log line does not carry the request id %s the client got: %s", id, got[0])
	}
}

// With every worker busy, a request that needs one is refused at once
// (503 with Retry-After), before it starts: the server is over capacity.
func TestWorkerPoolFull(t *testing.T) {
	e, obs, _ := observed(t, Options{Workers: 1, Budget: time.Second})
	busy := &fakeConn{}
	e.OnOpen(busy)
	busy.in = append(busy.in, crlf("GET /block HTTP/1.1\nHost: a\n\n")...)
	e.OnTraffic(busy) // the one worker is taken
	defer func() {
		blockRelease <- struct{}{}
		e.OnClose(busy, nil)
	}()
	out, _ := feed(t, e, []byte(crlf("GET /slow/1 HTTP/1.1\nHost: a\n\n")))
	rs := parseResponses(t, out)
	if len(rs) != 1 || rs[0].status != 503 || rs[0].header.Get("Retry-After") == "" {
		t.Fatalf("got %v; want a 503 with Retry-After at once", rs)
	}
	if v := metricValue(t, obs, `daemon1_worker_pool_full_total`); v != "1" {
		t.Fatalf("pool-full count %s, want 1", v)
	}
	if v := metricValue(t, obs, `daemon1_requests_refused_total{route="/slow/{ms}",method="GET"}`); v != "1" {
		t.Fatalf("refusals = %s, want 1", v)
	}
}

func TestRequestsCounted(t *testing.T) {
	e, obs, lines := observed(t, Options{Budget: time.Second})
	feed(t, e, []byte(crlf("GET /healthz HTTP/1.1\nHost: a\n\nGET /healthz HTTP/1.1\nHost: a\n\nGET /nope HTTP/1.1\nHost: a\n\n")))
	feed(t, e, []byte(crlf("GET / HTTP/2.0\nHost: a\n\n")))
	for series, want := range map[string]string{
		`daemon1_requests_total{route="/healthz",method="GET",status="200"}`:            "2",
		`daemon1_requests_total{route="unmatched",method="any",status="404"}`:           "1",
		`daemon1_requests_total{route="rejected",method="any",status="505"}`:            "1",
		`daemon1_request_duration_seconds_count{route="/healthz",method="GET"}`:         "2",
		`daemon1_errors_total{kind="not_found"}`:                                        "1",
		`daemon1_errors_total{kind="http_version"}`:                                     "1",
		`daemon1_connections_accepted_total`:                                            "2",
		`daemon1_pipeline_depth_bucket{le="2"}`:                                         "0", // three in one read
		`daemon1_pipeline_depth_bucket{le="4"}`:                                         "1",
		`daemon1_request_duration_seconds_bucket{route="/healthz",method="GET",le="1"}`: "2",
	} {
		if got := metricValue(t, obs, series); got != want {
			t.Errorf("%s = %s, want %s", series, got, want)
		}
	}
	got := lines()
	if len(got) != 2 || !strings.Contains(got[0], `"kind":"not_found"`) || !strings.Contains(got[1], `"kind":"http_version"`) {
		t.Fatalf("error log %q, want the 404 and the 505", got)
	}
}

// TestStartedReadIsWaitedFor: over a real socket, a read whose worker is
// still blocked when its budget runs out is not answered in its place:
// its own answer comes once it finishes, then the one pipelined behind it.
func TestStartedReadIsWaitedFor(t *testing.T) {
	e, obs, _ := observed(t, Options{Addr: "127.0.0.1:0", Budget: 20 * time.Millisecond})
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if _, err := e.Drain(5 * time.Second); err != nil {
			t.Error(err)
		}
	}()
	c, err := net.Dial("tcp", e.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte(crlf("GET /block HTTP/1.1\nHost: a\n\nGET /fast/1 HTTP/1.1\nHost: a\n\n")))
	c.SetReadDeadline(time.Now().Add(200 * time.Millisecond)) // ten budgets
	var one [1]byte
	if n, err := c.Read(one[:]); n != 0 || err == nil {
		t.Fatalf("read %q, %v while the worker is blocked: want nothing (no stand-in)", one[:n], err)
	}
	blockRelease <- struct{}{}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	for i, want := range []string{"released", "fast 1 "} {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || string(body) != want {
			t.Fatalf("response %d: %d %q, want 200 %q", i, resp.StatusCode, body, want)
		}
	}
	// The loop counts an answer's lateness once it has written it: the
	// client may read the answer first.
	series := `daemon1_budget_overruns_total{route="/block",method="GET"}`
	for deadline := time.Now().Add(5 * time.Second); metricValue(t, obs, series) != "1" && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if v := metricValue(t, obs, series); v != "1" {
		t.Fatalf("overruns = %s, want 1", v)
	}
}

func TestRetryHooksCountAndLog(t *testing.T) {
	_, obs, lines := observed(t, Options{})
	h := obs.RetryHooks()
	op := &retry.Op{Name: "metrics_push"}
	h.OnRetry(op, 1, errTest, time.Millisecond)
	h.OnRetry(op, 2, errTest, time.Millisecond)
	h.OnDone(op, retry.Expired, 3, errTest)
	h.OnDone(op, retry.Succeeded, 1, nil)
	for series, want := range map[string]string{
		`daemon1_retries_total{op="metrics_push"}`:                           "2",
		`daemon1_retry_outcomes_total{op="metrics_push",outcome="deadline"}`: "1",
		`daemon1_retry_outcomes_total{op="metrics_push",outcome="success"}`:  "1",
		`daemon1_errors_total{kind="metrics_push"}`:                          "1",
	} {
		if got := metricValue(t, obs, series); got != want {
			t.Errorf("%s = %s, want %s", series, got, want)
		}
	}
	if got := lines(); len(got) != 1 || !strings.Contains(got[0], `"kind":"metrics_push"`) || !strings.Contains(got[0], "after 3 attempts") {
		t.Fatalf("error log %q, want the failed push", got)
	}
}

var errTest = errors.New("test failure")

func TestSummary(t *testing.T) {
	obs := NewObserver(metrics.NewSet())
	rm := obs.newRouteMetrics("GET", "/s")
	for i := 0; i < 99; i++ {
		rm.done(200, time.Millisecond)
	}
	rm.done(500, 50*time.Millisecond)
	rm.overrun()
	s := obs.TakeSummary()
	if s.Requests != 100 || s.ServerErrors != 1 || s.Overruns != 1 {
		t.Fatalf("summary %+v", s)
	}
	// 99 of 100 took 1 ms: the 99th percentile lies in the bucket up to 1 ms.
	if s.P99 != time.Millisecond {
		t.Fatalf("p99 %s, want the 1 ms bucket", s.P99)
	}
	if line := s.Line(10 * time.Second); !strings.Contains(line, "10 req/s") || !strings.Contains(line, "p99 ≤ 1ms") ||
		!strings.Contains(line, "1 server errors") {
		t.Fatalf("line %q", line)
	}
	if s := obs.TakeSummary(); s.Requests != 0 || s.P99 != 0 {
		t.Fatalf("a new period starts empty: %+v", s)
	}
	for i := 0; i < 100; i++ {
		rm.done(200, 20*time.Millisecond)
	}
	if s := obs.TakeSummary(); s.Requests != 100 || s.P99 != 25*time.Millisecond {
		t.Fatalf("second period %+v: want only its own requests, p99 in the 25 ms bucket", s)
	}
}

// TestFastHTTPEngineCounts: the baseline engine counts and logs what the
// gnet engine does, so the two can be compared on the same dashboards.
func TestFastHTTPEngineCounts(t *testing.T) {
	obs, dir, log := observerWithLog(t)
	f := NewFastHTTP(testRouterWith(obs), Options{Logf: t.Logf, Budget: time.Second})
	serve := func(method, uri string) int {
		var ctx fasthttp.RequestCtx
		ctx.Request.Header.SetMethod(method)
		ctx.Request.SetRequestURI(uri)
		f.ServeHTTP(&ctx)
		return ctx.Response.StatusCode()
	}
	if serve("GET", "/healthz") != 200 || serve("GET", "/nope") != 404 || serve("GET", "/panic") != 500 {
		t.Fatal("unexpected statuses")
	}
	for series, want := range map[string]string{
		`daemon1_requests_total{route="/healthz",method="GET",status="200"}`:  "1",
		`daemon1_requests_total{route="unmatched",method="any",status="404"}`: "1",
		`daemon1_requests_total{route="/panic",method="GET",status="500"}`:    "1",
		`daemon1_errors_total{kind="panic"}`:                                  "1",
		`daemon1_requests_in_flight`:                                          "0",
	} {
		if got := metricValue(t, obs, series); got != want {
			t.Errorf("%s = %s, want %s", series, got, want)
		}
	}
	if err := log.Close(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(dir + "/errors.jsonl")
	if n := strings.Count(string(b), "\n"); n != 2 || !strings.Contains(string(b), `"kind":"panic"`) {
		t.Fatalf("error log:\n%s\nwant the 404 and the panic", b)
	}
}

// A flood of one kind of error logs at most the rate a second; the rest are
// counted, and the next line logged of that kind says how many were not.
func TestErrorFloodIsSampled(t *testing.T) {
	obs, dir, log := observerWithLog(t)
	obs.SetErrorRate(20)
	t0 := time.Unix(1_800_000_000, 0)
	for i := range 100 {
		obs.logError(&errlog.Entry{Time: t0.Add(time.Duration(i) * time.Millisecond), Kind: KindBadRequest, Status: 400})
	}
	obs.logError(&errlog.Entry{Time: t0.Add(1500 * time.Millisecond), Kind: KindBadRequest, Status: 400, Message: "after"})
	obs.logError(&errlog.Entry{Time: t0, Kind: KindPanic, Status: 500}) // another kind has its own rate
	if err := log.Close(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(dir + "/errors.jsonl")
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 23 {
		t.Fatalf("%d lines logged, want 20 + the summary + the one after + the panic:\n%s", len(lines), b)
	}
	if !strings.Contains(lines[20], `"kind":"log_sampled"`) || !strings.Contains(lines[20], `80 \"bad_request\" entries were not logged`) ||
		!strings.Contains(lines[21], `"after"`) {
		t.Fatalf("lines 21–22 %q: want the summary of the 80, then the entry", lines[20:22])
	}
	if v := metricValue(t, obs, `daemon1_errors_total{kind="bad_request"}`); v != "101" {
		t.Fatalf("bad_request errors counted %s, want 101", v)
	}
	if v := metricValue(t, obs, `daemon1_errors_unlogged_total{kind="bad_request"}`); v != "80" {
		t.Fatalf("unlogged %s, want 80", v)
	}
}
