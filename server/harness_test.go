package server

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/panjf2000/gnet/v2"
	"github.com/valyala/fasthttp"
)

// fakeConn is a gnet.Conn held in memory, so that the engine's callbacks can
// be driven deterministically: bytes arrive exactly as split by the test, and
// nothing depends on the kernel's timing. Methods the engine must not call
// are left to the nil embedded interface and panic.
type fakeConn struct {
	gnet.Conn
	in    []byte
	out   []byte
	ctx   any
	wakes atomic.Int32
}

var fakeAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}

func (f *fakeConn) Peek(n int) ([]byte, error) {
	if n <= 0 {
		n = len(f.in)
	}
	if n > len(f.in) {
		return nil, io.ErrShortBuffer
	}
	return f.in[:n], nil
}

func (f *fakeConn) Discard(n int) (int, error) {
	if n <= 0 || n > len(f.in) {
		n = len(f.in)
	}
	f.in = f.in[n:]
	return n, nil
}

func (f *fakeConn) InboundBuffered() int          { return len(f.in) }
func (f *fakeConn) OutboundBuffered() int         { return 0 }
func (f *fakeConn) Write(p []byte) (int, error)   { f.out = append(f.out, p...); return len(p), nil }
func (f *fakeConn) Context() any                  { return f.ctx }
func (f *fakeConn) SetContext(v any)              { f.ctx = v }
func (f *fakeConn) LocalAddr() net.Addr           { return fakeAddr }
func (f *fakeConn) RemoteAddr() net.Addr          { return fakeAddr }
func (f *fakeConn) Fd() int                       { return -1 } // shutdown fails: the engine closes
func (f *fakeConn) Wake(gnet.AsyncCallback) error { f.wakes.Add(1); return nil }

// TestRouter exports testRouter to the package's external tests.
var TestRouter = testRouter

// testRouter has routes that show what the handler saw and that finish out
// of order, counted by an Observer of their own (without an error log).
func testRouter() *Router { return testRouterWith(NewObserver(metrics.NewSet())) }

func testRouterWith(obs *Observer) *Router {
	r := NewRouter(obs)
	echo := func(ctx *fasthttp.RequestCtx) {
		ctx.SetContentType("text/plain")
		fmt.Fprintf(ctx, "%s %s body=%q", ctx.Method(), ctx.URI().RequestURI(), ctx.PostBody())
	}
	r.Handle("GET", "/echo", Inline, echo).Params = []string{"a", "b", "x", "y", "bbox", "limit"}
	r.Handle("POST", "/echo", Inline, echo).Params = []string{"a", "b", "x", "y"}
	r.Handle("PUT", "/items/{id}", Inline, func(ctx *fasthttp.RequestCtx) {
		fmt.Fprintf(ctx, "id=%q body=%q", Param(ctx, "id"), ctx.PostBody())
	})
	r.Handle("GET", "/healthz", Inline, func(ctx *fasthttp.RequestCtx) {
		ctx.Response.SetBodyRaw(okBody)
	})
	r.Handle("GET", "/args", Inline, func(ctx *fasthttp.RequestCtx) {
		ctx.Response.SetBodyRaw(okBody)
	}).Params = []string{"a", "bbox", "limit"}
	r.Handle("GET", "/slow/{ms}", Worker, func(ctx *fasthttp.RequestCtx) {
		ms, _ := strconv.Atoi(string(Param(ctx, "ms")))
		time.Sleep(time.Duration(ms) * time.Millisecond)
		fmt.Fprintf(ctx, "slow %d %s", ms, ctx.QueryArgs().Peek("i"))
	}).Params = []string{"i"}
	r.Handle("PUT", "/write/{ms}", Worker, func(ctx *fasthttp.RequestCtx) {
		ms, _ := strconv.Atoi(string(Param(ctx, "ms")))
		time.Sleep(time.Duration(ms) * time.Millisecond)
		writesMade.Add(1)
		ctx.SetStatusCode(fasthttp.StatusCreated)
		fmt.Fprintf(ctx, "made %d", ms)
	}).Writes = true
	// Answered later, by another goroutine (Hold), where the engine can.
	held := func(status int) fasthttp.RequestHandler {
		return func(ctx *fasthttp.RequestCtx) {
			ms, _ := strconv.Atoi(string(Param(ctx, "ms")))
			answer := func() {
				time.Sleep(time.Duration(ms) * time.Millisecond)
				ctx.SetStatusCode(status)
				fmt.Fprintf(ctx, "held %d", ms)
			}
			if !Hold(ctx) {
				answer()
				return
			}
			if ms == 0 {
				answer()
				Done(ctx) // before the handler returns
				return
			}
			go func() {
				answer()
				Done(ctx)
			}()
		}
	}
	r.Handle("PUT", "/held/{ms}", Inline, held(fasthttp.StatusCreated)).Writes = true
	r.Handle("GET", "/held/{ms}", Inline, held(fasthttp.StatusOK))
	r.Handle("GET", "/fast/{n}", Inline, func(ctx *fasthttp.RequestCtx) {
		fmt.Fprintf(ctx, "fast %s %s", Param(ctx, "n"), ctx.QueryArgs().Peek("i"))
	}).Params = []string{"i"}
	r.Handle("GET", "/panic", Inline, func(*fasthttp.RequestCtx) { panic("test panic") })
	r.Handle("GET", "/panic-worker", Worker, func(*fasthttp.RequestCtx) { panic("test panic") })
	r.Handle("GET", "/block", Worker, func(ctx *fasthttp.RequestCtx) {
		<-blockRelease // until the test says so
		ctx.SetBodyString("released")
	})
	big := bytes.Repeat([]byte("x"), 256<<10)
	r.Handle("GET", "/big", Inline, func(ctx *fasthttp.RequestCtx) { ctx.Response.SetBodyRaw(big) })
	r.Handle("GET", "/close", Inline, func(ctx *fasthttp.RequestCtx) { ctx.SetConnectionClose() })
	return r
}

var okBody = []byte("ok")

// writesMade counts the writes PUT /write/{ms} made.
var writesMade atomic.Int64

// blockRelease holds GET /block's handler until the test closes it.
var blockRelease = make(chan struct{})

func testEngine(t testing.TB, lim Limits) *Engine {
	t.Helper()
	e, err := New(testRouter(), Options{Limits: lim, Workers: 8, Budget: time.Second, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.workers.Close(time.Second) })
	return e
}

// feed drives one connection of e through parts, each arriving as a
// separate read, then waits for workers; it returns everything written and
// whether the engine closed the connection.
func feed(t testing.TB, e *Engine, parts ...[]byte) (out []byte, closed bool) {
	t.Helper()
	fc := &fakeConn{}
	if _, act := e.OnOpen(fc); act != gnet.None {
		t.Fatal("OnOpen refused the connection")
	}
	traffic := func() bool {
		if e.OnTraffic(fc) == gnet.Close {
			e.OnClose(fc, nil)
			return true
		}
		return false
	}
	for _, p := range parts {
		fc.in = append(fc.in, p...)
		if traffic() {
			return fc.out, true
		}
	}
	for deadline := time.Now().Add(5 * time.Second); ; {
		c, _ := fc.ctx.(*conn)
		if c == nil || c.pending() == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("workers did not finish")
		}
		if fc.wakes.Swap(0) == 0 {
			time.Sleep(time.Millisecond)
			continue
		}
		if traffic() {
			return fc.out, true
		}
	}
	e.OnClose(fc, nil)
	return fc.out, false
}

var (
	dateRe = regexp.MustCompile(`(?m)^Date: [^\r]*\r$`)
	idRe   = regexp.MustCompile(`"requestId":"[0-9a-f]{16}"`)
)

// normalize blanks the Date header and request ids, and drops interim 100 responses (sent or
// not depending on whether the body came with the header) so that outputs can
// be compared.
func normalize(b []byte) string {
	s := dateRe.ReplaceAllString(string(b), "Date: -\r")
	s = idRe.ReplaceAllString(s, `"requestId":"................"`)
	return strings.ReplaceAll(s, "HTTP/1.1 100 Continue\r\n\r\n", "")
}

// response is one parsed response.
type response struct {
	status int
	header http.Header
	body   string
}

// parseResponses reads every response in out; methods says which requests
// were HEAD, in order, since a HEAD response has no body.
func parseResponses(t testing.TB, out []byte, methods ...string) []response {
	t.Helper()
	br := bufio.NewReader(bytes.NewReader(out))
	var rs []response
	for i := 0; ; i++ {
		if _, err := br.Peek(1); err == io.EOF {
			return rs
		}
		method := "GET"
		if i < len(methods) {
			method = methods[i]
		}
		resp, err := http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			t.Fatalf("response %d does not parse: %v\n%s", i, err, out)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("response %d body: %v", i, err)
		}
		rs = append(rs, response{resp.StatusCode, resp.Header, string(body)})
	}
}

func sleepMs(n int) { time.Sleep(time.Duration(n) * time.Millisecond) }
