// Package client speaks daemon1's binary pipeline protocol
// (docs/protocol.md): one connection, any number of calls in flight,
// answered in order.
//
// Every operation has a blocking form (Get, Put, …) and an asynchronous
// one that returns a *Call at once (GetAsync, PutAsync, …): a future whose
// Wait gives the answer. Calls made from many goroutines share the
// connection, and frames written close together leave in one write. A
// broken connection fails the calls in flight (ErrConnLost: a write among
// them may or may not have been made) and the next call dials again.
package client

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/geometryos/daemon1/codec"
)

// Options configure a Client. Zero fields take the defaults named.
type Options struct {
	// Token is presented in a hello frame on every connection, when set:
	// writes need it on a server started with -auth-token-file.
	Token string
	// DialTimeout bounds a dial and its hello; 5 s.
	DialTimeout time.Duration
	// Timeout bounds a blocking call whose context has no deadline; 10 s.
	Timeout time.Duration
	// MaxInFlight bounds the calls sent and not yet answered: a call past
	// it waits for room; 65536.
	MaxInFlight int
}

// ErrConnLost fails the calls in flight when the connection breaks: a
// write among them may or may not have been made.
var ErrConnLost = errors.New("daemon1 client: the connection broke before the answer came")

// ErrClosed is the error of a call on a closed Client.
var ErrClosed = errors.New("daemon1 client: closed")

// Client is a connection to one daemon1, redialled when it breaks. It is
// safe for concurrent use.
type Client struct {
	addr string
	opts Options
	room chan struct{} // one token per call in flight

	mu     sync.Mutex
	cn     *conn // nil: dial on the next call
	closed bool
}

// Dial connects to the daemon1 at addr (host:port) and says hello with
// the token, if any.
func Dial(ctx context.Context, addr string, o Options) (*Client, error) {
	if o.DialTimeout <= 0 {
		o.DialTimeout = 5 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = 1 << 16
	}
	c := &Client{addr: addr, opts: o, room: make(chan struct{}, o.MaxInFlight)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.connLocked(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Close closes the connection; calls in flight fail with ErrConnLost.
func (c *Client) Close() error {
	c.mu.Lock()
	cn := c.cn
	c.cn, c.closed = nil, true
	c.mu.Unlock()
	if cn != nil {
		return cn.close(ErrConnLost)
	}
	return nil
}

// connLocked returns the live connection, dialling one if there is none.
func (c *Client) connLocked(ctx context.Context) (*conn, error) {
	if c.closed {
		return nil, ErrClosed
	}
	if c.cn != nil && !c.cn.broken() {
		return c.cn, nil
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.DialTimeout)
	defer cancel()
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", c.addr)
	if err != nil {
		return nil, fmt.Errorf("daemon1 client: cannot dial %s: %w", c.addr, err)
	}
	cn := newConn(nc, c.room)
	if c.opts.Token != "" {
		select {
		case c.room <- struct{}{}:
		case <-ctx.Done():
			cn.close(ctx.Err())
			return nil, ctx.Err()
		}
		call := cn.send(codec.OpHello, []byte(c.opts.Token))
		if err := call.Wait(ctx); err != nil {
			cn.close(err)
			return nil, fmt.Errorf("daemon1 client: hello to %s: %w", c.addr, err)
		}
	}
	c.cn = cn
	return cn, nil
}

// Go sends a frame of op with payload and returns its Call at once. It
// waits only for room among MaxInFlight, or to dial.
func (c *Client) Go(ctx context.Context, op byte, payload []byte) *Call {
	select {
	case c.room <- struct{}{}:
	case <-ctx.Done():
		return failed(op, ctx.Err())
	}
	c.mu.Lock()
	cn, err := c.connLocked(ctx)
	c.mu.Unlock()
	if err != nil {
		<-c.room
		return failed(op, err)
	}
	return cn.send(op, payload)
}

// do sends a frame and waits for its answer.
func (c *Client) do(ctx context.Context, op byte, payload []byte) (*Call, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.opts.Timeout)
		defer cancel()
	}
	call := c.Go(ctx, op, payload)
	return call, call.Wait(ctx)
}

// Call is one frame sent and its answer to come: a future.
type Call struct {
	Op      byte
	ID      uint32
	Status  byte   // the answer's frame status, once Done
	Payload []byte // the answer's payload, once Done
	Err     error  // nil, an *Error, ErrConnLost, or a dial error
	done    chan struct{}
}

func failed(op byte, err error) *Call {
	c := &Call{Op: op, Err: err, done: make(chan struct{})}
	close(c.done)
	return c
}

// Done is closed once the answer has come (or the call failed).
func (c *Call) Done() <-chan struct{} { return c.done }

// Wait waits for the answer, or for ctx: a call given up on stays in the
// pipeline, and its answer is dropped when it comes.
func (c *Call) Wait(ctx context.Context) error {
	select {
	case <-c.done:
		return c.Err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// conn is one connection: a writer shared by callers, a reader goroutine.
type conn struct {
	nc   net.Conn
	room chan struct{}

	wmu      sync.Mutex
	bw       *bufio.Writer
	nextID   uint32
	queue    []*Call // sent, not answered, in order
	flushing bool
	err      error // why the connection broke; nil while it works
	kick     chan struct{}
	buf      []byte
}

func newConn(nc net.Conn, room chan struct{}) *conn {
	cn := &conn{nc: nc, room: room, bw: bufio.NewWriterSize(nc, 64<<10), kick: make(chan struct{}, 1)}
	cn.bw.Write(codec.Preamble[:])
	go cn.read()
	go cn.flush()
	return cn
}

func (cn *conn) broken() bool {
	cn.wmu.Lock()
	defer cn.wmu.Unlock()
	return cn.err != nil
}

// send writes a frame and queues its call; the flusher sends it.
func (cn *conn) send(op byte, payload []byte) *Call {
	call := &Call{Op: op, done: make(chan struct{})}
	cn.wmu.Lock()
	if cn.err != nil {
		err := cn.err
		cn.wmu.Unlock()
		<-cn.room
		call.Err = err
		close(call.done)
		return call
	}
	cn.nextID++
	call.ID = cn.nextID
	cn.buf = codec.AppendFrameHeader(cn.buf[:0], op, call.ID, len(payload))
	cn.bw.Write(cn.buf)
	cn.bw.Write(payload)
	cn.queue = append(cn.queue, call)
	if !cn.flushing {
		cn.flushing = true
		select {
		case cn.kick <- struct{}{}:
		default:
		}
	}
	cn.wmu.Unlock()
	return call
}

// flush writes what callers buffered, coalescing the frames of callers
// that came while it wrote.
func (cn *conn) flush() {
	for range cn.kick {
		cn.wmu.Lock()
		cn.flushing = false
		var err error
		if cn.err == nil {
			err = cn.bw.Flush()
		}
		cn.wmu.Unlock()
		if err != nil {
			cn.close(ErrConnLost)
			return
		}
	}
}

// read takes answers in order and completes their calls.
func (cn *conn) read() {
	br := bufio.NewReaderSize(cn.nc, 64<<10)
	var head [codec.FrameHeaderLen]byte
	for {
		if _, err := io.ReadFull(br, head[:]); err != nil {
			cn.close(ErrConnLost)
			return
		}
		size := int(binary.BigEndian.Uint32(head[:])) - (codec.FrameHeaderLen - 4)
		if size < 0 {
			cn.close(fmt.Errorf("%w: a malformed answer", ErrConnLost))
			return
		}
		payload := make([]byte, size)
		if _, err := io.ReadFull(br, payload); err != nil {
			cn.close(ErrConnLost)
			return
		}
		status, id := head[4], binary.BigEndian.Uint32(head[5:])
		cn.wmu.Lock()
		var call *Call
		if len(cn.queue) > 0 {
			call = cn.queue[0]
			cn.queue[0] = nil
			cn.queue = cn.queue[1:]
		}
		cn.wmu.Unlock()
		if call == nil || call.ID != id {
			// An answer to no call: a refusal of the whole connection
			// (id 0), or a server out of step. Either way it is over.
			err := answerError(status, payload)
			if err == nil {
				err = fmt.Errorf("daemon1 client: an answer with id %d came when none was due", id)
			}
			if call != nil {
				call.Status, call.Payload, call.Err = status, payload, err
				<-cn.room
				close(call.done)
			}
			cn.close(err)
			return
		}
		call.Status, call.Payload, call.Err = status, payload, answerError(status, payload)
		<-cn.room
		close(call.done)
	}
}

// close breaks the connection and fails every call in flight with err.
func (cn *conn) close(err error) error {
	cn.wmu.Lock()
	if cn.err != nil {
		cn.wmu.Unlock()
		return nil
	}
	cn.err = err
	q := cn.queue
	cn.queue = nil
	cn.wmu.Unlock()
	close(cn.kick)
	cerr := cn.nc.Close()
	for _, call := range q {
		call.Err = err
		<-cn.room
		close(call.done)
	}
	return cerr
}
