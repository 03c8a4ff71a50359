package server

import (
	"bufio"
	"bytes"

	"github.com/valyala/fasthttp"
)

// http1 is HTTP/1.1 (and 1.0) as the engine speaks it: the framer
// (frame.go, chunked.go) finds each complete request, fasthttp parses it,
// and answers are written as fasthttp serializes them, with the
// connection rules fasthttp.Server would otherwise apply.
type http1 struct{}

func (http1) next(c *conn, buf []byte, now int64) (raw []byte, n, status int) {
	n, status = c.fr.next(buf)
	switch {
	case status != 0:
		return buf[c.fr.start:], 0, status
	case n == 0:
		c.awaitBody(now)
		return nil, 0, 0
	}
	return buf[c.fr.start:n], n, 0
}

func (http1) waiting(c *conn, now int64) { c.awaitBody(now) }

func (http1) serve(c *conn, raw []byte, now int64) {
	rd := c.e.readers.Get()
	c.serveHTTP(raw, rd, now)
	c.e.readers.Put(rd)
	c.fr.reset()
	c.bodyStart, c.need, c.continueSent = 0, 0, false
}

func (http1) encode(e *Engine, dst []byte, x *exchange) []byte { return e.appendResponse(dst, x) }

func (http1) keepRejected(_ *conn, m *meta, raw []byte) { m.keepLine(raw) }

// reqReader feeds fasthttp's parser the bytes of one framed request.
type reqReader struct {
	r  bytes.Reader
	br *bufio.Reader
}

// serveHTTP parses one complete request (raw, as the framer delimited it)
// and dispatches it.
func (c *conn) serveHTTP(raw []byte, rd *reqReader, now int64) {
	e := c.e
	x := c.acquire(now)
	rd.r.Reset(raw)
	rd.br.Reset(&rd.r)
	err := x.ctx.Request.Header.Read(rd.br)
	if err == nil {
		err = x.ctx.Request.ContinueReadBody(rd.br, int(e.lim.MaxBodyBytes), false)
	}
	leftover := rd.br.Buffered() + rd.r.Len()
	if err != nil || leftover != 0 {
		// The framer accepted what fasthttp did not: answer 400, never guess.
		c.finishWithStatus(x, fasthttp.StatusBadRequest, raw)
		return
	}
	x.counted = true
	e.inFlight.Add(1)
	if h := &x.ctx.Request.Header; c.fr.http1x {
		// fasthttp parsed it as an HTTP/1.0 request: make it the 1.1 one it is.
		h.SetProtocol("HTTP/1.1")
		if c.fr.connClose {
			h.SetConnectionClose()
		} else {
			h.ResetConnectionClose()
		}
	}
	x.close = x.ctx.Request.Header.ConnectionClose() || e.draining.Load()
	if x.close {
		c.closing = true
	}
	x.meta.http10 = !x.ctx.Request.Header.IsHTTP11()
	x.meta.head = x.ctx.IsHead()
	rt := e.router.resolve(&x.ctx, &x.meta)
	if rt == nil {
		c.finish(x)
		return
	}
	c.dispatch(x, rt)
}

// awaitBody notes a request whose header block is complete and whose body is
// not: the body deadline starts, a known length lets the loop skip re-scans,
// and a client that expects 100-continue is told to go on.
func (c *conn) awaitBody(now int64) {
	if !c.fr.bodyPending() {
		return
	}
	if c.bodyStart == 0 {
		c.bodyStart = now
	}
	if c.fr.hasLength {
		c.need = c.fr.headerLen + int(c.fr.contentLength)
	}
	if c.fr.expectContinue && !c.continueSent && c.pending() == 0 {
		c.out = append(c.out, "HTTP/1.1 100 Continue\r\n\r\n"...)
		c.continueSent = true
	}
}

// appendResponse appends x's response to dst: status line, headers, body.
func (e *Engine) appendResponse(dst []byte, x *exchange) []byte {
	resp := &x.ctx.Response
	status := resp.StatusCode()
	noBody := status < 200 || status == 204 || status == 304
	if x.meta.head {
		resp.SkipBody = true
	}
	body := resp.Body()
	if !noBody {
		resp.Header.SetContentLength(len(body))
	}
	resp.Header.SetServer(e.opts.Name)
	// The handler may ask to close, or the engine may be stopping since the
	// request was parsed. (x.close itself is the loop's: a stand-in reads it.)
	x.closeAfter = x.close || resp.ConnectionClose() || e.draining.Load()
	switch {
	case x.closeAfter:
		resp.SetConnectionClose()
	case x.meta.http10:
		resp.Header.Set("Connection", "keep-alive")
	}
	dst = append(dst, resp.Header.Header()...)
	if !noBody && !resp.SkipBody {
		dst = append(dst, body...)
	}
	return dst
}
