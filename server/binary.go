package server

import (
	"encoding/binary"
	"fmt"

	"github.com/geometryos/daemon1/codec"
	"github.com/valyala/fasthttp"
)

// BinaryMagic is the first byte of a binary-protocol connection: no HTTP
// request line can begin with it.
const BinaryMagic = codec.Magic

// binaryProtocol is daemon1's binary pipeline protocol (docs/protocol.md):
// a preamble, then length-prefixed frames, each served by the route its
// op was registered with (Router.HandleFrame), with the frame's payload as
// the request body; the answer's status is mapped to a frame status
// (codec.FrameStatus) and its body is the frame's payload. So a frame has
// every guarantee a REST request has: the budget, the worker pool, the
// order of answers, backpressure, the committer's durability, metrics and
// the error log.
type binaryProtocol struct{}

// binaryState is what a binary connection knows between frames.
type binaryState struct {
	preambled bool   // the preamble has been read and accepted
	why       string // the detail of a refusal that closes the connection
	session   Session
}

// Session is what a binary-protocol connection knows of its client, for
// its handlers: whether it has said hello with the token.
type Session struct{ authed bool }

// maxFrame is the longest frame accepted: a body's limit, plus room for
// the fields around it.
func maxFrame(lim *Limits) int { return int(lim.MaxBodyBytes) + 64<<10 }

// checkPreamble judges a connection's first 4 bytes, for both engines: a
// status other than 0 refuses the connection, for the reason why.
func checkPreamble(pre []byte) (status int, why string) {
	switch {
	case pre[1] != codec.Preamble[1] || pre[3] != 0:
		return fasthttp.StatusBadRequest, fmt.Sprintf("the connection began % x, not the preamble % x of daemon1's binary protocol; the connection is closed", pre[:codec.PreambleLen], codec.Preamble)
	case pre[2] != codec.Version:
		return fasthttp.StatusHTTPVersionNotSupported, fmt.Sprintf("protocol version %d is not spoken here: this server speaks version %d; the connection is closed", pre[2], codec.Version)
	}
	return 0, ""
}

// checkFrameSize judges a frame's length field, for both engines: a status
// other than 0 refuses the framing, which can no longer be trusted.
func checkFrameSize(size int, lim *Limits) (status int, why string) {
	switch most := maxFrame(lim); {
	case size < codec.FrameHeaderLen-4:
		return fasthttp.StatusBadRequest, fmt.Sprintf("a frame length of %d is shorter than a frame's op and request id (5 bytes); the connection is closed", size)
	case size > most:
		return fasthttp.StatusRequestEntityTooLarge, fmt.Sprintf("a frame of %d bytes is longer than the %d accepted (-max-body, plus 64 KiB); the connection is closed", size, most)
	}
	return 0, ""
}

func (binaryProtocol) next(c *conn, buf []byte, now int64) (raw []byte, n, status int) {
	b := &c.bin
	if !b.preambled {
		if len(buf) < codec.PreambleLen {
			return nil, 0, 0
		}
		if status, why := checkPreamble(buf); status != 0 {
			b.why = why
			return nil, 0, status
		}
		b.preambled = true
		return nil, codec.PreambleLen, 0 // nothing to serve: serve skips it
	}
	if len(buf) < 4 {
		return nil, 0, 0
	}
	size := int(binary.BigEndian.Uint32(buf))
	if status, why := checkFrameSize(size, &c.e.lim); status != 0 {
		b.why = why
		return nil, 0, status
	}
	if len(buf) < 4+size {
		if c.bodyStart == 0 {
			c.bodyStart = now // the rest of a long frame has the body's time
		}
		c.need = 4 + size
		return nil, 0, 0
	}
	c.bodyStart, c.need = 0, 0
	return buf[:4+size], 4 + size, 0
}

func (binaryProtocol) waiting(*conn, int64) {}

func (binaryProtocol) serve(c *conn, raw []byte, now int64) {
	if raw == nil {
		return // the preamble
	}
	e := c.e
	x := c.acquire(now)
	op := raw[4]
	x.meta.frameID = binary.BigEndian.Uint32(raw[5:])
	x.meta.session = &c.bin.session
	x.counted = true
	e.inFlight.Add(1)
	x.close = e.draining.Load()
	if x.close {
		c.closing = true
	}
	rt := e.router.frames[op]
	if rt == nil {
		x.ctx.Request.Header.SetRequestURI("binary")
		WriteProblem(&x.ctx, fasthttp.StatusBadRequest, ProblemBadRequest,
			fmt.Sprintf("op 0x%02x is not an op of daemon1's binary protocol version %d; see docs/protocol.md", op, codec.Version))
		c.finish(x)
		return
	}
	x.meta.route = rt
	x.ctx.Request.Header.SetRequestURI(rt.Pattern)
	x.ctx.Request.SetBody(raw[codec.FrameHeaderLen:])
	c.dispatch(x, rt)
}

func (binaryProtocol) encode(e *Engine, dst []byte, x *exchange) []byte {
	x.closeAfter = x.close || e.draining.Load()
	return appendFrameAnswer(dst, &x.ctx.Response, x.meta.frameID)
}

// appendFrameAnswer appends the frame of an answer: its status mapped to a
// frame status, its body as the payload.
func appendFrameAnswer(dst []byte, resp *fasthttp.Response, id uint32) []byte {
	body := resp.Body()
	dst = codec.AppendFrameHeader(dst, codec.FrameStatus(resp.StatusCode()), id, len(body))
	return append(dst, body...)
}

func (binaryProtocol) keepRejected(c *conn, m *meta, _ []byte) {
	m.why, c.bin.why = c.bin.why, ""
}

// Authenticate marks the binary connection of ctx as having presented the
// token: its later frames are Authenticated. It does nothing for HTTP.
func Authenticate(ctx *fasthttp.RequestCtx) {
	if m := metaOf(ctx); m != nil && m.session != nil {
		m.session.authed = true
	}
}

// Authenticated reports whether ctx is a frame of a binary connection that
// presented the token (Authenticate).
func Authenticated(ctx *fasthttp.RequestCtx) bool {
	m := metaOf(ctx)
	return m != nil && m.session != nil && m.session.authed
}

// IsFrame reports whether ctx is a frame of the binary protocol.
func IsFrame(ctx *fasthttp.RequestCtx) bool {
	m := metaOf(ctx)
	return m != nil && m.session != nil
}
