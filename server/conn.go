package server

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// conn is the per-connection state. Everything but the atomics is touched only
// by the connection's event loop; the atomics are read by the tick goroutine
// and set by workers.
type conn struct {
	e  *Engine
	gc gnet.Conn
	nc netConn // what fasthttp sees as the connection

	proto protocol // chosen by the first byte received; nil before
	fr    framer   // HTTP/1.1's
	bin   binaryState
	out   []byte      // responses produced during this OnTraffic, in order
	queue []*exchange // responses not yet written, oldest at qhead
	qhead int
	spare *exchange      // a reset exchange bound to this conn, reused inline
	pend  [pendKinds]int // queued exchanges by what they wait on (order.go)
	done  []doneRec      // responses of this pass, for their latency

	id  uint64 // the high half of this connection's request ids
	seq uint32 // the low half: requests so far

	now  int64 // Engine.mono of the pass under way
	turn int64 // when the previous answer was ready to go (account.go turnOf)

	reqStart     int64 // when the current request's first byte was seen; 0 if none
	bodyStart    int64 // when its header block completed; 0 before
	need         int   // bytes the current request needs in all, when known
	continueSent bool
	lastActive   int64
	outSince     int64 // since when unsent output has been pending; 0 if none
	closing      bool  // parse nothing more; close once the output is flushed
	lingerAt     int64 // when the write side was shut down; 0 before
	eof          bool  // the client shut its write side: answer what came, in the afterlife

	deadline    atomic.Int64 // when the tick must wake the loop for this conn; 0 never
	poll        atomic.Bool  // wake on every tick (paused, or output to watch)
	wakePending atomic.Bool  // a Wake is queued and not yet run
	idx         int          // position in Engine.conns

	// woken, once the connection has passed to its afterlife
	// (halfclose.go), is what wake signals instead of the loop.
	woken atomic.Pointer[chan struct{}]
}

// pending is how many responses wait in the queue.
func (c *conn) pending() int { return len(c.queue) - c.qhead }

// wake asks the loop to run OnTraffic for c, at most once until it runs
// (or, in the connection's afterlife, wakes that).
func (c *conn) wake() {
	if ch := c.woken.Load(); ch != nil {
		select {
		case *ch <- struct{}{}:
		default: // a wake-up is pending already
		}
		return
	}
	if c.wakePending.CompareAndSwap(false, true) {
		if err := c.gc.Wake(nil); err != nil {
			c.wakePending.Store(false)
		}
	}
}

// netConn is the net.Conn given to fasthttp.RequestCtx.Init2: it only answers
// the addresses copied when the connection opened (gnet's RemoteAddr is nil
// after close, and workers may still ask). It cannot be read or written.
type netConn struct {
	local, remote net.Addr
}

var errNotAConn = errors.New("BUG: a handler used the connection directly")

func (n *netConn) Read([]byte) (int, error)         { return 0, errNotAConn }
func (n *netConn) Write([]byte) (int, error)        { return 0, errNotAConn }
func (n *netConn) Close() error                     { return nil }
func (n *netConn) LocalAddr() net.Addr              { return n.local }
func (n *netConn) RemoteAddr() net.Addr             { return n.remote }
func (n *netConn) SetDeadline(time.Time) error      { return nil }
func (n *netConn) SetReadDeadline(time.Time) error  { return nil }
func (n *netConn) SetWriteDeadline(time.Time) error { return nil }

// registry lists open connections for the tick scan.
type registry struct {
	mu    sync.Mutex
	conns []*conn
}

func (r *registry) add(c *conn) {
	r.mu.Lock()
	c.idx = len(r.conns)
	r.conns = append(r.conns, c)
	r.mu.Unlock()
}

func (r *registry) remove(c *conn) {
	r.mu.Lock()
	last := len(r.conns) - 1
	r.conns[c.idx] = r.conns[last]
	r.conns[c.idx].idx = c.idx
	r.conns[last] = nil
	r.conns = r.conns[:last]
	r.mu.Unlock()
}

func (r *registry) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.conns)
}

// each calls fn for every open connection, under the registry's lock.
func (r *registry) each(fn func(*conn)) {
	r.mu.Lock()
	for _, c := range r.conns {
		fn(c)
	}
	r.mu.Unlock()
}

// watchSet holds the connections waiting on workers, which the tick checks
// more often than the rest.
type watchSet struct {
	mu sync.Mutex
	m  map[*conn]struct{}
}

func (w *watchSet) add(c *conn) {
	w.mu.Lock()
	if w.m == nil {
		w.m = map[*conn]struct{}{}
	}
	w.m[c] = struct{}{}
	w.mu.Unlock()
}

func (w *watchSet) remove(c *conn) {
	w.mu.Lock()
	delete(w.m, c)
	w.mu.Unlock()
}

func (w *watchSet) each(fn func(*conn)) {
	w.mu.Lock()
	for c := range w.m {
		fn(c)
	}
	w.mu.Unlock()
}
