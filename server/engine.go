package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geometryos/daemon1/pool"
	"github.com/panjf2000/gnet/v2"
	"github.com/valyala/fasthttp"
)

// Options configure an Engine. Zero fields take the defaults named.
type Options struct {
	Addr      string        // host:port to listen on; "127.0.0.1:8080"
	Loops     int           // event loops; runtime.NumCPU()
	ReusePort bool          // SO_REUSEPORT, so several processes can share Addr
	Workers   int           // worker pool size for Worker routes; 256
	Budget    time.Duration // a request's deadline after its last byte; 10 ms
	Name      string        // the Server header; "daemon1"
	Limits    Limits
	// Tick is how often connections waiting on workers are checked for a
	// passed budget; 1 ms. Other timeouts are checked every 10 ticks.
	Tick time.Duration
	// Logf logs what the engine must tell an operator (a handler's panic);
	// log.Printf.
	Logf func(format string, args ...any)
	// Busy, when set, reports that what held writes are handed to (the
	// store's committer) is backed up: a connection with held writes
	// pending is then not parsed further until it clears, so that a
	// client pipelining writes faster than the disk takes them waits
	// rather than being refused. It must be cheap: it is asked per request.
	Busy func() bool
}

func (o Options) withDefaults() Options {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:8080"
	}
	if o.Name == "" {
		o.Name = "daemon1"
	}
	if o.Logf == nil {
		o.Logf = log.Printf
	}
	orDefault(&o.Loops, runtime.NumCPU())
	orDefault(&o.Workers, 256)
	orDefault(&o.Budget, 10*time.Millisecond)
	orDefault(&o.Tick, time.Millisecond)
	o.Limits = o.Limits.withDefaults()
	return o
}

// Engine serves a Router over HTTP/1.1 on gnet event loops.
type Engine struct {
	gnet.BuiltinEventEngine

	router *Router
	obs    *Observer // nil: no metrics, no error log
	opts   Options
	lim    Limits
	// limitDetails say which cap a 413, 414 or 431 met (Limits.limitDetails).
	limitDetails map[int]string
	logger       fasthttp.Logger
	workers      *pool.Workers[*exchange]

	exchanges pool.Of[exchange]
	readers   pool.Of[reqReader]
	conns     registry
	watch     watchSet // connections waiting on workers: checked every tick
	connIDs   atomic.Uint64
	ticks     int
	inFlight  atomic.Int64
	draining  atomic.Bool

	caps          *connCaps
	ln            *listener // nil for the fasthttp engine's binary connections
	adoptMu       sync.Mutex
	idleSocketDir string // of gnet's unreachable listener
	bootOnce      sync.Once
	eng           gnet.Engine
	addr          string
	booted        chan struct{}
	done          chan struct{} // closed when the event loops have stopped
	runErr        error         // why they stopped; read after done
	epoch         time.Time
}

// New makes an Engine for r. Register every route on r first.
func New(r *Router, o Options) (*Engine, error) {
	e, err := newEngine(r, o)
	if err != nil {
		return nil, err
	}
	if e.obs != nil {
		e.obs.set.NewGauge("daemon1_requests_in_flight", func() float64 { return float64(e.inFlight.Load()) })
		e.obs.set.NewGauge("daemon1_connections_open", func() float64 { return float64(e.conns.len()) })
	}
	return e, nil
}

// newEngine makes an Engine for r whose gauges its owner registers.
func newEngine(r *Router, o Options) (*Engine, error) {
	o = o.withDefaults()
	e := &Engine{router: r, obs: r.obs, opts: o, lim: o.Limits, limitDetails: o.Limits.limitDetails(), logger: fasthttpLogger(o.Logf),
		booted: make(chan struct{}), done: make(chan struct{}), epoch: time.Now()}
	e.caps = newConnCaps(&e.lim, e.obs)
	e.exchanges.New = func() *exchange { return &exchange{} }
	bufSize := o.Limits.MaxHeaderBytes + 4096
	e.readers.New = func() *reqReader {
		rd := &reqReader{}
		rd.br = bufio.NewReaderSize(&rd.r, bufSize)
		return rd
	}
	var err error
	e.workers, err = pool.NewWorkers(o.Workers, e.runWorker, func(p any) {
		o.Logf("BUG: worker panicked outside a handler: %v", p)
	})
	if err != nil {
		return nil, fmt.Errorf("cannot start worker pool: %w", err)
	}
	return e, nil
}

// Start listens and serves in the background; it returns once the engine
// accepts connections, or with the error that stopped it from starting.
//
// The engine accepts through its own listener (see listen.go) and hands each
// connection to gnet (Engine.Register). gnet will not run without a listener
// of its own, so it gets a Unix socket that no one can reach: its path is
// removed as soon as it is bound.
func (e *Engine) Start() error {
	ln, err := listen(e.opts.Addr, e.opts.ReusePort, e.obs, e.opts.Logf)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", e.opts.Addr, err)
	}
	e.ln, e.addr = ln, ln.Addr().String()
	if err := e.startLoops(); err != nil {
		ln.Close()
		return err
	}
	go e.accept()
	return nil
}

// startLoops starts the event loops, with no listener of the engine's
// own: they serve the connections handed to them (accept, adopt).
func (e *Engine) startLoops() error {
	dir, err := os.MkdirTemp("", "daemon1-")
	if err != nil {
		return fmt.Errorf("cannot start the event loops: %w", err)
	}
	e.idleSocketDir = dir
	go func() {
		e.runErr = gnet.Run(e, "unix://"+filepath.Join(dir, "unreachable.sock"),
			gnet.WithMulticore(e.opts.Loops > 1),
			gnet.WithNumEventLoop(e.opts.Loops),
			gnet.WithTicker(true),
			gnet.WithTCPNoDelay(gnet.TCPNoDelay),
			gnet.WithLogger(gnetLogger(e.opts.Logf)),
		)
		if e.ln != nil {
			e.ln.Close()
		}
		os.RemoveAll(dir)
		close(e.done)
	}()
	select {
	case <-e.booted:
	case <-e.done:
		err := e.runErr
		if err == nil {
			err = errors.New("engine stopped before it started")
		}
		return fmt.Errorf("cannot start the event loops: %w", err)
	}
	return nil
}

// accept hands every connection the listener accepts to the event loops,
// until the listener is closed.
func (e *Engine) accept() {
	for {
		c, err := e.ln.accept()
		if err != nil {
			return
		}
		e.adopt(c)
	}
}

// adopt hands nc to an event loop (gnet takes a duplicate of its
// descriptor and closes nc), or closes it if the engine is stopping. It
// may be called from several goroutines: gnet's choice of loop is not.
func (e *Engine) adopt(nc net.Conn) {
	e.adoptMu.Lock()
	_, err := e.eng.Register(gnet.NewNetConnContext(context.Background(), nc))
	e.adoptMu.Unlock()
	if err != nil {
		nc.Close()
	}
}

// Done is closed once the event loops have stopped.
func (e *Engine) Done() <-chan struct{} { return e.done }

// Addr is the address the engine listens on, with the port it got.
func (e *Engine) Addr() string { return e.addr }

// InFlight reports requests parsed and not yet answered.
func (e *Engine) InFlight() int64 { return e.inFlight.Load() }

// Conns reports open connections.
func (e *Engine) Conns() int { return e.conns.len() }

// Draining reports whether a drain has begun.
func (e *Engine) Draining() bool { return e.draining.Load() }

// mono is the engine's clock: monotonic nanoseconds since it was made.
func (e *Engine) mono() int64 { return int64(time.Since(e.epoch)) }

// wall turns a mono reading into a time.Time without reading the clock.
func (e *Engine) wall(mono int64) time.Time { return e.epoch.Add(time.Duration(mono)) }

// OnBoot keeps the engine's handle and makes gnet's own listener
// unreachable. The engine has booted once the ticker first runs (OnTick):
// by then the event loops exist to take connections.
func (e *Engine) OnBoot(eng gnet.Engine) gnet.Action {
	e.eng = eng
	os.RemoveAll(e.idleSocketDir)
	return gnet.None
}

// OnOpen sets up a connection, or refuses it while draining.
func (e *Engine) OnOpen(gc gnet.Conn) ([]byte, gnet.Action) {
	if e.draining.Load() {
		return nil, gnet.Close
	}
	remote := gc.RemoteAddr()
	if !e.caps.admit(remote) {
		return nil, gnet.Close
	}
	c := &conn{e: e, gc: gc, nc: netConn{local: gc.LocalAddr(), remote: remote}, id: e.connIDs.Add(1)}
	if e.obs != nil {
		e.obs.accepts.Inc()
	}
	c.fr.lim = &e.lim
	c.lastActive = e.mono()
	c.deadline.Store(c.lastActive + int64(e.lim.IdleTimeout))
	gc.SetContext(c)
	e.conns.add(c)
	return nil, gnet.None
}

// OnClose releases what the connection held. A client that shut its
// write side down (EOF) after sending requests is still owed their
// answers: they are given in the connection's afterlife (halfclose.go).
func (e *Engine) OnClose(gc gnet.Conn, err error) gnet.Action {
	c, ok := gc.Context().(*conn)
	if !ok {
		return gnet.None
	}
	if errors.Is(err, io.EOF) && c.afterlife() {
		gc.SetContext(nil)
		e.conns.remove(c)
		e.watch.remove(c)
		return gnet.None
	}
	gc.SetContext(nil)
	e.caps.release(c.nc.remote)
	e.conns.remove(c)
	e.watch.remove(c)
	c.orphanAll()
	return gnet.None
}

// OnTraffic runs when bytes arrive, or when a worker or the tick wakes the
// connection: write what is ready in order, parse what is complete, answer,
// and write once.
func (e *Engine) OnTraffic(gc gnet.Conn) gnet.Action {
	c, ok := gc.Context().(*conn)
	if !ok {
		return gnet.Close
	}
	c.wakePending.Store(false)
	now := e.mono()
	c.now = now
	if c.lingerAt != 0 {
		return c.linger(now)
	}
	if gc.InboundBuffered() > 0 {
		c.lastActive = now
	}
	c.flushReady(now)
	for {
		paused := false
		if !c.closing {
			paused = c.parse(now)
		} else if n := gc.InboundBuffered(); n > 0 {
			gc.Discard(n) // nothing after a closing request is ever parsed
		}
		if len(c.out) > 0 {
			c.lastActive = now
			_, err := gc.Write(c.out)
			c.resetOut()
			if err != nil {
				return gnet.Close
			}
		}
		// Parsing paused for output that has now gone to the socket: go
		// on, since no new bytes may ever come to wake this connection.
		if !paused || c.overloaded() {
			break
		}
	}
	if len(c.done) > 0 {
		c.recordDone(e.mono())
	}
	return c.settle(now)
}

// resetOut empties the connection's output once written (gnet copied what
// it could not send), dropping a buffer grown past maxPooledOut.
func (c *conn) resetOut() {
	if cap(c.out) > maxPooledOut {
		c.out = nil
		return
	}
	c.out = c.out[:0]
}

// parse frames and serves every complete request in the inbound buffer,
// unless backpressure says to wait; it reports whether it paused for it.
// The first byte a connection sends picks its protocol.
func (c *conn) parse(now int64) (paused bool) {
	gc := c.gc
	avail := gc.InboundBuffered()
	if avail == 0 || avail < c.need {
		if c.need > 0 {
			c.proto.waiting(c, now) // HTTP's 100 Continue may have waited for the queue
		}
		return false
	}
	buf, err := gc.Peek(avail)
	if err != nil {
		return false
	}
	if c.proto == nil {
		c.proto = sniff(buf[0])
	}
	off, served := 0, 0
	for off < len(buf) && !c.closing {
		if c.overloaded() {
			c.poll.Store(true)
			paused = true
			break
		}
		if c.reqStart == 0 {
			c.reqStart = now
		}
		raw, n, status := c.proto.next(c, buf[off:], now)
		if status != 0 {
			c.reject(status, raw)
			off = len(buf)
			break
		}
		if n == 0 {
			break
		}
		c.proto.serve(c, raw, now)
		off += n
		served++
		c.reqStart = 0
	}
	if off > 0 {
		gc.Discard(off)
	}
	if served > 0 && c.e.obs != nil {
		c.e.obs.pipelineDepth.Update(float64(served))
	}
	return paused
}

// overloaded reports whether parsing this connection must wait: too many of
// its responses pending, too much unsent output, or too much work in flight.
func (c *conn) overloaded() bool {
	if c.eof {
		return false // the last requests it will ever send: serve them all
	}
	return c.queueFull() || len(c.out)+c.gc.OutboundBuffered() >= c.e.lim.MaxPendingOutput
}

// queueFull is overloaded without the connection's own output: its
// pipeline, or the process's work in flight.
func (c *conn) queueFull() bool {
	return c.pending() >= c.e.lim.MaxPipeline || c.e.inFlight.Load() >= int64(c.e.lim.MaxInFlight) ||
		c.pend[pendHeldWrite] > 0 && c.e.opts.Busy != nil && c.e.opts.Busy()
}
