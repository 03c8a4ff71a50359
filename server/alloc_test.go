//go:build !race

package server

import (
	"testing"
	"time"

	"github.com/geometryos/daemon1/codec"
	"github.com/panjf2000/gnet/v2"
	"github.com/valyala/fasthttp"
)

// TestEngineZeroAllocs proves the engine's hot path allocates nothing once
// warm: framing, parsing into a pooled RequestCtx, routing, the handler,
// serializing the response, the write, and counting it in the route's
// metrics (and, for error answers, the error log), for single and pipelined
// requests.
func TestEngineZeroAllocs(t *testing.T) {
	f := func(name, raw string) {
		t.Helper()
		e, _, _ := observed(t, Options{Budget: time.Hour})
		fc := &fakeConn{}
		e.OnOpen(fc)
		req := []byte(crlf(raw))
		run := func() {
			fc.in = req
			fc.out = fc.out[:0]
			if e.OnTraffic(fc) != gnet.None || len(fc.in) != 0 {
				t.Fatalf("%s: the request was not served", name)
			}
		}
		for i := 0; i < 10; i++ {
			run() // warm the pools and buffers
		}
		if n := testing.AllocsPerRun(1000, run); n != 0 {
			t.Fatalf("%s: %v allocations per pass, want 0", name, n)
		}
	}
	f("GET /healthz", "GET /healthz HTTP/1.1\nHost: a\n\n")
	f("GET /healthz pipelined x16", strings16("GET /healthz HTTP/1.1\nHost: a\nUser-Agent: bench\n\n"))
	f("GET /healthz HTTP/1.0 keep-alive", "GET /healthz HTTP/1.0\nConnection: keep-alive\n\n")
	f("HEAD /healthz", "HEAD /healthz HTTP/1.1\nHost: a\n\n")
	f("POST with a body", "POST /nowhere HTTP/1.1\nHost: a\nContent-Length: 5\n\nhello")
	f("chunked POST", "POST /nowhere HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n5\nhello\n0\n\n")
	f("404", "GET /nowhere HTTP/1.1\nHost: a\n\n")
	f("GET with query parameters, checked", "GET /args?bbox=1,2,3,4&limit=100&a=x HTTP/1.1\nHost: a\n\n")
}

func strings16(s string) string {
	out := ""
	for i := 0; i < 16; i++ {
		out += s
	}
	return out
}

// TestBinaryZeroAllocs: a frame of the binary protocol costs no
// allocation once warm either: framing, the pooled exchange, the route,
// the answer frame, the write and the metrics, single and pipelined.
func TestBinaryZeroAllocs(t *testing.T) {
	f := func(name string, frames int) {
		t.Helper()
		e, _, _ := observed(t, Options{Budget: time.Hour})
		e.router.HandleFrame(codec.OpGet, "get", Inline, func(ctx *fasthttp.RequestCtx) {
			body := ctx.Response.SwapBody(nil)[:0]
			body = append(body, ctx.Request.Body()...)
			ctx.Response.SwapBody(codec.AppendU64(body, 7))
		})
		fc := &fakeConn{}
		e.OnOpen(fc)
		fc.in = codec.Preamble[:]
		e.OnTraffic(fc)
		var req []byte
		for i := range frames {
			req = codec.AppendFrameHeader(req, codec.OpGet, uint32(i), 10)
			req = append(req, "collection"...)
		}
		run := func() {
			fc.in = req
			fc.out = fc.out[:0]
			if e.OnTraffic(fc) != gnet.None || len(fc.in) != 0 || len(fc.out) != frames*(codec.FrameHeaderLen+18) {
				t.Fatalf("%s: the frames were not served: % x", name, fc.out)
			}
		}
		for i := 0; i < 10; i++ {
			run()
		}
		if n := testing.AllocsPerRun(1000, run); n != 0 {
			t.Fatalf("%s: %v allocations per pass, want 0", name, n)
		}
	}
	f("one frame", 1)
	f("16 frames pipelined", 16)
}
