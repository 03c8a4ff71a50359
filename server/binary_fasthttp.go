package server

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/geometryos/daemon1/codec"
	"github.com/valyala/fasthttp"
)

// The fasthttp engine serves the binary protocol too, so that it can be
// measured against: a switch in front of fasthttp.Server reads the first
// byte of each connection (on a goroutine of its own, never in Accept),
// hands HTTP connections to fasthttp.Server with that byte put back, and
// serves binary ones on a goroutine each, one frame after another.

// switchListener is the listener fasthttp.Server accepts from.
type switchListener struct {
	inner  net.Listener
	f      *FastHTTP
	conns  chan net.Conn
	errs   chan error
	closed chan struct{}
	once   sync.Once
}

func newSwitchListener(inner net.Listener, f *FastHTTP) *switchListener {
	l := &switchListener{inner: inner, f: f, conns: make(chan net.Conn), errs: make(chan error, 1), closed: make(chan struct{})}
	go l.run()
	return l
}

func (l *switchListener) run() {
	for {
		nc, err := l.inner.Accept()
		if err != nil {
			select {
			case l.errs <- err:
			case <-l.closed:
			}
			return
		}
		go l.sniff(nc)
	}
}

// sniff reads the first byte of nc and passes nc on.
func (l *switchListener) sniff(nc net.Conn) {
	lim := &l.f.opts.Limits
	nc.SetReadDeadline(time.Now().Add(lim.IdleTimeout))
	var first [1]byte
	if _, err := io.ReadFull(nc, first[:]); err != nil {
		nc.Close()
		return
	}
	nc.SetReadDeadline(time.Time{})
	if first[0] == BinaryMagic {
		l.f.serveBinary(nc, first[0])
		return
	}
	select {
	case l.conns <- &sniffedConn{Conn: nc, first: first[0], has: true}:
	case <-l.closed:
		nc.Close()
	}
}

func (l *switchListener) Accept() (net.Conn, error) {
	select {
	case nc := <-l.conns:
		return nc, nil
	case err := <-l.errs:
		return nil, err
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *switchListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return l.inner.Close()
}

func (l *switchListener) Addr() net.Addr { return l.inner.Addr() }

// sniffedConn gives back the byte read to choose its protocol.
type sniffedConn struct {
	net.Conn
	first byte
	has   bool
}

func (c *sniffedConn) Read(p []byte) (int, error) {
	if c.has && len(p) > 0 {
		p[0], c.has = c.first, false
		return 1, nil
	}
	return c.Conn.Read(p)
}

// binaryConns are the binary connections open on the fasthttp engine, for
// a drain to close.
type binaryConns struct {
	mu       sync.Mutex
	m        map[net.Conn]struct{}
	draining bool
}

func (b *binaryConns) add(nc net.Conn) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.draining {
		return false
	}
	if b.m == nil {
		b.m = map[net.Conn]struct{}{}
	}
	b.m[nc] = struct{}{}
	return true
}

func (b *binaryConns) remove(nc net.Conn) {
	b.mu.Lock()
	delete(b.m, nc)
	b.mu.Unlock()
}

// drain stops every binary connection at its next read: what it has begun
// is answered first.
func (b *binaryConns) drain() {
	b.mu.Lock()
	b.draining = true
	for nc := range b.m {
		nc.SetReadDeadline(time.Now())
	}
	b.mu.Unlock()
}

func (b *binaryConns) isDraining() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.draining
}

// serveBinary serves a binary connection whose first byte (magic) was
// read, until it closes, breaks the framing, or a drain stops it.
func (f *FastHTTP) serveBinary(nc net.Conn, magic byte) {
	defer nc.Close()
	if !f.bins.add(nc) {
		return
	}
	defer f.bins.remove(nc)
	lim := &f.opts.Limits
	br := bufio.NewReaderSize(nc, 64<<10)
	bw := bufio.NewWriterSize(nc, 64<<10)
	var sess Session
	ctx := &fasthttp.RequestCtx{}
	ctx.Init2(nc, f.srv.Logger, false)
	refuse := func(status int, why string) {
		m := f.metas.Get()
		m.id, m.start, m.rejected, m.session = ctx.ID(), time.Now(), true, &sess
		m.deadline = m.start.Add(f.opts.Budget)
		ctx.Request.Reset()
		ctx.Response.Reset()
		ctx.SetUserValue(metaKey, m)
		ctx.Request.Header.SetRequestURI("binary")
		WriteProblem(ctx, status, engineProblems[status].p, why)
		if f.obs != nil {
			f.account(ctx, m)
		}
		bw.Write(appendFrameAnswer(nil, &ctx.Response, 0))
		bw.Flush()
		ctx.RemoveUserValue(metaKey)
		f.metas.Put(m)
	}
	var pre [codec.PreambleLen]byte
	pre[0] = magic
	nc.SetReadDeadline(time.Now().Add(lim.HeaderTimeout))
	if _, err := io.ReadFull(br, pre[1:]); err != nil {
		return
	}
	if status, why := checkPreamble(pre[:]); status != 0 {
		refuse(status, why)
		return
	}
	var frame, out []byte
	for {
		if br.Buffered() == 0 {
			if bw.Flush() != nil {
				return
			}
		}
		nc.SetReadDeadline(time.Now().Add(lim.IdleTimeout))
		var head [4]byte
		if _, err := io.ReadFull(br, head[:]); err != nil {
			return
		}
		size := int(binary.BigEndian.Uint32(head[:]))
		if status, why := checkFrameSize(size, lim); status != 0 {
			refuse(status, why)
			return
		}
		nc.SetReadDeadline(time.Now().Add(lim.BodyTimeout))
		if cap(frame) < size {
			frame = make([]byte, size)
		}
		frame = frame[:size]
		if _, err := io.ReadFull(br, frame); err != nil {
			return
		}
		out = f.serveFrame(ctx, &sess, frame, out[:0])
		nc.SetWriteDeadline(time.Now().Add(lim.WriteTimeout)) // a client that reads nothing is closed
		if _, err := bw.Write(out); err != nil {
			return
		}
		if cap(frame) > maxPooledOut {
			frame = nil
		}
		if f.bins.isDraining() {
			bw.Flush()
			return
		}
	}
}

// serveFrame serves one frame (op, request id, payload) and appends its
// answer to out.
func (f *FastHTTP) serveFrame(ctx *fasthttp.RequestCtx, sess *Session, frame, out []byte) []byte {
	f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	ctx.Request.Reset()
	ctx.Response.Reset()
	m := f.metas.Get()
	defer f.metas.Put(m)
	m.id = ctx.ID()
	m.start = time.Now()
	m.deadline = m.start.Add(f.opts.Budget)
	m.frameID = binary.BigEndian.Uint32(frame[1:])
	m.session = sess
	ctx.SetUserValue(metaKey, m)
	defer ctx.RemoveUserValue(metaKey)
	if rt := f.router.frames[frame[0]]; rt != nil {
		m.route = rt
		ctx.Request.Header.SetRequestURI(rt.Pattern)
		ctx.Request.SetBody(frame[codec.FrameHeaderLen-4:])
		if rt.Budget > 0 {
			m.setBudget(rt.Budget)
		}
		callHandler(rt.Handler, ctx)
	} else {
		ctx.Request.Header.SetRequestURI("binary")
		WriteProblem(ctx, fasthttp.StatusBadRequest, ProblemBadRequest,
			fmt.Sprintf("op 0x%02x is not an op of daemon1's binary protocol version %d; see docs/protocol.md", frame[0], codec.Version))
	}
	if f.obs != nil {
		f.account(ctx, m)
	}
	return appendFrameAnswer(out, &ctx.Response, m.frameID)
}
