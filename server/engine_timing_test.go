package server

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// BenchmarkEngine measures one pass of the gnet engine's callbacks (frame,
// parse, route, handle, serialize, write) over an in-memory connection, per
// request. BenchmarkFastHTTPServeConn is the baseline: fasthttp.Server serving
// the same router over an in-memory connection, in the same run.
func BenchmarkEngine(b *testing.B) {
	b.Run("healthz", func(b *testing.B) { benchEngine(b, healthzReq, 1) })
	b.Run("healthz-pipelined16", func(b *testing.B) { benchEngine(b, repeat(healthzReq, 16), 16) })
}

func BenchmarkFastHTTPServeConn(b *testing.B) {
	b.Run("healthz", func(b *testing.B) { benchFastHTTP(b, healthzReq, 1) })
	b.Run("healthz-pipelined16", func(b *testing.B) { benchFastHTTP(b, repeat(healthzReq, 16), 16) })
}

var healthzReq = []byte("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n")

func repeat(b []byte, n int) []byte {
	var out []byte
	for i := 0; i < n; i++ {
		out = append(out, b...)
	}
	return out
}

func benchEngine(b *testing.B, req []byte, perPass int) {
	e := testEngine(b, Limits{})
	fc := &fakeConn{}
	e.OnOpen(fc)
	b.ReportAllocs()
	b.SetBytes(int64(len(req)))
	b.ResetTimer()
	for i := 0; i < b.N; i += perPass {
		fc.in = req
		fc.out = fc.out[:0]
		e.OnTraffic(fc)
	}
}

func benchFastHTTP(b *testing.B, req []byte, perPass int) {
	f := NewFastHTTP(testRouter(), Options{Logf: b.Logf})
	c := &loopConn{req: req, passes: (b.N + perPass - 1) / perPass}
	b.ReportAllocs()
	b.SetBytes(int64(len(req)))
	b.ResetTimer()
	if err := f.srv.ServeConn(c); err != nil && err != io.EOF {
		b.Fatal(err)
	}
}

// loopConn is a net.Conn that reads req passes times, then EOF, and drops
// what is written.
type loopConn struct {
	req    []byte
	off    int
	passes int
}

func (c *loopConn) Read(p []byte) (int, error) {
	if c.passes == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.req[c.off:])
	if c.off += n; c.off == len(c.req) {
		c.off = 0
		c.passes--
	}
	return n, nil
}

func (c *loopConn) Write(p []byte) (int, error)      { return len(p), nil }
func (c *loopConn) Close() error                     { return nil }
func (c *loopConn) LocalAddr() net.Addr              { return fakeAddr }
func (c *loopConn) RemoteAddr() net.Addr             { return fakeAddr }
func (c *loopConn) SetDeadline(time.Time) error      { return nil }
func (c *loopConn) SetReadDeadline(time.Time) error  { return nil }
func (c *loopConn) SetWriteDeadline(time.Time) error { return nil }

var _ fasthttp.RequestHandler = (*FastHTTP)(nil).ServeHTTP
